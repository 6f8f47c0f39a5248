"""Fixtures of the listening tests: a commune with a team, simulated accounts, a lake, and an enricher.

The enricher here reads a few words (insults, complaints, questions) instead of running the trained
models: the models' quality is measured in tests/nlp, and these tests are about what listening does
with an understanding (store, route, moderate, alert), which must not depend on a model's mood.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from beffroi.core.domain import Sentiment, Topic
from beffroi.nlp.types import Enrichment

INSULTS = re.compile(r"\b(connards?|abrutis?|incapables?|nuls?|escrocs?|pourris?)\b", re.I)
NEGATIVE = re.compile(
    r"\b(honte|scandale|inadmissible|marre|colère|nul|catastrophe|dangereux|toujours pas)\b", re.I
)
POSITIVE = re.compile(r"\b(merci|bravo|super|génial|magnifique)\b", re.I)
REQUEST = re.compile(r"\?|\b(quand|pouvez-vous|est-ce que|comment faire)\b", re.I)
TOPICS = (
    (Topic.VOIRIE_TRAVAUX, re.compile(r"\b(route|rue|nid|trou|travaux|chaussée)\b", re.I)),
    (Topic.PROPRETE_DECHETS, re.compile(r"\b(poubelles?|déchets|collecte)\b", re.I)),
    (Topic.EDUCATION_JEUNESSE, re.compile(r"\b(lycée|collège|école)\b", re.I)),
    (Topic.MOBILITE, re.compile(r"\b(bus|car|train|ligne)\b", re.I)),
)


@dataclass
class RuleEnricher:
    """A deterministic reading of a few words, with the shape of beffroi.nlp's Enricher."""

    calls: int = 0

    def enrich(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[Enrichment]:
        self.calls += 1
        out = []
        for text in texts:
            toxic = bool(INSULTS.search(text))
            negative = toxic or bool(NEGATIVE.search(text))
            positive = not negative and bool(POSITIVE.search(text))
            topic = next((t for t, p in TOPICS if p.search(text)), Topic.AUTRE)
            sentiment = (
                Sentiment.NEGATIVE
                if negative
                else Sentiment.POSITIVE
                if positive
                else Sentiment.NEUTRAL
            )
            out.append(
                Enrichment(
                    lang="fr",
                    sentiment=sentiment,
                    sentiment_score=-0.8 if negative else 0.8 if positive else 0.0,
                    topic=topic,
                    topic_scores={topic.value: 1.0},
                    is_request=bool(REQUEST.search(text)),
                    toxic=toxic,
                    places=(),
                    dup_of=None,
                )
            )
        return out


class MemoryLake:
    """Collects appended events in memory (the Parquet lake itself is tested in tests/analytics)."""

    def __init__(self, fail: bool = False) -> None:
        self.events: list[Any] = []
        self.fail = fail

    def append(self, events: Sequence[Any]) -> None:
        if self.fail:
            from beffroi.analytics.lake import LakeError

            raise LakeError("lac indisponible (test)")
        self.events.extend(events)


@pytest.fixture
def enricher(monkeypatch) -> RuleEnricher:
    from beffroi.listening import ingestion

    rules = RuleEnricher()
    monkeypatch.setattr(ingestion, "default_enricher", lambda: rules)
    return rules


@pytest.fixture
def lake_dir(settings, tmp_path):
    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    settings.BEFFROI_PSEUDONYM_KEY = "clé-de-test-assez-longue-pour-hmac"
    return tmp_path / "lake"


@dataclass
class Team:
    org: Any
    admin: Any
    cm: Any
    analyst: Any
    validator: Any
    account: Any  # simulated Facebook


@pytest.fixture
def team(db, make_org, make_member, enricher, lake_dir, settings, tmp_path) -> Team:
    from beffroi.core import services as core
    from beffroi.networks.sandbox.state import forget_states

    # Simulated accounts keep their state under DATA_DIR/sandbox: one per test, never the shared one.
    settings.DATA_DIR = tmp_path
    forget_states()
    org = make_org()
    account = core.network_account_create(
        organisation=org,
        network="facebook",
        handle="VilleDeSaintAubin",
        display_name="Saint-Aubin",
        simulated=True,
        credentials={"sandbox_seed": f"ecoute-{org.slug}", "start": "2026-01-01T00:00:00+00:00"},
        actor=None,
    )
    return Team(
        org=org,
        admin=make_member(org, "admin"),
        cm=make_member(org, "community_manager"),
        analyst=make_member(org, "analyst"),
        validator=make_member(org, "validator"),
        account=account,
    )


@pytest.fixture(autouse=True)
def _tasks_inline():
    """Huey runs tasks inline, as in `make test` (settings may be read before HUEY_IMMEDIATE is set)."""
    from huey.contrib.djhuey import HUEY

    previous, HUEY.immediate = HUEY.immediate, True
    yield
    HUEY.immediate = previous
