"""Simulated history as JSON lines, for replays by the listening and analytics modules."""

from __future__ import annotations

import json
from pathlib import Path

from beffroi.networks.sandbox.__main__ import main


def test_exports_labelled_events_as_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "history.jsonl"
    assert (
        main(
            [
                "--seed",
                "export",
                "--followers",
                "30000",
                "--days",
                "7",
                "--network",
                "bluesky",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    events = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    kinds = {e["event"] for e in events}
    assert kinds == {"post", "metrics", "comment", "mention", "account"}
    assert all(e["simulated"] for e in events)
    comment = next(e for e in events if e["event"] == "comment")
    assert comment["network"] == "bluesky" and comment["url"].startswith("sandbox://")
    assert set(comment["label"]) == {"text", "topic", "sentiment", "is_request", "is_insult"}
    assert sum(e["event"] == "account" for e in events) == 7
