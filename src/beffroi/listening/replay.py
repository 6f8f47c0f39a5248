"""`beffroi alerts replay`: a recorded stream of messages through the production enrichment and detector.

Input: JSONL, one message per line: `id`, `ts` (ISO 8601, UTC), `org`, `network`, `text`, and
optionally `author` and `kind`. A malformed line is reported with its number and skipped.
Output: JSONL, one alert per line, in the order they fire: `org`, `detected_at` (the `ts` of the
message at which the alert fired, as written in the input), `severity` (low, medium, high,
critical; `severity_level` 1 to 4), and what explains it (window, counts, terms, messages).

Enrichment is the costly part: texts are deduplicated and sent in large batches to the enricher;
the detector then walks the messages once, in time order, holding no look-ahead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from beffroi.listening.detector import Alert, BurstDetector, DetectorConfig, Observation
from beffroi.listening.streams import StreamMessage, parse_ts

REQUIRED_FIELDS: tuple[str, ...] = ("id", "ts", "org", "network", "text")
OPTIONAL_FIELDS: tuple[str, ...] = ("author", "kind")


@dataclass(frozen=True, slots=True)
class Signal:
    """What the detector needs from the understanding of one text."""

    negative: bool
    toxic: bool = False
    topic: str | None = None


# texts, ids -> one signal per text, in order
EnrichFn = Callable[[Sequence[str], Sequence[str]], Sequence[Signal]]


class _EnrichmentLike(Protocol):
    @property
    def sentiment(self) -> Any: ...
    @property
    def toxic(self) -> bool: ...
    @property
    def topic(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedLine:
    line: int
    message: StreamMessage
    raw_ts: str


@dataclass(frozen=True, slots=True)
class FiredAlert:
    alert: Alert
    raw_ts: str  # the input's own spelling of the firing message's ts

    def to_json(self) -> dict[str, Any]:
        alert = self.alert
        return {
            "org": alert.org,
            "detected_at": self.raw_ts,
            "severity": alert.severity.value,
            "severity_level": alert.severity.level,
            "message_id": alert.message_id,
            "reason": alert.reason,
            "window_minutes": alert.window_minutes,
            "negative_count": alert.negative_count,
            "expected_negative": alert.expected_negative,
            "total_count": alert.total_count,
            "expected_total": alert.expected_total,
            "negative_share": alert.negative_share,
            "baseline_share": alert.baseline_share,
            "count_surprise": alert.count_surprise,
            "share_surprise": alert.share_surprise,
            "cohesion_surprise": alert.cohesion_surprise,
            "negative_authors": alert.negative_authors,
            "toxic_count": alert.toxic_count,
            "top_terms": list(alert.top_terms),
            "top_topics": list(alert.top_topics),
            "top_authors": list(alert.top_authors),
            "message_ids": list(alert.message_ids),
        }


@dataclass(frozen=True, slots=True)
class ReplayReport:
    messages: int
    unique_texts: int
    alerts: tuple[FiredAlert, ...]
    errors: tuple[LineError, ...]
    enrich_seconds: float
    detect_seconds: float

    @property
    def throughput(self) -> float:
        """Messages per second, enrichment and detection together."""
        elapsed = self.enrich_seconds + self.detect_seconds
        return self.messages / elapsed if elapsed > 0 else float("inf")


def parse_line(number: int, line: str) -> ParsedLine | LineError:
    """One JSONL line to a message, or the reason it is refused."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        return LineError(number, f"JSON invalide ({error.msg}, colonne {error.colno})")
    if not isinstance(row, dict):
        return LineError(number, "un objet JSON est attendu")
    missing = [name for name in REQUIRED_FIELDS if name not in row]
    if missing:
        return LineError(number, f"champ(s) manquant(s) : {', '.join(missing)}")
    for name in (*REQUIRED_FIELDS, *OPTIONAL_FIELDS):
        value = row.get(name)
        if name == "id" and isinstance(value, int) and not isinstance(value, bool):
            continue
        if value is not None and not isinstance(value, str):
            return LineError(number, f"le champ {name} doit être une chaîne")
    for name in ("id", "ts", "org"):
        if not str(row[name]).strip():
            return LineError(number, f"le champ {name} est vide")
    try:
        ts = parse_ts(row["ts"])
    except ValueError:
        return LineError(number, f"horodatage ISO 8601 invalide : {row['ts']!r}")
    message = StreamMessage(
        id=str(row["id"]),
        ts=ts,
        org=row["org"],
        network=row["network"],
        text=row["text"],
        author=row.get("author") or None,
        kind=row.get("kind"),
    )
    return ParsedLine(number, message, row["ts"])


