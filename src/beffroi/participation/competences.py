"""Which level of government holds what an idea asks for, so a synthesis can say what the
collectivité cannot do itself and who can.

The rules are the inbox's routing rules (beffroi.listening.routing: the words of a message point
to the competent level — lycée, collège, ordures, route départementale...). An idea is outside the
organisation's reach when those words send enough of its answers to one other level. No Django here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from beffroi.core.domain import OrganisationKind
from beffroi.listening.routing import Level, Territory, competent_body, route

# Levels a kind of organisation acts at itself.
OWN_LEVELS: dict[str, frozenset[Level]] = {
    OrganisationKind.COMMUNE: frozenset({Level.COMMUNE}),
    OrganisationKind.EPCI: frozenset({Level.EPCI}),
    OrganisationKind.DEPARTEMENT: frozenset({Level.DEPARTEMENT}),
    OrganisationKind.REGION: frozenset({Level.REGION}),
    OrganisationKind.OTHER: frozenset(),
}


@dataclass(frozen=True)
class Holder:
    """Who holds what an idea asks for, when it is not the organisation itself."""

    level: Level
    subject: str  # the words that decided, as the answers wrote them
    name: str  # "le Conseil départemental (Calvados)", or generic when Beffroi knows no name

    @property
    def sentence(self) -> str:
        return f"« {self.subject} » : compétence {_of(self.name)}"


def _of(name: str) -> str:
    """« de » before a name, contracted as French wants it (du Conseil, des services)."""
    if name.startswith("le "):
        return "du " + name[3:]
    if name.startswith("les "):
        return "des " + name[4:]
    return "de " + name


def holder_for(
    texts: Sequence[str],
    *,
    organisation_kind: str,
    territory: Territory | None = None,
    min_share: float = 0.25,
) -> Holder | None:
    """The level holding an idea when its words send at least `min_share` of the answers to one
    level that is not the organisation's own (the area alone never moves an idea)."""
    if not texts:
        return None
    own = OWN_LEVELS.get(organisation_kind, frozenset())
    hits: Counter[Level] = Counter()
    words: dict[Level, Counter[str]] = {}
    for text in texts:
        found = route(text)
        if found.matched is None or found.level in own:
            continue
        hits[found.level] += 1
        words.setdefault(found.level, Counter())[found.matched] += 1
    if not hits:
        return None
    level, count = hits.most_common(1)[0]
    if count / len(texts) < min_share:
        return None
    subject = words[level].most_common(1)[0][0]
    return Holder(level, subject, competent_body(level, territory or Territory()))
