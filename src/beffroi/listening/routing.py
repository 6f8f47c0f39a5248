"""Which level of government holds the competence a request is about (pure rules, no Django).

French competences are split by law (CGCT, loi NOTRe of 2015): the département has its roads
(routes départementales), collèges and social aid; the région its lycées, regional trains and
interurban coaches; the intercommunalité waste collection, water and economic zones; the State
national roads, police, prefecture papers and teachers; the commune the rest of daily life
(communal roads, primary schools, civil status). The words people use point to the level better
than the broad competence area does: « lycée » and « école » are both education. So rules on the
words come first, and the area decides only when no word does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from beffroi.core.domain import Topic


class Level(StrEnum):
    COMMUNE = "commune"
    EPCI = "epci"
    DEPARTEMENT = "departement"
    REGION = "region"
    ETAT = "etat"


LEVEL_LABELS: dict[Level, str] = {
    Level.COMMUNE: "Commune",
    Level.EPCI: "Intercommunalité",
    Level.DEPARTEMENT: "Département",
    Level.REGION: "Région",
    Level.ETAT: "État",
}

# (level, reason shown to the agent, patterns on accent-folded lowercase text). Order matters:
# the first level whose pattern matches wins, most specific first.
_RULES: tuple[tuple[Level, str, tuple[str, ...]], ...] = (
    (
        Level.ETAT,
        "route nationale, police nationale, gendarmerie, préfecture, titres, enseignants",
        (
            r"\broute nationale\b",
            r"\bautoroute\b",
            r"\brn ?\d+\b",
            r"\bpolice nationale\b",
            r"\bgendarmerie\b",
            r"\bgendarmes?\b",
            r"\bprefecture\b",
            r"\bsous-prefecture\b",
            r"\btitre de sejour\b",
            r"\bpermis de conduire\b",
            r"\bcarte grise\b",
            r"\bimpots?\b",
            r"\bfrance travail\b",
            r"\bpole emploi\b",
            r"\bprofesseurs? absents?\b",
            r"\bprof(?:esseur)?s? non remplaces?\b",
            r"\beducation nationale\b",
            r"\brectorat\b",
        ),
    ),
    (
        Level.REGION,
        "lycée, trains régionaux, cars interurbains, formation professionnelle",
        (
            r"\blycees?\b",
            r"\bter\b",
            r"\btrains? regionaux?\b",
            r"\bligne regionale\b",
            r"\bcars? (?:regiona(?:l|ux)|interurbains?)\b",
            r"\bligne de car\b",
            r"\bcars? scolaires?\b",
            r"\btransports? scolaires?\b",
            r"\bformation professionnelle\b",
            r"\bapprentissage\b",
        ),
    ),
    (
        Level.DEPARTEMENT,
        "route départementale, collège, aide sociale (RSA, APA, PMI, enfance)",
        (
            r"\broute departementale\b",
            r"\brd ?\d+\b",
            r"\bcolleges?\b",
            r"\brsa\b",
            r"\bapa\b",
            r"\bpmi\b",
            r"\baide sociale a l'enfance\b",
            r"\bmaison departementale\b",
            r"\bmdph\b",
            r"\bconseil departemental\b",
        ),
    ),
    (
        Level.EPCI,
        "déchets, eau et assainissement, bus de l'agglomération, zones d'activité",
        (
            r"\bdechets?\b",
            r"\bdechetteries?\b",
            r"\bpoubelles?\b",
            r"\bordures?\b",
            r"\bcollecte\b",
            r"\bramassage\b",
            r"\btri selectif\b",
            r"\bencombrants\b",
            r"\beau potable\b",
            r"\bassainissement\b",
            r"\bzone d'activites?\b",
            r"\bpiscine intercommunale\b",
            r"\bcommunaute de communes\b",
            r"\bagglo(?:meration)?\b",
            r"\blignes? de bus\b",
            r"\bbus\b",
        ),
    ),
    (
        Level.COMMUNE,
        "voirie communale, écoles, cantine, état civil, éclairage, police municipale",
        (
            r"\becoles?\b",
            r"\bcantine\b",
            r"\bcreche\b",
            r"\betat civil\b",
            r"\bmairie\b",
            r"\beclairage\b",
            r"\blampadaires?\b",
            r"\bpolice municipale\b",
            r"\bcimetiere\b",
            r"\btrottoirs?\b",
            r"\bnids? de poule\b",
            r"\brue\b",
            r"\bmarche\b",
        ),
    ),
)
_COMPILED = tuple(
    (level, reason, tuple(re.compile(p) for p in patterns)) for level, reason, patterns in _RULES
)

# When no word decides: the level that most often holds the area.
_BY_TOPIC: dict[Topic, Level] = {
    Topic.PROPRETE_DECHETS: Level.EPCI,
    Topic.ECONOMIE_EMPLOI_TOURISME: Level.EPCI,
    Topic.SOLIDARITES_SANTE: Level.DEPARTEMENT,
    Topic.MOBILITE: Level.COMMUNE,
}


@dataclass(frozen=True, slots=True)
class Route:
    level: Level
    reason: str
    matched: str | None = None  # the words that decided, None when the area did

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]


@dataclass(frozen=True, slots=True)
class Territory:
    """Names of the collectivités above a commune, for ready answers (None when unknown)."""

    commune: str | None = None
    epci: str | None = None
    departement: str | None = None
    region: str | None = None


def _fold_char(char: str) -> str:
    if char == "’":
        return "'"
    decomposed = "".join(
        c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
    )
    return decomposed if len(decomposed) == 1 else char


def _fold(text: str) -> str:
    """Lowercase without accents, one character for one: a match's span is also the original's."""
    return "".join(_fold_char(char) for char in text.lower())


def route(text: str, topic: Topic | str | None = None) -> Route:
    """The competent level for a request, from its words, else from its competence area."""
    folded = _fold(text)
    for level, reason, patterns in _COMPILED:
        for pattern in patterns:
            found = pattern.search(folded)
            if found:
                return Route(level, reason, text[found.start() : found.end()].lower())
    area = Topic(topic) if topic else Topic.AUTRE
    level = _BY_TOPIC.get(area, Level.COMMUNE)
    return Route(level, f"domaine « {area.value} »", None)


def competent_body(level: Level, territory: Territory) -> str:
    """Who to contact, as a citizen would write it."""
    if level is Level.COMMUNE:
        return f"la mairie de {territory.commune}" if territory.commune else "votre mairie"
    if level is Level.EPCI:
        return (
            territory.epci or "votre intercommunalité (communauté de communes ou d'agglomération)"
        )
    if level is Level.DEPARTEMENT:
        name = territory.departement
        return f"le Conseil départemental ({name})" if name else "le Conseil départemental"
    if level is Level.REGION:
        return f"la Région {territory.region}" if territory.region else "le Conseil régional"
    return "les services de l'État (préfecture)"


def ready_answer(found: Route, territory: Territory) -> str:
    """A reply the agent can send when the competent organisation does not use Beffroi."""
    body = competent_body(found.level, territory)
    subject = f"« {found.matched} »" if found.matched else "ce sujet"
    return (
        f"Bonjour, merci pour votre message. {subject[0].upper()}{subject[1:]} relève de "
        f"{body}, que nous vous invitons à contacter directement. Nous restons à votre écoute "
        "pour ce qui concerne la commune."
        if found.level is not Level.COMMUNE
        else f"Bonjour, merci pour votre message : nous le transmettons au service concerné de "
        f"{body}."
    )


def territory_for(kind: str, code: str, name: str) -> Territory:
    """The names above an organisation, from the packaged register of collectivités when it knows the code."""
    commune = name if kind == "commune" else None
    try:
        from beffroi.observatory.register import CollectivityKind, register_load
    except ImportError:  # the observatory is optional
        return Territory(commune=commune)
    register = register_load()
    if kind != "commune" or not code:
        return Territory(commune=commune)
    found = register.get(CollectivityKind.COMMUNE, code)
    if found is None:
        return Territory(commune=commune)
    epci = register.get(CollectivityKind.EPCI, found.epci) if found.epci else None
    dep = (
        register.get(CollectivityKind.DEPARTEMENT, found.departement) if found.departement else None
    )
    reg = register.get(CollectivityKind.REGION, found.region) if found.region else None
    return Territory(
        commune=found.name,
        epci=epci.name if epci else None,
        departement=dep.name if dep else None,
        region=reg.name if reg else None,
    )