def read_stream(lines: Iterable[str]) -> tuple[list[ParsedLine], list[LineError]]:
    """Parse every line (blank lines are ignored) and sort the messages by time, stably."""
    parsed: list[ParsedLine] = []
    errors: list[LineError] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        result = parse_line(number, line)
        if isinstance(result, LineError):
            errors.append(result)
        else:
            parsed.append(result)
    # The contract says time order; a file that is slightly out of order is put right rather
    # than letting a late line see the future.
    parsed.sort(key=lambda item: item.message.ts)
    return parsed, errors


def signal_of(enrichment: _EnrichmentLike) -> Signal:
    sentiment = getattr(enrichment.sentiment, "value", enrichment.sentiment)
    topic = getattr(enrichment.topic, "value", enrichment.topic)
    return Signal(
        negative=sentiment == "negative",
        toxic=bool(enrichment.toxic),
        topic=str(topic) if topic else None,
    )


def nlp_enrich(tier: str = "fast") -> EnrichFn:
    """The production enricher (beffroi.nlp), as an enrichment function for the detector.

    The detector needs sentiment, competence area and toxicity: they are read from the
    enricher's own class probabilities and thresholds, the very computation of
    `Enricher.enrich`, without the language, places and near-duplicate fields that the detector
    does not use and that cost more than half of the time.
    """
    from beffroi.nlp import get_enricher

    enricher = get_enricher(tier=tier)
    toxic_threshold = enricher.thresholds.toxic
    from beffroi.nlp.enricher import SENTIMENT_CLASSES, TOPIC_CLASSES

    negative = SENTIMENT_CLASSES.index("negative")

    def enrich(texts: Sequence[str], ids: Sequence[str]) -> list[Signal]:
        if not texts:
            return []
        probs = enricher.probabilities(list(texts))
        sentiments = probs["sentiment"].argmax(axis=1)
        topics = probs["topic"].argmax(axis=1)
        toxic = probs["toxic"][:, 0] >= toxic_threshold
        return [
            Signal(
                negative=bool(sentiments[i] == negative),
                toxic=bool(toxic[i]),
                topic=TOPIC_CLASSES[int(topics[i])],
            )
            for i in range(len(texts))
        ]

    return enrich


def enrich_unique(
    messages: Sequence[StreamMessage],
    enrich: EnrichFn,
    *,
    batch_size: int = 4096,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Signal], int]:
    """A signal per message, enriching each distinct text once (copies of a viral text are many)."""
    first_id: dict[str, str] = {}
    for message in messages:
        first_id.setdefault(message.text, message.id)
    texts = list(first_id)
    by_text: dict[str, Signal] = {}
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        signals = enrich(batch, [first_id[text] for text in batch])
        if len(signals) != len(batch):
            raise RuntimeError("l'enrichissement n'a pas rendu un résultat par texte")
        by_text.update(zip(batch, signals, strict=True))
        if progress is not None:
            progress(start + len(batch), len(texts))
    return [by_text[message.text] for message in messages], len(texts)


def detect(
    parsed: Sequence[ParsedLine],
    signals: Sequence[Signal],
    *,
    config: DetectorConfig | None = None,
) -> list[FiredAlert]:
    detector = BurstDetector(config)
    fired: list[FiredAlert] = []
    for item, signal in zip(parsed, signals, strict=True):
        message = item.message
        alert = detector.observe(
            Observation(
                org=message.org,
                ts=message.ts,
                negative=signal.negative,
                toxic=signal.toxic,
                message_id=message.id,
                author=message.author,
                text=message.text,
                topic=signal.topic,
            )
        )
        if alert is not None:
            fired.append(FiredAlert(alert, item.raw_ts))
    return fired


def replay_lines(
    lines: Iterable[str],
    enrich: EnrichFn,
    *,
    config: DetectorConfig | None = None,
    batch_size: int = 4096,
    progress: Callable[[int, int], None] | None = None,
) -> ReplayReport:
    """Parse, enrich and detect; `progress(done, total)` follows the enrichment of distinct texts."""
    parsed, errors = read_stream(lines)
    started = time.perf_counter()
    signals, unique = enrich_unique(
        [item.message for item in parsed], enrich, batch_size=batch_size, progress=progress
    )
    enriched = time.perf_counter()
    fired = detect(parsed, signals, config=config)
    return ReplayReport(
        messages=len(parsed),
        unique_texts=unique,
        alerts=tuple(fired),
        errors=tuple(errors),
        enrich_seconds=enriched - started,
        detect_seconds=time.perf_counter() - enriched,
    )


def write_alerts(alerts: Iterable[FiredAlert], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for fired in alerts:
            handle.write(json.dumps(fired.to_json(), ensure_ascii=False) + "\n")
