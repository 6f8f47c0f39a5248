"""Writes a simulated history as JSON lines, for modules that replay events (listening, analytics).

    .venv/bin/python -m beffroi.networks.sandbox --seed lyon --followers 200000 --days 365 \\
        --network facebook --out var/sandbox-lyon-facebook.jsonl

One line per event, oldest day first: {"event": "post" | "metrics" | "comment" | "mention" |
"account", "simulated": true, ...}. Comments and mentions carry their ground truth (topic,
sentiment, is_request, is_insult).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, TextIO

from beffroi.networks.sandbox.world import SimulatedDay


def events(days: Iterable[SimulatedDay]) -> Iterator[dict[str, Any]]:
    for day in days:
        for simulated in day.posts:
            yield {
                "event": "post",
                **asdict(simulated.post),
                "topic": simulated.topic,
                "format": simulated.format,
                "budget_eur": simulated.budget_eur,
            }
            for snapshot in simulated.snapshots:
                yield {
                    "event": "metrics",
                    "post_remote_id": simulated.post.remote_id,
                    **asdict(snapshot),
                }
        for comment in day.comments:
            yield {"event": "comment", **asdict(comment.comment), "label": asdict(comment.label)}
        for mention in day.mentions:
            yield {"event": "mention", **asdict(mention.mention), "label": asdict(mention.label)}
        yield {"event": "account", "day": day.day, **asdict(day.account)}


def write_jsonl(days: Iterable[SimulatedDay], out: TextIO) -> int:
    """Writes every event of `days`; returns how many."""
    count = 0
    for event in events(days):
        out.write(json.dumps({**event, "simulated": True}, default=_plain, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def export(days: Iterable[SimulatedDay], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        return write_jsonl(days, out)


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not serialisable: {type(value).__name__}")
