"""Evidence file of what was published during a restricted period and how it was validated.

If an election is contested, the collectivité must show that its communication stayed neutral and
usual. This export is built from plain records (the Django layer turns drafts, approvals and posts
into them) and gives a CSV, a JSON document and a readable summary in French.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from beffroi.compliance.elections import RestrictedPeriod
from beffroi.compliance.practice import PracticeComparison

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True, slots=True)
class Validation:
    by: str
    role: str
    at: datetime
    decision: str  # "approved", "rejected", "changes_requested"
    comment: str = ""


@dataclass(frozen=True, slots=True)
class EvidenceEntry:
    published_at: datetime
    network: str
    account: str
    text: str
    url: str | None = None
    remote_id: str | None = None
    sponsored: bool = False
    flags: tuple[str, ...] = ()  # reasons, in French
    validations: tuple[Validation, ...] = ()
    justification: str = ""
    draft_id: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    organisation: str
    period: RestrictedPeriod
    entries: tuple[EvidenceEntry, ...]
    generated_at: datetime
    practice: PracticeComparison | None = None
    notes: tuple[str, ...] = field(default=())

    def in_period(self) -> list[EvidenceEntry]:
        start, end = self.period.start, self.period.end
        return sorted(
            (e for e in self.entries if start <= _paris_day(e.published_at) <= end),
            key=lambda e: e.published_at,
        )


def _paris_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def _paris(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


CSV_COLUMNS = (
    "publie_le",
    "reseau",
    "compte",
    "texte",
    "url",
    "identifiant",
    "sponsorise",
    "signalements",
    "validations",
    "justification",
    "brouillon",
)


def evidence_csv(evidence: EvidenceFile) -> str:
    """One row per publication of the period; times in Europe/Paris."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in evidence.in_period():
        writer.writerow(
            [
                _paris(entry.published_at),
                entry.network,
                entry.account,
                entry.text,
                entry.url or "",
                entry.remote_id or "",
                "oui" if entry.sponsored else "non",
                " | ".join(entry.flags),
                " | ".join(
                    f"{v.decision} par {v.by} ({v.role}) le {_paris(v.at)}"
                    + (f" : {v.comment}" if v.comment else "")
                    for v in entry.validations
                ),
                entry.justification,
                entry.draft_id or "",
            ]
        )
    return buffer.getvalue()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def evidence_json(evidence: EvidenceFile) -> str:
    period = evidence.period
    payload = {
        "organisation": evidence.organisation,
        "genere_le": evidence.generated_at.isoformat(),
        "election": {
            "id": period.election.id,
            "libelle": period.election.label,
            "tours": [d.isoformat() for d in period.election.rounds],
            "statut_calendrier": period.election.status.value,
            "source": period.election.source,
        },
        "periode": {"debut": period.start.isoformat(), "fin": period.end.isoformat()},
        "base_legale": "Code électoral, article L52-1",
        "publications": [_jsonable(asdict(e)) for e in evidence.in_period()],
        "comparaison_pratique": _jsonable(asdict(evidence.practice)) if evidence.practice else None,
        "notes": list(evidence.notes),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def evidence_summary(evidence: EvidenceFile) -> str:
    """A readable summary, in French, for the file the collectivité keeps or gives the judge."""
    entries = evidence.in_period()
    period = evidence.period
    flagged = [e for e in entries if e.flags]
    sponsored = [e for e in entries if e.sponsored]
    networks = Counter(e.network for e in entries)
    lines = [
        f"Dossier de preuve — {evidence.organisation}",
        "",
        f"Élection : {period.election.label or period.election.id}",
        f"Période restreinte (Code électoral, art. L52-1) : du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y}",
        f"Généré le {_paris(evidence.generated_at)} (heure de Paris)",
        "",
        f"Publications pendant la période : {len(entries)}",
        "Par réseau : " + (", ".join(f"{n} {c}" for n, c in sorted(networks.items())) or "aucune"),
        f"Publications sponsorisées : {len(sponsored)}",
        f"Publications signalées (double validation et justification) : {len(flagged)}",
    ]
    missing = [
        e
        for e in flagged
        if len({v.by for v in e.validations if v.decision == "approved"}) < 2 or not e.justification
    ]
    if missing:
        lines.append(
            f"ATTENTION : {len(missing)} publication(s) signalée(s) sans double validation ou sans justification."
        )
    if evidence.practice is not None:
        p = evidence.practice
        lines += [
            "",
            "Comparaison avec la pratique habituelle du compte :",
            f"- rythme : {p.during.posts_per_week:.1f} publications/semaine pendant la période, "
            f"{p.before.posts_per_week:.1f} avant",
            f"- part valorisant l'action de la collectivité : {p.during.promo_share:.0%} pendant, "
            f"{p.before.promo_share:.0%} avant",
            f"- écart de répartition des thèmes : {p.theme_distance:.0%}",
        ]
        lines += [f"- {f}" for f in p.findings] or ["- communication conforme à l'habitude"]
    if flagged:
        lines += ["", "Publications signalées :"]
        for e in flagged:
            validators = ", ".join(
                f"{v.by} ({v.role}, {_paris(v.at)})"
                for v in e.validations
                if v.decision == "approved"
            )
            lines += [
                f"- {_paris(e.published_at)} · {e.network} · {e.text[:80]}",
                f"  motifs : {'; '.join(e.flags)}",
                f"  validée par : {validators or 'personne'}",
                f"  justification : {e.justification or '(aucune)'}",
            ]
    lines += ["", *evidence.notes] if evidence.notes else []
    return "\n".join(lines) + "\n"
