"""`beffroi alerts replay`: the file contract, malformed lines, and the run with the real enricher."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beffroi.cli import app
from beffroi.core.domain import OrganisationKind, Sentiment
from beffroi.listening.replay import (
    LineError,
    Signal,
    parse_line,
    read_stream,
    replay_lines,
    write_alerts,
)
from beffroi.listening.streams import (
    GeneratedStream,
    OrgSpec,
    StreamMessage,
    format_ts,
    generate_stream,
    write_stream,
)

TOWN = OrgSpec("montreval", "Montréval", OrganisationKind.COMMUNE, 45, ("facebook", "x"))
START = datetime(2026, 3, 2, tzinfo=UTC)
ANGRY = "Fermer la piscine en plein été ? Scandaleux, une honte !"


def town_with_a_bad_buzz() -> tuple[GeneratedStream, datetime]:
    """Ten days of a town, and on the ninth a flood of angry messages about the pool."""
    stream = generate_stream(
        seed=3, orgs=[TOWN], start=START, days=10, bursts_per_org=0, decoys=False
    )
    burst_start = START + timedelta(days=8, hours=9, minutes=2)
    flood = tuple(
        StreamMessage(
            id=f"buzz-{i}",
            ts=burst_start + timedelta(seconds=40 * i),
            org=TOWN.slug,
            network="facebook",
            text=ANGRY,
            author=f"@voisin{i}",
            kind="comment",
        )
        for i in range(60)
    )
    truth = dict(stream.truth) | {m.id: Sentiment.NEGATIVE for m in flood}
    messages = tuple(sorted(stream.messages + flood, key=lambda m: m.ts))
    return GeneratedStream(messages, stream.windows, truth), burst_start


def labels_of(stream: GeneratedStream):  # type: ignore[no-untyped-def]
    """Enrichment that knows how each generated text was written (to test the plumbing alone)."""
    by_text = {m.text: stream.truth[m.id] for m in stream.messages}

    def enrich(texts: Sequence[str], ids: Sequence[str]) -> list[Signal]:
        assert len(texts) == len(ids) == len(set(texts))  # each distinct text once
        return [Signal(negative=by_text[t] is Sentiment.NEGATIVE) for t in texts]

    return enrich


def test_replay_writes_one_alert_with_the_contract_fields(tmp_path: Path) -> None:
    stream, burst_start = town_with_a_bad_buzz()
    lines = [json.dumps(m.to_json(), ensure_ascii=False) for m in stream.messages]

    report = replay_lines(lines, labels_of(stream))
    output = tmp_path / "alerts.jsonl"
    write_alerts(report.alerts, output)
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]

    assert report.messages == len(stream.messages) and report.errors == ()
    assert report.unique_texts < report.messages
    assert len(rows) == 1
    row = rows[0]
    assert row["org"] == TOWN.slug
    assert row["severity"] in {"low", "medium", "high", "critical"}
    assert 1 <= row["severity_level"] <= 4
    detected = datetime.fromisoformat(row["detected_at"])
    assert burst_start <= detected <= burst_start + timedelta(minutes=5)
    # detected_at is the ts of the firing message, exactly as the input spelled it
    firing = next(m for m in stream.messages if m.id == row["message_id"])
    assert row["detected_at"] == format_ts(firing.ts)
    assert row["negative_count"] >= 3 and "piscine" in row["top_terms"]


def test_malformed_lines_are_reported_with_their_numbers_and_skipped() -> None:
    good = {"id": "1", "ts": "2026-03-02T08:00:00Z", "org": "o", "network": "x", "text": "Bonjour"}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "id": "2", "ts": "hier soir"}),
        "",
        json.dumps({k: v for k, v in good.items() if k != "org"}),
        json.dumps(["a", "list"]),
        json.dumps({**good, "id": "3", "text": 42}),
        json.dumps({**good, "id": "4", "ts": "2026-03-02T09:00:00+01:00", "author": "@a"}),
    ]

    parsed, errors = read_stream(lines)

    assert [e.line for e in errors] == [2, 3, 5, 6, 7]
    assert "JSON invalide" in str(errors[0]) and str(errors[0]).startswith("ligne 2")
    assert "horodatage" in errors[1].message
    assert "org" in errors[2].message
    # 09:00+01:00 is 08:00 UTC: same instant as line 1, kept after it (stable sort)
    assert [p.message.id for p in parsed] == ["1", "4"]
    assert parsed[1].message.ts == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert parsed[1].raw_ts == "2026-03-02T09:00:00+01:00"


def test_a_naive_timestamp_is_read_as_utc_and_an_integer_id_is_accepted() -> None:
    line = json.dumps(
        {"id": 7, "ts": "2026-03-02T08:00:00", "org": "o", "network": "x", "text": "t"}
    )
    parsed = parse_line(1, line)
    assert not isinstance(parsed, LineError)
    assert parsed.message.id == "7" and parsed.message.ts.tzinfo is not None


def test_a_stream_out_of_order_is_replayed_in_time_order() -> None:
    stream, _ = town_with_a_bad_buzz()
    lines = [json.dumps(m.to_json(), ensure_ascii=False) for m in reversed(stream.messages)]
    in_order = replay_lines(
        [json.dumps(m.to_json(), ensure_ascii=False) for m in stream.messages], labels_of(stream)
    )
    reversed_run = replay_lines(lines, labels_of(stream))
    assert [a.to_json()["detected_at"] for a in reversed_run.alerts] == [
        a.to_json()["detected_at"] for a in in_order.alerts
    ]


def test_the_command_replays_with_the_production_enricher(tmp_path: Path) -> None:
    from beffroi.nlp import ModelFilesMissing, get_enricher

    try:
        get_enricher(tier="fast")
    except ModelFilesMissing as missing:
        pytest.skip(f"modèles NLP non construits : {missing}")
    stream, burst_start = town_with_a_bad_buzz()
    source, labels, output = tmp_path / "s.jsonl", tmp_path / "l.jsonl", tmp_path / "a.jsonl"
    write_stream(stream, source, labels)
    with source.open("a", encoding="utf-8") as handle:
        handle.write("{broken\n")

    result = CliRunner().invoke(
        app, ["alerts", "replay", "--input", str(source), "--output", str(output), "--quiet"]
    )

    assert result.exit_code == 0, result.output
    assert f"ligne {len(stream.messages) + 1}" in result.output
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    hits = [
        r
        for r in rows
        if burst_start
        <= datetime.fromisoformat(r["detected_at"])
        <= burst_start + timedelta(hours=1)
    ]
    assert len(hits) == 1 and hits[0]["org"] == TOWN.slug


def test_the_command_refuses_a_missing_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["alerts", "replay", "--input", str(tmp_path / "absent.jsonl"), "--output", "x.jsonl"],
    )
    assert result.exit_code == 2
    assert "introuvable" in result.output


def test_the_replay_reads_the_same_signals_as_the_production_enrich() -> None:
    from beffroi.listening.replay import nlp_enrich, signal_of
    from beffroi.nlp import ModelFilesMissing, get_enricher

    try:
        enricher = get_enricher(tier="fast")
    except ModelFilesMissing as missing:
        pytest.skip(f"modèles NLP non construits : {missing}")
    stream = generate_stream(seed=8, orgs=[TOWN], days=10)
    texts = sorted({m.text for m in stream.messages})[:400] + [ANGRY, "Bande d'incapables !"]
    ids = [str(i) for i in range(len(texts))]

    signals = nlp_enrich("fast")(texts, ids)

    assert signals == [signal_of(e) for e in enricher.enrich(texts, ids)]
    assert signals[-2].negative
