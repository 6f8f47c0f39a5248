"""Accessibility checks of posts (RGAA applies to a collectivité's online communication).

Each check answers one question a screen-reader user or a reader with cognitive difficulties asks
of a post. The organisation decides, through an `AccessibilityPolicy`, which checks block a
publication, which only warn and which are off. Sources: RGAA 4.1 (criteria 1.1-1.3 text
alternatives, 4.1-4.3 media captions, 6.1 link text, 8 and 10 for readable content), DINUM's
accessible social-media guide, Inclusion Europe's easy-to-read rules (FALC).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

import emoji

from beffroi.compliance.readability import Readability, readability
from beffroi.compliance.text import HASHTAG_RE, URL_RE, fold, strip_links_and_tags, words
from beffroi.networks.types import Media, PostVariant


class Check(StrEnum):
    ALT_MISSING = "alt_manquant"
    ALT_NOT_MEANINGFUL = "alt_non_pertinent"
    TEXT_IN_IMAGE = "texte_dans_image"
    VIDEO_CAPTIONS = "sous_titres_video"
    HASHTAG_CAMELCASE = "hashtag_camelcase"
    EMOJI_PILE = "emojis_empiles"
    EMOJI_AS_WORD = "emoji_a_la_place_d_un_mot"
    LINK_TEXT = "texte_de_lien"
    READABILITY = "lisibilite"
    PLAIN_LANGUAGE = "falc"


CHECK_LABELS: dict[Check, str] = {
    Check.ALT_MISSING: "Texte alternatif manquant",
    Check.ALT_NOT_MEANINGFUL: "Texte alternatif non pertinent",
    Check.TEXT_IN_IMAGE: "Information seulement dans l'image",
    Check.VIDEO_CAPTIONS: "Vidéo sans sous-titres",
    Check.HASHTAG_CAMELCASE: "Mot-dièse sans majuscules (CamelCase)",
    Check.EMOJI_PILE: "Émojis empilés",
    Check.EMOJI_AS_WORD: "Émoji à la place d'un mot",
    Check.LINK_TEXT: "Lien sans intitulé explicite",
    Check.READABILITY: "Lisibilité faible",
    Check.PLAIN_LANGUAGE: "Facile à lire et à comprendre (FALC)",
}


class Severity(StrEnum):
    BLOCK = "bloquant"
    WARN = "avertissement"
    OFF = "desactive"


DEFAULT_SEVERITIES: dict[Check, Severity] = {
    Check.ALT_MISSING: Severity.BLOCK,
    Check.ALT_NOT_MEANINGFUL: Severity.BLOCK,
    Check.VIDEO_CAPTIONS: Severity.BLOCK,
    Check.TEXT_IN_IMAGE: Severity.WARN,
    Check.HASHTAG_CAMELCASE: Severity.WARN,
    Check.EMOJI_PILE: Severity.WARN,
    Check.EMOJI_AS_WORD: Severity.WARN,
    Check.LINK_TEXT: Severity.WARN,
    Check.READABILITY: Severity.WARN,
    Check.PLAIN_LANGUAGE: Severity.WARN,
}


@dataclass(frozen=True, slots=True)
class AccessibilityPolicy:
    """What the organisation chose: severity per check and the thresholds."""

    severities: Mapping[Check, Severity] = field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    min_readability: float = 50.0
    max_emoji_run: int = 3
    min_alt_chars: int = 10

    def severity(self, check: Check) -> Severity:
        return self.severities.get(check, DEFAULT_SEVERITIES[check])

    def to_dict(self) -> dict[str, Any]:
        return {
            "severities": {c.value: self.severity(c).value for c in Check},
            "min_readability": self.min_readability,
            "max_emoji_run": self.max_emoji_run,
            "min_alt_chars": self.min_alt_chars,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> AccessibilityPolicy:
        severities = {Check(k): Severity(v) for k, v in dict(raw.get("severities", {})).items()}
        return cls(
            severities={**DEFAULT_SEVERITIES, **severities},
            min_readability=float(raw.get("min_readability", 50.0)),
            max_emoji_run=int(raw.get("max_emoji_run", 3)),
            min_alt_chars=int(raw.get("min_alt_chars", 10)),
        )


@dataclass(frozen=True, slots=True)
class Issue:
    check: Check
    severity: Severity
    message: str
    excerpt: str = ""


@dataclass(frozen=True, slots=True)
class AccessibilityResult:
    issues: tuple[Issue, ...]
    readability: Readability

    @property
    def blocked(self) -> bool:
        return any(i.severity is Severity.BLOCK for i in self.issues)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.WARN)

    def checks(self) -> set[Check]:
        return {i.check for i in self.issues}


# --- text alternatives -------------------------------------------------------------------------

_FILENAME_RE = re.compile(
    r"^\s*(?:[\w\-. ()]+\.(?:jpe?g|png|gif|webp|heic|heif|svg|bmp|tiff?|avif)|"
    r"(?:img|dsc|dscn|dcim|pxl|p|screenshot|capture(?: d'ecran)?|image|photo|whatsapp image)[_ \-]?\d[\w\-. ]*)\s*$",
    re.IGNORECASE,
)
_GENERIC_ALT = frozenset(
    fold(w)
    for w in (
        "image",
        "photo",
        "photographie",
        "illustration",
        "visuel",
        "picture",
        "img",
        "logo",
        "affiche",
        "icône",
        "graphique",
        "vidéo",
        "sans titre",
        "untitled",
        "alt",
        "texte alternatif",
        "image de la ville",
        "photo de la ville",
        "image d'illustration",
        "photo d'illustration",
        "visuel d'illustration",
    )
)


def _is_image(media: Media) -> bool:
    return media.mime_type.lower().startswith("image/")


def _is_video(media: Media) -> bool:
    return media.mime_type.lower().startswith("video/")


def alt_text_problem(alt: str, post_text: str, min_chars: int = 10) -> str | None:
    """Why an alt text says nothing to a screen-reader user, or None when it is meaningful."""
    stripped = alt.strip()
    folded = re.sub(r"[^\w' ]+", " ", fold(stripped)).strip()
    folded = " ".join(folded.split())
    if _FILENAME_RE.match(stripped):
        return f"le texte alternatif est un nom de fichier (« {stripped} »)"
    if folded in _GENERIC_ALT:
        return f"le texte alternatif est un mot générique (« {stripped} »)"
    if len(stripped) < min_chars or len(words(stripped)) < 2:
        return (
            f"le texte alternatif est trop court (« {stripped} ») : décrivez ce que montre l'image"
        )
    if post_text.strip() and folded == " ".join(re.sub(r"[^\w' ]+", " ", fold(post_text)).split()):
        return "le texte alternatif répète le texte de la publication : décrivez l'image"
    return None


def _media_issues(variant: PostVariant, policy: AccessibilityPolicy) -> list[Issue]:
    issues: list[Issue] = []
    for index, media in enumerate(variant.media, start=1):
        where = f"média {index}"
        if _is_image(media):
            if not media.alt_text.strip():
                issues.append(
                    Issue(
                        Check.ALT_MISSING,
                        policy.severity(Check.ALT_MISSING),
                        f"Image sans texte alternatif ({where}) : décrivez ce qu'elle montre.",
                        media.path,
                    )
                )
                continue
            problem = alt_text_problem(media.alt_text, variant.text, policy.min_alt_chars)
            if problem:
                issues.append(
                    Issue(
                        Check.ALT_NOT_MEANINGFUL,
                        policy.severity(Check.ALT_NOT_MEANINGFUL),
                        f"Image ({where}) : {problem}.",
                        media.alt_text,
                    )
                )
        elif _is_video(media) and not media.captions_path:
            issues.append(
                Issue(
                    Check.VIDEO_CAPTIONS,
                    policy.severity(Check.VIDEO_CAPTIONS),
                    f"Vidéo sans sous-titres ({where}) : ajoutez un fichier de sous-titres (SRT ou WebVTT).",
                    media.path,
                )
            )
    return issues


# --- text inside the image --------------------------------------------------------------------

_SEE_IMAGE_RE = re.compile(
    r"\b(?:voir|consultez|regardez|decouvrez|tout est sur|tout est dans|infos? sur|details? sur|"
    r"programme sur|programme dans|infos? dans|details? dans)\s+(?:l'|le |la |les |notre |nos |cette |ce )?"
    r"(?:affiche|visuel|image|flyer|infographie|programme ci-dessous|ci-dessous|photo)s?\b"
)
LONG_ALT_CHARS = 200
SHORT_POST_CHARS = 60


def _text_in_image_issues(variant: PostVariant, policy: AccessibilityPolicy) -> list[Issue]:
    images = [m for m in variant.media if _is_image(m)]
    if not images:
        return []
    prose = " ".join(words(strip_links_and_tags(variant.text)))
    reasons = []
    match = _SEE_IMAGE_RE.search(fold(variant.text))
    if match:
        reasons.append(f"la publication renvoie à l'image (« {match.group(0)} »)")
    if len(prose) < SHORT_POST_CHARS and any(len(m.alt_text) > LONG_ALT_CHARS for m in images):
        reasons.append("le texte est très court et le texte alternatif contient un long texte")
    if not reasons:
        return []
    return [
        Issue(
            Check.TEXT_IN_IMAGE,
            policy.severity(Check.TEXT_IN_IMAGE),
            "Texte dans l'image ? " + " ; ".join(reasons) + ". Reprenez les informations "
            "essentielles (date, lieu, horaires) dans le texte de la publication.",
            variant.text[:80],
        )
    ]


# --- hashtags --------------------------------------------------------------------------------


@cache
def _french_words() -> dict[str, int]:
    """Folded French words and their frequency, from pyspellchecker's French dictionary."""
    from spellchecker import SpellChecker

    frequencies: dict[str, int] = {}
    for word, count in SpellChecker(language="fr", distance=1).word_frequency.items():
        key = fold(word)
        if key.isalpha():
            frequencies[key] = max(count, frequencies.get(key, 0))
    # Place names are the words of local hashtags (#SaintEtienne, #NantesMetropole) and are not
    # in a dictionary: add the words of every collectivité's name, weighted by its population.
    for word, count in _place_words().items():
        frequencies[word] = max(count, frequencies.get(word, 0))
    return frequencies


