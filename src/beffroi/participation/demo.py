"""Demonstration data of participation on the demo commune: a closed consultation on the old
factory's wasteland with its answers grouped into ideas, and an open one on the summer festival.

The answers come from the labelled set (datasets/consultations/answers.csv), spread over the
commune's simulated accounts and the public page, with repeat authors so that support counts
people, not messages. Grouped with the fast method so that loading stays within seconds.
"""

from __future__ import annotations

import csv
import random
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from beffroi.core.demo import DemoContext
from beffroi.core.models import Role
from beffroi.participation import services
from beffroi.participation.models import PUBLIC_SOURCE, Consultation

ANSWERS = Path(__file__).resolve().parents[3] / "datasets" / "consultations" / "answers.csv"
DISTRICTS = ("Centre-bourg", "Les Tanneurs", "La Brume", "Les Sablons", "Le Moulin")
CLOSED_TITLE = "Avenir de la friche Mercier"
OPEN_TITLE = "Fête d'été 2026"


def _rows(question: str) -> list[dict[str, str]]:
    if not ANSWERS.exists():
        return []
    with ANSWERS.open(encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["question"] == question]


def _incoming(
    rows: list[dict[str, str]], sources: list[str], start_days_ago: int, rng: random.Random
) -> list[services.Incoming]:
    now = timezone.now()
    people = [f"habitant-{n}" for n in range(max(3, int(len(rows) * 0.8)))]
    out = []
    for row in rows:
        source = rng.choice(sources)
        person = rng.choice(people)
        out.append(
            services.Incoming(
                source=source,
                remote_id=f"demo-{row['id']}",
                author_key=services._author_key("demo", source, person),
                author_name="" if source == PUBLIC_SOURCE else person.replace("-", " ").title(),
                text=row["text"],
                created_at=now
                - timedelta(days=start_days_ago)
                + timedelta(hours=rng.uniform(1, 24 * min(start_days_ago - 1, 25))),
                likes=int(rng.paretovariate(1.6)) - 1,
                place=rng.choice(DISTRICTS) if rng.random() < 0.35 else "",
            )
        )
    return out


def demo_load(context: DemoContext) -> None:
    commune = context.commune
    actor = context.users[Role.COMMUNITY_MANAGER]
    rng = random.Random(2026)
    sources = [*sorted(context.accounts)[:4], PUBLIC_SOURCE]
    now = timezone.now()

    if not Consultation.objects.filter(organisation=commune, title=CLOSED_TITLE).exists():
        closed = services.consultation_create(
            organisation=commune,
            actor=actor,
            title=CLOSED_TITLE,
            question="Que faire de la friche de l'ancienne usine Mercier, rue des Tanneurs ?",
            context="La commune a racheté le site en 2025. La dépollution s'achève à l'automne.",
            hashtag="#FricheMercier",
            starts_at=now - timedelta(days=60),
            ends_at=now - timedelta(days=30),
            grouping_method=Consultation.Method.FAST,
        )
        services.store_answers(closed, _incoming(_rows("friche"), sources, 58, rng))
        closed.closed_at = closed.ends_at
        closed.save(update_fields=["closed_at"])
        if closed.answers.exists():
            services.consultation_group(consultation=closed, actor=actor)

    if not Consultation.objects.filter(organisation=commune, title=OPEN_TITLE).exists():
        opened = services.consultation_create(
            organisation=commune,
            actor=actor,
            title=OPEN_TITLE,
            question="Que voudriez-vous trouver à la fête d'été de juillet ?",
            context="La fête a lieu le premier week-end de juillet sur la place du Marché.",
            hashtag="#FeteEte",
            starts_at=now - timedelta(days=5),
            ends_at=now + timedelta(days=16),
            grouping_method=Consultation.Method.FAST,
        )
        rows = _rows("fete")[:60]
        services.store_answers(opened, _incoming(rows, sources, 5, rng))
        if opened.answers.exists():
            services.consultation_group(consultation=opened, actor=actor)
