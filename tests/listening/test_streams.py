"""The labelled stream generator and the scoring of alerts against its labels."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from beffroi.core.domain import OrganisationKind, Sentiment
from beffroi.listening.streams import (
    PARIS,
    LabelledWindow,
    OrgSpec,
    WindowKind,
    generate_stream,
    read_windows,
    score_alerts,
    write_stream,
)

TOWN = OrgSpec("montreval", "Montréval", OrganisationKind.COMMUNE, 45, ("facebook", "x"))
VILLAGE = OrgSpec("saint-aubin", "Saint-Aubin", OrganisationKind.COMMUNE, 5, ("facebook",))


def test_the_same_seed_gives_the_same_stream_and_another_seed_another() -> None:
    first = generate_stream(seed=4, orgs=[TOWN, VILLAGE], days=8)
    again = generate_stream(seed=4, orgs=[TOWN, VILLAGE], days=8)
    other = generate_stream(seed=5, orgs=[TOWN, VILLAGE], days=8)
    assert first == again
    assert first.messages != other.messages


def test_a_month_has_the_labelled_bursts_and_decoys_of_each_organisation() -> None:
    stream = generate_stream(seed=2, orgs=[TOWN, VILLAGE], days=30, bursts_per_org=2)
    kinds = Counter((w.org, w.kind) for w in stream.windows)
    for org in (TOWN.slug, VILLAGE.slug):
        assert kinds[(org, WindowKind.NEGATIVE_BURST)] == 2
        for decoy in (WindowKind.POSITIVE_BURST, WindowKind.BUSY_DAY, WindowKind.DRIFT):
            assert kinds[(org, decoy)] == 1
    timestamps = [m.ts for m in stream.messages]
    assert timestamps == sorted(timestamps)
    assert len({m.id for m in stream.messages}) == len(stream.messages)


def test_volume_follows_org_size_and_the_hours_of_a_french_day() -> None:
    stream = generate_stream(seed=1, orgs=[TOWN, VILLAGE], days=20, bursts_per_org=0, decoys=False)
    per_org = Counter(m.org for m in stream.messages)
    assert 600 < per_org[TOWN.slug] < 1400  # about 45 a day
    assert 50 < per_org[VILLAGE.slug] < 160  # about 5 a day
    local_hours = Counter(m.ts.astimezone(PARIS).hour for m in stream.messages)
    assert local_hours[20] > 5 * local_hours[4]  # evenings are busy, nights are quiet


def test_a_negative_burst_is_mostly_negative_and_a_festival_mostly_positive() -> None:
    stream = generate_stream(seed=3, orgs=[TOWN], days=30)

    def sentiments(window: LabelledWindow) -> Counter[Sentiment]:
        return Counter(
            stream.truth[m.id]
            for m in stream.messages
            if m.org == window.org and window.start <= m.ts <= window.end
        )

    burst = next(w for w in stream.windows if w.kind is WindowKind.NEGATIVE_BURST)
    festival = next(w for w in stream.windows if w.kind is WindowKind.POSITIVE_BURST)
    in_burst, in_festival = sentiments(burst), sentiments(festival)
    assert in_burst[Sentiment.NEGATIVE] > 0.6 * sum(in_burst.values())
    assert in_festival[Sentiment.POSITIVE] > 0.5 * sum(in_festival.values())


def test_streams_and_labels_round_trip_through_jsonl(tmp_path: Path) -> None:
    stream = generate_stream(seed=6, orgs=[VILLAGE], days=30)
    write_stream(stream, tmp_path / "s.jsonl", tmp_path / "l.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert rows[0].keys() >= {"id", "ts", "org", "network", "text", "author", "kind"}
    assert rows[0]["ts"].endswith("Z")
    assert read_windows(tmp_path / "l.jsonl") == list(stream.windows)


def test_scoring_counts_one_true_alert_per_burst_and_names_false_ones() -> None:
    start = datetime(2026, 3, 5, 10, tzinfo=UTC)
    windows = [
        LabelledWindow("a", WindowKind.NEGATIVE_BURST, start, start + timedelta(hours=2)),
        LabelledWindow("a", WindowKind.NEGATIVE_BURST, start + timedelta(days=3), start + timedelta(days=3, hours=1)),
        LabelledWindow("a", WindowKind.POSITIVE_BURST, start + timedelta(days=1), start + timedelta(days=1, hours=3)),
    ]  # fmt: skip
    alerts = [
        ("a", start + timedelta(minutes=4)),
        ("a", start + timedelta(minutes=50)),  # same burst again
        ("b", start + timedelta(minutes=5)),  # another organisation
        ("a", start + timedelta(days=1, hours=1)),  # during the festival
    ]

    score = score_alerts(alerts, windows)

    assert (score.bursts, score.detected, score.alerts, score.true_alerts) == (2, 1, 4, 1)
    assert score.recall == 0.5 and score.precision == 0.25
    assert score.median_delay_s == 240
    assert score.false_by_kind == {"repeat": 1, "other": 1, "positive_burst": 1}