def _place_words() -> dict[str, int]:
    try:
        from beffroi.observatory.register import register_load
    except ImportError:  # the observatory's register is optional here
        return {}
    words_: dict[str, int] = {}
    for collectivity in register_load().collectivities.values():
        weight = max(MIN_WORD_FREQUENCY, collectivity.population // 10)
        for part in re.split(r"[^\w]+", fold(collectivity.name)):
            if len(part) >= 4 and part.isalpha():
                words_[part] = max(weight, words_.get(part, 0))
    return words_


# Rare entries of the dictionary are often fragments or typos ("dela"): ignore them.
MIN_WORD_FREQUENCY = 20
_ONE_LETTER_WORDS = frozenset({"a", "y"})


@cache
def _total_frequency() -> int:
    return sum(_french_words().values())


def _known(word: str) -> bool:
    if len(word) == 1:
        return word in _ONE_LETTER_WORDS
    return _french_words().get(word, 0) >= MIN_WORD_FREQUENCY


def _piece_cost(piece: str) -> float:
    """Minus log-probability of a piece (Norvig's word segmentation); unknown pieces cost more the
    longer they are, and an unknown piece of one or two letters is almost never a word."""
    total = _total_frequency()
    if _known(piece):
        return math.log(total / max(_french_words().get(piece, 1), 1))
    penalty = 30.0 if len(piece) < 3 else 0.0
    return math.log(total) + len(piece) * math.log(10) + penalty


def segment(tag: str) -> list[str]:
    """Split a run of letters into the most probable sequence of French words."""
    s = fold(tag)
    n = len(s)
    best: list[tuple[float, list[str]]] = [(0.0, [])]
    best += [(math.inf, []) for _ in range(n)]
    for end in range(1, n + 1):
        for start in range(max(0, end - 25), end):
            piece = s[start:end]
            cost = best[start][0] + _piece_cost(piece)
            if cost < best[end][0]:
                best[end] = (cost, [*best[start][1], piece])
    return best[n][1]


def camelcase_suggestion(tag: str) -> str | None:
    """The CamelCase spelling of a hashtag written in one case, or None if it needs none."""
    body = tag.lstrip("#")
    letters = [c for c in body if c.isalpha()]
    if len(letters) < 6 or (any(c.isupper() for c in body[1:]) and not body.isupper()):
        return None  # too short to hold two words, or already has inner capitals
    if body.isupper() and len(body) <= 6:
        return None  # an acronym (#JO, #RGPD)
    if not body.isalpha() or _known(fold(body)):
        return None
    pieces = segment(body)
    known_letters = sum(len(p) for p in pieces if _known(p))
    unknown_pieces = [p for p in pieces if not _known(p)]
    if len(pieces) < 2 or known_letters < 0.6 * len(body) or len(unknown_pieces) > 1:
        return None
    # Map pieces back to the original characters to keep accents (fold may lengthen a ligature).
    if len(fold(body)) != len(body):
        return "#" + "".join(p.capitalize() for p in pieces)
    out, i = [], 0
    for piece in pieces:
        original = body[i : i + len(piece)]
        out.append(original[:1].upper() + original[1:].lower())
        i += len(piece)
    return "#" + "".join(out)


def _hashtag_issues(text: str, policy: AccessibilityPolicy) -> list[Issue]:
    issues = []
    for tag in dict.fromkeys(HASHTAG_RE.findall(text)):
        suggestion = camelcase_suggestion(tag)
        if suggestion:
            issues.append(
                Issue(
                    Check.HASHTAG_CAMELCASE,
                    policy.severity(Check.HASHTAG_CAMELCASE),
                    f"Mot-dièse #{tag} : une majuscule à chaque mot permet aux lecteurs d'écran de le "
                    f"lire correctement, écrivez {suggestion}.",
                    f"#{tag}",
                )
            )
    return issues


# --- emojis ---------------------------------------------------------------------------------


def _emoji_runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Runs of emojis separated by nothing but spaces: (start, end, emoji) each."""
    runs: list[list[tuple[int, int, str]]] = []
    for item in emoji.emoji_list(text):
        entry = (int(item["match_start"]), int(item["match_end"]), str(item["emoji"]))
        if runs and not text[runs[-1][-1][1] : entry[0]].strip():
            runs[-1].append(entry)
        else:
            runs.append([entry])
    return runs


def emoji_name(symbol: str) -> str:
    return emoji.demojize(symbol, language="fr").strip(":").replace("_", " ")


def _emoji_issues(text: str, policy: AccessibilityPolicy) -> list[Issue]:
    issues: list[Issue] = []
    for run in _emoji_runs(text):
        symbols = "".join(symbol for _, _, symbol in run)
        if len(run) > policy.max_emoji_run:
            issues.append(
                Issue(
                    Check.EMOJI_PILE,
                    policy.severity(Check.EMOJI_PILE),
                    f"{len(run)} émojis à la suite : un lecteur d'écran les lit tous "
                    f"(« {', '.join(emoji_name(symbol) for _, _, symbol in run[:4])}… »). "
                    f"Gardez-en {policy.max_emoji_run} au plus.",
                    symbols,
                )
            )
            continue
        before = text[: run[0][0]].rstrip()
        after = text[run[-1][1] :].lstrip()
        # Inside a sentence: a word before, a lower-case word after ("au 🏊 samedi").
        if before[-1:].isalpha() and after[:1].isalpha() and after[:1].islower():
            names = ", ".join(emoji_name(symbol) for _, _, symbol in run)
            issues.append(
                Issue(
                    Check.EMOJI_AS_WORD,
                    policy.severity(Check.EMOJI_AS_WORD),
                    f"Émoji au milieu d'une phrase : un lecteur d'écran dira « {names} ». "
                    "Écrivez le mot.",
                    symbols,
                )
            )
    return issues


# --- links ----------------------------------------------------------------------------------

_CLICK_HERE_RE = re.compile(
    r"\b(?:cliquez|cliquer|clique|clic|appuyez|touchez)\s+(?:ici|sur ce lien|sur le lien)\b|"
    r"\blien (?:ici|ci-dessous)\b|(?:^|\s)ici\s*:\s*(?:https?://|www\.)"
)


def _link_issues(variant: PostVariant, policy: AccessibilityPolicy) -> list[Issue]:
    text = variant.text
    has_link = bool(URL_RE.search(text)) or bool(variant.link)
    if not has_link:
        return []
    issues = []
    prose = words(strip_links_and_tags(text))
    if not prose:
        issues.append(
            Issue(
                Check.LINK_TEXT,
                policy.severity(Check.LINK_TEXT),
                "Le lien est seul : dites en une phrase où il mène et ce qu'on y trouve.",
                text.strip()[:80] or (variant.link or ""),
            )
        )
    match = _CLICK_HERE_RE.search(fold(text))
    if match:
        issues.append(
            Issue(
                Check.LINK_TEXT,
                policy.severity(Check.LINK_TEXT),
                f"« {match.group(0).strip()} » ne dit pas où mène le lien : nommez la destination "
                "(« Inscriptions à la cantine : https://… »).",
                match.group(0).strip(),
            )
        )
    return issues


# --- readability -------------------------------------------------------------------------------


def _readability_issues(result: Readability, policy: AccessibilityPolicy) -> list[Issue]:
    issues = []
    if result.words >= 8 and result.score < policy.min_readability:
        issues.append(
            Issue(
                Check.READABILITY,
                policy.severity(Check.READABILITY),
                f"Lisibilité {result.score:.0f}/100 ({result.level}), sous le seuil de "
                f"{policy.min_readability:.0f} choisi par la collectivité.",
            )
        )
    for suggestion in result.suggestions:
        issues.append(
            Issue(
                Check.PLAIN_LANGUAGE,
                policy.severity(Check.PLAIN_LANGUAGE),
                suggestion.message,
                suggestion.excerpt,
            )
        )
    return issues


def check_variant(
    variant: PostVariant, policy: AccessibilityPolicy | None = None
) -> AccessibilityResult:
    """Every accessibility check on one network variant of a post."""
    policy = policy or AccessibilityPolicy()
    full_text = "\n".join([variant.text, *variant.thread])
    probe = PostVariant(
        network=variant.network, text=full_text, media=variant.media, link=variant.link
    )
    result = readability(full_text)
    issues = [
        *_media_issues(probe, policy),
        *_text_in_image_issues(probe, policy),
        *_hashtag_issues(full_text, policy),
        *_emoji_issues(full_text, policy),
        *_link_issues(probe, policy),
        *_readability_issues(result, policy),
    ]
    return AccessibilityResult(
        issues=tuple(i for i in issues if i.severity is not Severity.OFF), readability=result
    )


# --- per-account report ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountAccessibilityReport:
    account: str
    posts: int
    posts_with_issues: int
    posts_blocked: int
    images: int
    images_with_meaningful_alt: int
    videos: int
    videos_with_captions: int
    mean_readability: float
    issues_by_check: dict[Check, int]
    worst: tuple[tuple[str, int], ...]  # (post id, number of issues), most issues first

    @property
    def alt_rate(self) -> float:
        return self.images_with_meaningful_alt / self.images if self.images else 1.0

    def summary(self) -> str:
        lines = [
            f"Rapport d'accessibilité — {self.account}",
            f"Publications analysées : {self.posts}",
            f"Publications avec au moins un problème : {self.posts_with_issues}",
            f"Publications bloquées par la politique de la collectivité : {self.posts_blocked}",
            f"Images avec un texte alternatif pertinent : {self.images_with_meaningful_alt}/{self.images}",
            f"Vidéos sous-titrées : {self.videos_with_captions}/{self.videos}",
            f"Lisibilité moyenne (Kandel-Moles) : {self.mean_readability:.0f}/100",
        ]
        if self.issues_by_check:
            lines.append("Problèmes par critère :")
            lines += [
                f"- {CHECK_LABELS[c]} : {n}"
                for c, n in sorted(self.issues_by_check.items(), key=lambda kv: -kv[1])
            ]
        return "\n".join(lines) + "\n"


def account_report(
    account: str,
    posts: Sequence[tuple[str, PostVariant]],
    policy: AccessibilityPolicy | None = None,
) -> AccountAccessibilityReport:
    """Check every post of an account: (post id, variant) pairs."""
    policy = policy or AccessibilityPolicy()
    counts: Counter[Check] = Counter()
    per_post: list[tuple[str, int]] = []
    blocked = images = good_alt = videos = captioned = 0
    scores: list[float] = []
    for post_id, variant in posts:
        result = check_variant(variant, policy)
        counts.update(i.check for i in result.issues)
        per_post.append((post_id, len(result.issues)))
        blocked += result.blocked
        if result.readability.words:
            scores.append(result.readability.score)
        for media in variant.media:
            if _is_image(media):
                images += 1
                good_alt += bool(media.alt_text.strip()) and not alt_text_problem(
                    media.alt_text, variant.text, policy.min_alt_chars
                )
            elif _is_video(media):
                videos += 1
                captioned += bool(media.captions_path)
    return AccountAccessibilityReport(
        account=account,
        posts=len(posts),
        posts_with_issues=sum(1 for _, n in per_post if n),
        posts_blocked=blocked,
        images=images,
        images_with_meaningful_alt=good_alt,
        videos=videos,
        videos_with_captions=captioned,
        mean_readability=round(sum(scores) / len(scores), 1) if scores else 0.0,
        issues_by_check=dict(counts),
        worst=tuple(sorted((p for p in per_post if p[1]), key=lambda p: -p[1])[:10]),
    )
