"""Election-period guard for drafts: what to flag, why, and what the flag requires.

During a restricted period (see `elections`), a draft that promotes the collectivité's achievements
or management, or that features an elected official who may be a candidate, is not refused: the
law forbids a *campaign* of promotion, and the judge weighs content, tone, rhythm and novelty. Such a
draft is flagged with its reasons and needs a second validator and a written justification, so that
the evidence file shows the choice was deliberate. Sponsoring is refused outright.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from beffroi.compliance.elections import (
    Election,
    RestrictedPeriod,
    SponsoringDecision,
    periods_for,
    sponsoring_decision,
)
from beffroi.compliance.text import fold
from beffroi.core.domain import OrganisationKind


class FlagCode(StrEnum):
    BILAN = "bilan"
    CREDIT = "credit_elus"
    INAUGURATION = "inauguration"
    SUCCESS_FIGURES = "chiffres_reussite"
    SELF_PRAISE = "autopromotion"
    OFFICIAL = "elu_candidat_possible"


FLAG_LABELS: dict[FlagCode, str] = {
    FlagCode.BILAN: "Bilan de l'action ou de la gestion de la collectivité",
    FlagCode.CREDIT: "Résultat attribué à l'action des élus",
    FlagCode.INAUGURATION: "Inauguration ou mise en avant d'une réalisation",
    FlagCode.SUCCESS_FIGURES: "Chiffres ou vocabulaire de réussite",
    FlagCode.SELF_PRAISE: "Ton d'autopromotion",
    FlagCode.OFFICIAL: "Mise en avant d'un élu susceptible d'être candidat",
}

# Patterns over folded text (lower case, no accents). Each says why it matters to the judge.
_PROMO_PATTERNS: tuple[tuple[FlagCode, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern))
    for code, pattern in (
        (FlagCode.BILAN, r"\bbilans?\b"),
        (
            FlagCode.BILAN,
            r"\b(?:au cours|depuis le debut|a mi-parcours|a la fin|fin) (?:du|de notre|de ce|de ce premier) mandat\b",
        ),
        (
            FlagCode.BILAN,
            r"\bdepuis (?:notre (?:election|arrivee)|le debut du mandat|20\d\d, nous)\b",
        ),
        (FlagCode.BILAN, r"\b(?:promesses?|engagements?) (?:tenue?s?|realise(?:e|s|es)?)\b"),
        (FlagCode.BILAN, r"\bnos (?:engagements|promesses)\b"),
        (FlagCode.BILAN, r"\bmission accomplie\b|\bobjectifs? (?:atteints?|tenus?)\b"),
        (
            FlagCode.BILAN,
            r"\bnous avons (?:realise|tenu|fait|reussi|investi|construit|renove|cree|livre|transforme)\b",
        ),
        (FlagCode.BILAN, r"\bnos realisations\b|\bles realisations (?:de la|du|de notre)\b"),
        (
            FlagCode.CREDIT,
            r"\bgrace a (?:l'action|l'engagement|la volonte|la mobilisation|l'impulsion|la determination) (?:de |du |des |d')",
        ),
        (
            FlagCode.CREDIT,
            r"\bgrace a (?:la municipalite|la majorite|l'equipe (?:municipale|majoritaire)|notre equipe|nos elus|vos elus|notre maire|votre maire|monsieur le maire|madame la maire|la presidente|le president)\b",
        ),
        (FlagCode.CREDIT, r"\bsous l'impulsion (?:de|du|des|d')\b"),
        (FlagCode.CREDIT, r"\b(?:vos|nos) elus (?:ont|se sont)\b"),
        (FlagCode.INAUGURATION, r"\binaugur\w*"),
        (FlagCode.INAUGURATION, r"\bpremiere pierre\b|\bcoupe(?:r|ra)? le ruban\b"),
        (
            FlagCode.INAUGURATION,
            r"\b(?:enfin|desormais) (?:livree?s?|acheve(?:e|s|es)?|termine(?:e|s|es)?)\b",
        ),
        (
            FlagCode.SUCCESS_FIGURES,
            r"\b(?:record|historique|jamais (?:autant|vu)|succes|reussite|exceptionnel(?:le)?s?)\b",
        ),
        (FlagCode.SUCCESS_FIGURES, r"\+\s?\d+(?:[,.]\d+)?\s?%"),
        (
            FlagCode.SUCCESS_FIGURES,
            r"\b(?:baisse|hausse|reduction|diminution) (?:de|des) \d+(?:[,.]\d+)?\s?%",
        ),
        (
            FlagCode.SUCCESS_FIGURES,
            r"\b\d+(?:[,.]\d+)?\s?(?:millions?|m€|k€|€) (?:investis|d'investissements?|d'euros investis)\b",
        ),
        (FlagCode.SELF_PRAISE, r"\b(?:fiers?|fieres?|fierte)\b"),
    )
)

# Titles of elected officials, over folded text. A title is enough: featuring "le maire" during
# the period may benefit a candidate whatever his name.
_TITLE_RE = re.compile(
    r"\b(?:(?:m\.|mme|madame|monsieur|le|la|notre|votre|par le|par la)\s+)"
    r"(?:(?:le|la|l')\s*)?"
    r"(?:maire|presidente?|vice-presidente?|(?:premier |premiere )?adjointe?|"
    r"conseill(?:er|ere) (?:municipale?|communautaire|departementale?|regionale?)(?: delegue(?:e)?)?|"
    r"depute(?:e)?|senat(?:eur|rice))\b"
)


@dataclass(frozen=True, slots=True)
class Officials:
    """The elected officials of an organisation who may be candidates: names and handles."""

    names: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    match_titles: bool = True


@dataclass(frozen=True, slots=True)
class ElectionFlag:
    code: FlagCode
    reason: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class ElectionReview:
    periods: tuple[RestrictedPeriod, ...]
    flags: tuple[ElectionFlag, ...]
    sponsoring: SponsoringDecision = field(default_factory=lambda: SponsoringDecision(True))

    @property
    def restricted(self) -> bool:
        return bool(self.periods)

    @property
    def refused(self) -> bool:
        return not self.sponsoring.allowed

    @property
    def needs_second_validation(self) -> bool:
        return bool(self.flags)

    @property
    def needs_justification(self) -> bool:
        return bool(self.flags)

    def reasons(self) -> list[str]:
        out = [self.sponsoring.reason] if self.refused else []
        out.extend(f"{FLAG_LABELS[f.code]} : « {f.excerpt} »" for f in self.flags)
        return out


def _excerpt(original: str, folded: str, match: re.Match[str], width: int = 30) -> str:
    # fold() keeps the length of most French text, so indexes map back to the original; if
    # a ligature changed the length, the folded excerpt is shown instead.
    source = original if len(original) == len(folded) else folded
    start, end = max(0, match.start() - width), min(len(source), match.end() + width)
    return " ".join(source[start:end].split())


def promotional_signals(text: str) -> list[ElectionFlag]:
    """Flags for vocabulary that promotes achievements or management, one per code."""
    folded = fold(text)
    seen: dict[FlagCode, ElectionFlag] = {}
    for code, pattern in _PROMO_PATTERNS:
        if code in seen:
            continue
        match = pattern.search(folded)
        if match:
            seen[code] = ElectionFlag(code, FLAG_LABELS[code], _excerpt(text, folded, match))
    return list(seen.values())


def _name_patterns(name: str) -> list[re.Pattern[str]]:
    folded = fold(name).strip()
    parts = folded.split()
    patterns = [re.compile(rf"\b{re.escape(folded)}\b")]
    if len(parts) >= 2:
        surname = re.escape(" ".join(parts[1:]))
        patterns.append(re.compile(rf"\b(?:m\.|mme|madame|monsieur|le maire|la maire) {surname}\b"))
    return patterns


def official_mentions(text: str, officials: Officials) -> list[ElectionFlag]:
    """Flags for an elected official named, tagged or designated by title."""
    folded = fold(text)
    flags: list[ElectionFlag] = []
    for name in officials.names:
        for pattern in _name_patterns(name):
            match = pattern.search(folded)
            if match:
                flags.append(
                    ElectionFlag(
                        FlagCode.OFFICIAL, f"Élu nommé : {name}", _excerpt(text, folded, match)
                    )
                )
                break
    for handle in officials.handles:
        bare = fold(handle).lstrip("@")
        match = re.search(rf"@{re.escape(bare)}\b", folded)
        if match:
            flags.append(
                ElectionFlag(
                    FlagCode.OFFICIAL, f"Élu mentionné : @{bare}", _excerpt(text, folded, match)
                )
            )
    if officials.match_titles and not flags:
        match = _TITLE_RE.search(folded)
        if match:
            flags.append(
                ElectionFlag(
                    FlagCode.OFFICIAL,
                    "Élu désigné par sa fonction",
                    _excerpt(text, folded, match),
                )
            )
    return flags


def review_draft(
    *,
    text: str,
    org_kind: OrganisationKind,
    when: date | datetime,
    officials: Officials | None = None,
    sponsored: bool = False,
    alt_texts: Sequence[str] = (),
    calendar: Iterable[Election] | None = None,
) -> ElectionReview:
    """Review a draft planned for `when`: flags only during a restricted period."""
    elections = list(calendar) if calendar is not None else None
    periods = tuple(periods_for(org_kind, when, elections))
    if not periods:
        return ElectionReview(periods=(), flags=())
    sponsoring = (
        sponsoring_decision(org_kind, when, elections) if sponsored else SponsoringDecision(True)
    )
    # Alt texts are read by screen readers and indexed: a name there is a mention too.
    full_text = "\n".join([text, *alt_texts])
    flags: list[ElectionFlag] = []
    if any(p.promotion_ban for p in periods):
        flags.extend(promotional_signals(full_text))
    flags.extend(official_mentions(full_text, officials or Officials()))
    return ElectionReview(periods=periods, flags=tuple(flags), sponsoring=sponsoring)


MIN_JUSTIFICATION_CHARS = 40


def validation_problems(
    review: ElectionReview, *, validators: Sequence[str], justification: str
) -> list[str]:
    """What is still missing before a flagged draft may be published (empty list: nothing)."""
    problems: list[str] = []
    if review.refused:
        problems.append(review.sponsoring.reason)
    if not review.flags:
        return problems
    if len({v.strip().lower() for v in validators if v.strip()}) < 2:
        problems.append(
            "Deux validations par deux personnes différentes sont requises en période électorale "
            "pour un contenu signalé."
        )
    if len(justification.strip()) < MIN_JUSTIFICATION_CHARS:
        problems.append(
            "Une justification écrite est requise (au moins "
            f"{MIN_JUSTIFICATION_CHARS} caractères) : pourquoi ce contenu reste une information "
            "neutre et habituelle de la collectivité."
        )
    return problems
