"""Reads of citizen participation, scoped by organisation, and the synthesis of a consultation."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from beffroi.core.domain import TOPIC_LABELS, Topic
from beffroi.core.models import Organisation
from beffroi.listening.routing import Territory
from beffroi.participation.competences import Holder, holder_for
from beffroi.participation.models import SOURCE_CHOICES, Answer, Consultation, Idea

QUOTES_PER_IDEA = 3
SOURCE_LABELS = dict(SOURCE_CHOICES)
SENTIMENT_LABELS = {
    "positive": "plutôt favorable",
    "neutral": "neutre",
    "negative": "plutôt critique",
}


def consultation_list(*, organisation: Organisation) -> QuerySet[Consultation]:
    return Consultation.objects.filter(organisation=organisation).order_by("-starts_at")


def answers_of(*, consultation: Consultation) -> QuerySet[Answer]:
    return consultation.answers.select_related("idea").order_by("idea_id", "created_at", "id")


@dataclass(frozen=True)
class Quote:
    text: str
    source: str
    likes: int
    place: str


@dataclass(frozen=True)
class IdeaSummary:
    id: int
    label: str
    people: int  # distinct authors: one person counts once per idea
    answers: int
    likes: int
    topic: str
    topic_label: str
    sentiment: str
    sentiment_label: str
    networks: dict[str, int]  # source label -> people
    places: dict[str, int]
    quotes: tuple[Quote, ...]
    holder: Holder | None


@dataclass(frozen=True)
class Synthesis:
    consultation_id: int
    question: str
    people: int
    answers: int
    ideas: tuple[IdeaSummary, ...]
    networks: dict[str, int]  # source label -> answers
    places: dict[str, int]
    ungrouped: int

    @property
    def outside(self) -> tuple[IdeaSummary, ...]:
        return tuple(i for i in self.ideas if i.holder is not None)

    @property
    def top_ideas(self) -> tuple[IdeaSummary, ...]:
        return self.ideas[:10]


def _territory(organisation: Organisation) -> Territory:
    """Names of the collectivités above the organisation that Beffroi knows (its parent chain)."""
    names: dict[str, str] = {}
    parent = organisation.parent
    while parent is not None:
        names.setdefault(parent.kind, parent.name)
        parent = parent.parent
    return Territory(
        commune=organisation.name if organisation.kind == "commune" else None,
        epci=names.get("epci"),
        departement=names.get("departement"),
        region=names.get("region"),
    )


def _quotes(members: list[Answer], representative_id: int | None) -> tuple[Quote, ...]:
    # The representative phrasing first, then the most liked other originals; never an insult.
    candidates = [a for a in members if not a.toxic and a.duplicate_of_id is None]
    candidates.sort(key=lambda a: (a.pk != representative_id, -a.likes, a.pk))
    return tuple(
        Quote(a.text, SOURCE_LABELS.get(a.source, a.source), a.likes, a.place)
        for a in candidates[:QUOTES_PER_IDEA]
    )


def synthesis_for(*, consultation: Consultation) -> Synthesis:
    """Ideas by support (distinct people, then likes) with quotes, spread and who holds what is outside the organisation's reach."""
    organisation = consultation.organisation
    territory = _territory(organisation)
    answers = list(consultation.answers.order_by("id"))
    by_idea: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        if answer.idea_id is not None:
            by_idea[answer.idea_id].append(answer)
    summaries = []
    for idea in Idea.objects.filter(consultation=consultation):
        members = by_idea.get(idea.pk, [])
        if not members:
            continue
        people_by_source: dict[str, set[str]] = defaultdict(set)
        for a in members:
            people_by_source[SOURCE_LABELS.get(a.source, a.source)].add(a.author_key)
        places = Counter(a.place for a in members if a.place)
        topic = Topic(idea.topic) if idea.topic in Topic._value2member_map_ else Topic.AUTRE
        summaries.append(
            IdeaSummary(
                id=idea.pk,
                label=idea.label,
                people=len({a.author_key for a in members}),
                answers=len(members),
                likes=sum(a.likes for a in members),
                topic=topic.value,
                topic_label=TOPIC_LABELS[topic],
                sentiment=idea.sentiment,
                sentiment_label=SENTIMENT_LABELS.get(idea.sentiment, idea.sentiment),
                networks={k: len(v) for k, v in sorted(people_by_source.items())},
                places=dict(places.most_common()),
                quotes=_quotes(members, idea.representative_id),
                holder=holder_for(
                    [a.text for a in members],
                    organisation_kind=organisation.kind,
                    territory=territory,
                ),
            )
        )
    summaries.sort(key=lambda s: (-s.people, -s.likes, s.id))
    networks = Counter(SOURCE_LABELS.get(a.source, a.source) for a in answers)
    places = Counter(a.place for a in answers if a.place)
    return Synthesis(
        consultation_id=consultation.pk,
        question=consultation.question,
        people=len({a.author_key for a in answers}),
        answers=len(answers),
        ideas=tuple(summaries),
        networks=dict(networks.most_common()),
        places=dict(places.most_common()),
        ungrouped=sum(1 for a in answers if a.idea_id is None),
    )
