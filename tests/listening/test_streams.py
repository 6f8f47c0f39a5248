"""The labelled stream generator and the scoring of alerts against its labels."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from beffroi.core.domain import OrganisationKind, Sentiment
from beffroi.listening.streams import (
    PARIS,
    BurstShape,
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

    burst = next(w for w in stream.windows if w.kind is WindowKind.NEGATIVE_BURST)
    festival = next(w for w in stream.windows if w.kind is WindowKind.POSITIVE_BURST)
    in_burst = Counter(stream.truth[i] for i, w in stream.burst_of.items() if w == burst)
    in_festival = Counter(
        stream.truth[m.id]
        for m in stream.messages
        if m.org == festival.org and festival.start <= m.ts <= festival.end
    )
    assert in_burst[Sentiment.NEGATIVE] > 0.55 * sum(in_burst.values())
    assert in_festival[Sentiment.POSITIVE] > 0.5 * sum(in_festival.values())


def test_a_burst_starts_at_its_first_message_after_its_onset() -> None:
    stream = generate_stream(seed=5, orgs=[TOWN, VILLAGE], days=30, bursts_per_org=3)
    by_id = {m.id: m for m in stream.messages}
    for burst in stream.bursts():
        members = [by_id[i] for i, w in stream.burst_of.items() if w == burst]
        assert members, burst
        assert min(m.ts for m in members) == burst.start
        assert burst.onset is not None and burst.onset <= burst.start
        assert all(burst.start <= m.ts <= burst.end and m.org == burst.org for m in members)


def test_bursts_take_every_shape_and_some_start_at_night_or_on_an_event_day() -> None:
    bursts = [
        burst
        for seed in (1, 2, 3)
        for burst in generate_stream(seed=seed, orgs=[TOWN, VILLAGE], days=30).bursts()
    ]
    assert {b.shape for b in bursts} == {shape.value for shape in BurstShape}
    assert any("nuit" in b.subject for b in bursts)
    assert any("jour d'événement" in b.subject for b in bursts)
    night = [b for b in bursts if "nuit" in b.subject]
    assert all(not 7 <= (b.onset or b.start).astimezone(PARIS).hour < 22 for b in night)

    classic = generate_stream(
        seed=1, orgs=[TOWN], days=30, bursts_per_org=4, shapes=(BurstShape.VIRAL,)
    )
    assert {b.shape for b in classic.bursts()} == {BurstShape.VIRAL.value}


def test_a_viral_burst_floods_and_a_weak_one_trickles() -> None:
    def first_hour(shape: BurstShape) -> list[int]:
        counts = []
        for seed in range(4):
            stream = generate_stream(
                seed=seed, orgs=[VILLAGE], days=10, bursts_per_org=1, decoys=False, shapes=(shape,)
            )
            burst = stream.bursts()[0]
            counts.append(
                sum(
                    1
                    for i, w in stream.burst_of.items()
                    if w == burst
                    and next(m for m in stream.messages if m.id == i).ts
                    < burst.start + timedelta(hours=1)
                )
            )
        return counts

    assert min(first_hour(BurstShape.VIRAL)) > max(first_hour(BurstShape.WEAK))


def test_streams_and_labels_round_trip_through_jsonl(tmp_path: Path) -> None:
    stream = generate_stream(seed=6, orgs=[VILLAGE], days=30)
    write_stream(stream, tmp_path / "s.jsonl", tmp_path / "l.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert rows[0].keys() >= {"id", "ts", "org", "network", "text", "author", "kind"}
    assert rows[0]["ts"].endswith("Z")
    assert read_windows(tmp_path / "l.jsonl") == list(stream.windows)
    labels = [json.loads(line) for line in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert all(
        "onset" in row and "shape" in row for row in labels if row["kind"] == "negative_burst"
    )


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
