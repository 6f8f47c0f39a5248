"""Result types of message understanding."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from beffroi.core.domain import Sentiment, Topic


@dataclass(frozen=True)
class Enrichment:
    """What Beffroi understands of one message (the `id` stays with the caller's record)."""

    lang: str
    sentiment: Sentiment
    sentiment_score: float
    topic: Topic
    topic_scores: dict[str, float] = field(hash=False)
    is_request: bool
    toxic: bool
    places: tuple[str, ...]
    dup_of: str | None

    def as_record(self) -> dict[str, Any]:
        """Plain JSON-ready fields, in the order of the `beffroi enrich` contract."""
        record = asdict(self)
        record["sentiment"] = self.sentiment.value
        record["topic"] = self.topic.value
        record["places"] = list(self.places)
        return record
