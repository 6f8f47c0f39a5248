"""Which level of government holds what an idea asks for, so a synthesis can say what the
collectivité cannot do itself and who can.

Rules follow the usual French split (Code général des collectivités territoriales, lois MAPTAM
and NOTRe): collèges, RSA, departmental roads and social action go to the département; lycées,
regional trains and coaches, economic development schemes to the région; household waste,
water, public transport, business parks and (often) the local plan to the intercommunalité;
police nationale, gendarmerie, hospitals, justice and national roads to the State. A rule fires
on words of the idea's answers (accents folded); the first matching rule wins. No Django here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from beffroi.core.domain import OrganisationKind
from beffroi.nlp.normalize import dedupe_key


class Level(StrEnum):
    COMMUNE = "commune"
    EPCI = "epci"
    DEPARTEMENT = "departement"
    REGION = "region"
    ETAT = "etat"


LEVEL_LABELS: dict[Level, str] = {
    Level.COMMUNE: "la commune",
    Level.EPCI: "l'intercommunalité",
    Level.DEPARTEMENT: "le département",
    Level.REGION: "la région",
    Level.ETAT: "l'État",
}

# Levels a kind of organisation acts at itself.
OWN_LEVELS: dict[str, frozenset[Level]] = {
    OrganisationKind.COMMUNE: frozenset({Level.COMMUNE}),
    OrganisationKind.EPCI: frozenset({Level.EPCI}),
    OrganisationKind.DEPARTEMENT: frozenset({Level.DEPARTEMENT}),
    OrganisationKind.REGION: frozenset({Level.REGION}),
    OrganisationKind.OTHER: frozenset(),
}


@dataclass(frozen=True)
class Rule:
    level: Level
    pattern: re.Pattern[str]
    subject: str


def _rule(level: Level, subject: str, *words: str) -> Rule:
    return Rule(level, re.compile(r"\b(?:" + "|".join(words) + r")"), subject)


RULES: tuple[Rule, ...] = (
    _rule(
        Level.ETAT,
        "police nationale et gendarmerie",
        r"police nationale",
        r"gendarm",
        r"commissariat",
    ),
    _rule(Level.ETAT, "hôpitaux et santé (ARS)", r"hopita", r"urgences", r"\bars\b"),
    _rule(Level.ETAT, "justice", r"tribunal", r"justice"),
    _rule(Level.ETAT, "routes nationales", r"route nationale", r"\brn ?\d", r"autoroute"),
    _rule(
        Level.ETAT,
        "éducation nationale (enseignants, programmes)",
        r"professeurs?",
        r"enseignants?",
        r"education nationale",
    ),
    _rule(Level.REGION, "lycées", r"lycee"),
    _rule(
        Level.REGION,
        "trains régionaux et cars interurbains",
        r"\bter\b",
        r"trains?\b",
        r"cars? regiona",
        r"ligne de car",
    ),
    _rule(
        Level.REGION, "formation professionnelle", r"formation professionnelle", r"apprentissage"
    ),
    _rule(Level.DEPARTEMENT, "collèges", r"college"),
    _rule(
        Level.DEPARTEMENT,
        "routes départementales",
        r"route departementale",
        r"\brd ?\d",
        r"departementale",
    ),
    _rule(
        Level.DEPARTEMENT,
        "RSA, autonomie et protection de l'enfance",
        r"\brsa\b",
        r"\bapa\b",
        r"ehpad",
        r"protection de l enfance",
    ),
    _rule(
        Level.EPCI,
        "collecte et traitement des déchets",
        r"ordures",
        r"collecte des dechets",
        r"dechetterie",
        r"poubelles? jaunes?",
        r"ramassage",
    ),
    _rule(
        Level.EPCI,
        "transports en commun",
        r"\bbus\b",
        r"navettes?",
        r"transports? en commun",
        r"tram",
    ),
    _rule(Level.EPCI, "eau et assainissement", r"eau potable", r"assainissement"),
    _rule(Level.EPCI, "zones d'activités", r"zones? d activites", r"zones? industrielles?"),
)


@dataclass(frozen=True)
class Holder:
    """Who holds what an idea asks for, when it is not the organisation itself."""

    level: Level
    subject: str
    name: str  # "la région", or the organisation's name when Beffroi knows it

    @property
    def sentence(self) -> str:
        return f"{self.subject} : compétence de {self.name}"


def holder_for(
    texts: Sequence[str],
    *,
    organisation_kind: str,
    known: dict[Level, str] | None = None,
    min_share: float = 0.25,
) -> Holder | None:
    """The level holding an idea when a rule fires on at least `min_share` of its answers and it is not the organisation's own."""
    if not texts:
        return None
    # Accents, case and apostrophes folded: "zone d'activités" is matched as "zone d activites".
    folded = [dedupe_key(t) for t in texts]
    own = OWN_LEVELS.get(organisation_kind, frozenset())
    for rule in RULES:
        hits = sum(1 for k in folded if rule.pattern.search(k))
        if hits and hits / len(texts) >= min_share and rule.level not in own:
            name = (known or {}).get(rule.level) or LEVEL_LABELS[rule.level]
            return Holder(rule.level, rule.subject, name)
    return None
