"""Calendar of elections and the restricted period of the Code électoral, article L52-1.

L52-1, alinéa 1: during the six months before the first day of the month of an election, and until
the round where it is decided, commercial advertising for electoral propaganda is forbidden.
L52-1, alinéa 2: from the first day of the sixth month before the month of a *general* election, no
campaign promoting the achievements or management of a collectivité may be organised on the
territory of the collectivités concerned by the vote. Both run from the same day: the first day of
the sixth month before the month of the first round, until the last round.

Which elections concern which kind of organisation (documented in `CONCERNS`):
- its own assembly is renewed (DIRECT): municipales for communes, communautaires for EPCI and for
  communes (their councillors sit in the EPCI), départementales for départements, régionales for
  régions;
- its territory is part of the constituency (TERRITORY): every other general election. The
  "collectivités intéressées par le scrutin" are not only those whose assembly is renewed: the judge
  looks at whether a candidate benefited from the promotion of a collective record (APVF, 2021, on the
  départementales and régionales; Conseil constitutionnel, 4 novembre 1993, AN Rhône, for a
  syndicat or a communauté). National elections (présidentielle, législatives, européennes) cover
  every territory. TA Pau, 20 octobre 1992, held a commune not concerned by cantonales when it was
  only part of the canton: the risk there depends on who is a candidate, so Beffroi still guards the
  period and says the concern is only territorial.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from beffroi.core.domain import OrganisationKind

PARIS = ZoneInfo("Europe/Paris")


class ElectionKind(StrEnum):
    MUNICIPALES = "municipales"
    COMMUNAUTAIRES = "communautaires"
    DEPARTEMENTALES = "departementales"
    REGIONALES = "regionales"
    LEGISLATIVES = "legislatives"
    EUROPEENNES = "europeennes"
    PRESIDENTIELLE = "presidentielle"


ELECTION_LABELS: dict[ElectionKind, str] = {
    ElectionKind.MUNICIPALES: "municipales",
    ElectionKind.COMMUNAUTAIRES: "communautaires",
    ElectionKind.DEPARTEMENTALES: "départementales",
    ElectionKind.REGIONALES: "régionales",
    ElectionKind.LEGISLATIVES: "législatives",
    ElectionKind.EUROPEENNES: "européennes",
    ElectionKind.PRESIDENTIELLE: "présidentielle",
}


class Concern(StrEnum):
    DIRECT = "direct"  # the organisation's own assembly is renewed
    TERRITORY = "territory"  # its territory is in the constituency


class CalendarStatus(StrEnum):
    OFFICIAL = "officiel"
    FORECAST = "previsionnel"


_DIRECT: dict[OrganisationKind, frozenset[ElectionKind]] = {
    OrganisationKind.COMMUNE: frozenset({ElectionKind.MUNICIPALES, ElectionKind.COMMUNAUTAIRES}),
    OrganisationKind.EPCI: frozenset({ElectionKind.COMMUNAUTAIRES, ElectionKind.MUNICIPALES}),
    OrganisationKind.DEPARTEMENT: frozenset({ElectionKind.DEPARTEMENTALES}),
    OrganisationKind.REGION: frozenset({ElectionKind.REGIONALES}),
    OrganisationKind.OTHER: frozenset(),
}

# Every general election concerns every kind of organisation: directly or through its territory.
CONCERNS: dict[OrganisationKind, dict[ElectionKind, Concern]] = {
    org: {
        kind: (Concern.DIRECT if kind in _DIRECT[org] else Concern.TERRITORY)
        for kind in ElectionKind
    }
    for org in OrganisationKind
}

SOURCES: dict[str, str] = {
    "L52-1": "Code électoral, article L52-1 (alinéas 1 et 2), sanction : article L90-1 (75 000 €).",
    "L52-8": "Code électoral, article L52-8 : une personne morale (la collectivité) ne peut financer la campagne d'un candidat.",
    "APVF-2021": "APVF, « Élections régionales et départementales : quelles campagnes de promotion sont interdites ? », 22 avril 2021.",
    "CC-1993": "Conseil constitutionnel, 4 novembre 1993, AN Rhône (un syndicat de communes est une collectivité au sens de L52-1).",
    "CE-1996": "Conseil d'État, 5 juin 1996, Élections municipales de Morhange (bilan avantageux de l'action municipale).",
    "TA-Pau-1992": "TA Pau, 20 octobre 1992 (commune ne couvrant qu'une partie du canton).",
}


@dataclass(frozen=True, slots=True)
class Election:
    """One election: its rounds (one or two dates) and where the dates come from."""

    id: str
    kind: ElectionKind
    rounds: tuple[date, ...]
    label: str = ""
    status: CalendarStatus = CalendarStatus.OFFICIAL
    source: str = ""
    # A by-election (élection partielle) is not "générale": only L52-1 alinéa 1 (paid advertising)
    # applies to it, not the ban on promotion campaigns of alinéa 2.
    general: bool = True

    def __post_init__(self) -> None:
        if not self.rounds:
            raise ValueError(f"{self.id} : au moins un tour de scrutin est requis")
        if list(self.rounds) != sorted(self.rounds):
            raise ValueError(f"{self.id} : les tours doivent être dans l'ordre chronologique")

    @property
    def first_round(self) -> date:
        return self.rounds[0]

    @property
    def last_round(self) -> date:
        return self.rounds[-1]


@dataclass(frozen=True, slots=True)
class RestrictedPeriod:
    election: Election
    start: date
    end: date
    concern: Concern

    @property
    def promotion_ban(self) -> bool:
        """Alinéa 2 (promotion of achievements) applies to general elections only."""
        return self.election.general

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def describe(self) -> str:
        how = (
            "l'assemblée de la collectivité est renouvelée"
            if self.concern is Concern.DIRECT
            else "le territoire de la collectivité est concerné par le scrutin"
        )
        status = (
            " (dates prévisionnelles)" if self.election.status is CalendarStatus.FORECAST else ""
        )
        return (
            f"{self.election.label or self.election.id} : période restreinte du "
            f"{self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}{status}, {how} (Code électoral, art. L52-1)."
        )


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) - months
    return date(index // 12, index % 12 + 1, 1)


def restricted_period(election: Election) -> tuple[date, date]:
    """From the first day of the sixth month before the month of the first round, to the last round."""
    return _months_before(election.first_round, 6), election.last_round


def local_day(when: date | datetime) -> date:
    """The Europe/Paris calendar day of a moment (a naive datetime is taken as UTC)."""
    if isinstance(when, datetime):
        aware = when if when.tzinfo else when.replace(tzinfo=ZoneInfo("UTC"))
        return aware.astimezone(PARIS).date()
    return when


def election_from_dict(raw: dict[str, Any]) -> Election:
    return Election(
        id=str(raw["id"]),
        kind=ElectionKind(raw["kind"]),
        rounds=tuple(date.fromisoformat(d) for d in raw["rounds"]),
        label=str(raw.get("label", "")),
        status=CalendarStatus(raw.get("status", CalendarStatus.OFFICIAL)),
        source=str(raw.get("source", "")),
        general=bool(raw.get("general", True)),
    )


def election_to_dict(election: Election) -> dict[str, Any]:
    return {
        "id": election.id,
        "kind": election.kind.value,
        "label": election.label,
        "rounds": [d.isoformat() for d in election.rounds],
        "status": election.status.value,
        "source": election.source,
        "general": election.general,
    }


def load_calendar(text: str) -> tuple[Election, ...]:
    """Parse a calendar in the JSON format of data/elections.json."""
    payload = json.loads(text)
    return tuple(election_from_dict(raw) for raw in payload["elections"])


@cache
def default_calendar() -> tuple[Election, ...]:
    """The calendar shipped with Beffroi (src/beffroi/compliance/data/elections.json)."""
    text = resources.files("beffroi.compliance").joinpath("data/elections.json").read_text("utf-8")
    return load_calendar(text)


def periods_for(
    kind: OrganisationKind,
    when: date | datetime,
    calendar: Iterable[Election] | None = None,
) -> list[RestrictedPeriod]:
    """The restricted periods in force on that day for an organisation of that kind."""
    day = local_day(when)
    found: list[RestrictedPeriod] = []
    for election in default_calendar() if calendar is None else calendar:
        start, end = restricted_period(election)
        if start <= day <= end:
            found.append(RestrictedPeriod(election, start, end, CONCERNS[kind][election.kind]))
    return sorted(found, key=lambda p: (p.concern is not Concern.DIRECT, p.end))


def is_restricted(
    org_kind: OrganisationKind,
    when: date | datetime,
    calendar: Iterable[Election] | None = None,
) -> bool:
    return bool(periods_for(org_kind, when, calendar))


def upcoming_periods(
    kind: OrganisationKind,
    when: date | datetime,
    calendar: Sequence[Election] | None = None,
) -> list[RestrictedPeriod]:
    """Periods not yet over on that day (in force or to come), soonest first."""
    day = local_day(when)
    result = []
    for election in default_calendar() if calendar is None else calendar:
        start, end = restricted_period(election)
        if end >= day:
            result.append(RestrictedPeriod(election, start, end, CONCERNS[kind][election.kind]))
    return sorted(result, key=lambda p: (p.start, p.end))


@dataclass(frozen=True, slots=True)
class SponsoringDecision:
    allowed: bool
    reason: str = ""
    periods: tuple[RestrictedPeriod, ...] = ()


def sponsoring_decision(
    org_kind: OrganisationKind,
    when: date | datetime,
    calendar: Iterable[Election] | None = None,
) -> SponsoringDecision:
    """Refuse any sponsored post during a restricted period.

    The law forbids paid advertising for electoral propaganda (alinéa 1) and promotion campaigns
    (alinéa 2); a sponsored post of the collectivité is paid and its purpose is hard to prove neutral
    afterwards, so Beffroi refuses all of them during the period, which is stricter than the text.
    """
    periods = tuple(periods_for(org_kind, when, calendar))
    if not periods:
        return SponsoringDecision(allowed=True)
    names = ", ".join(p.election.label or p.election.id for p in periods)
    first = periods[0]
    reason = (
        f"Publication sponsorisée refusée : période restreinte avant les élections ({names}), "
        f"du {first.start:%d/%m/%Y} au {first.end:%d/%m/%Y}. Le Code électoral (art. L52-1) interdit "
        "pendant cette période la publicité commerciale à des fins de propagande électorale et toute "
        "campagne de promotion publicitaire des réalisations ou de la gestion de la collectivité."
    )
    return SponsoringDecision(allowed=False, reason=reason, periods=periods)
