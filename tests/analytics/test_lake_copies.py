"""Appending the same events twice counts them once: retries after a failed commit, crashes, races.

An event that carries an `event_id` is one fact, named by (organisation, network, kind, event_id).
The lake writes it once, whatever the number of appends, batches, files or processes that bring it;
every figure read from the lake (rollups, dashboards, keyword shares, reports) then counts it once.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from beffroi.analytics import lake as lake_module
from beffroi.analytics.kpis import AnalyticsBackend, keyword_share
from beffroi.analytics.lake import (
    EventKind,
    EventLake,
    LakeEvent,
    Pseudonymiser,
    events_to_table,
)

from .conftest import TEST_KEY
from .scenario import MARCH, fill_scenario, scenario_events
from .test_kpis import march_kpis


def comment(event_id: str, day: int, *, month: int = 3, org: str = "ville-a") -> LakeEvent:
    return LakeEvent(
        kind=EventKind.COMMENT,
        occurred_at=datetime(2026, month, day, 12, tzinfo=UTC),
        organisation=org,
        network="mastodon",
        event_id=event_id,
        author=f"citoyen-{event_id}",
        sentiment="negative",
    )


def visible_files(root: Path) -> list[Path]:
    return sorted(root.glob("events/month=*/*.parquet"))


def test_the_same_batch_appended_twice_is_stored_once(lake: EventLake, tmp_path: Path) -> None:
    batch = [comment("c1", 2), comment("c2", 3)]

    first = lake.append(batch)
    again = lake.append(batch)

    assert (first.rows, first.duplicates) == (2, 0)
    assert (again.rows, again.duplicates, again.files) == (0, 2, ())
    assert len(visible_files(tmp_path / "lake")) == 1, "nothing new: no new file"
    assert sorted(lake.read_all().column("event_id").to_pylist()) == ["c1", "c2"]


def test_a_copy_inside_one_batch_is_dropped_and_the_first_copy_kept(lake: EventLake) -> None:
    kept = comment("c1", 2)
    result = lake.append([kept, replace(kept, sentiment="positive"), comment("c2", 2)])

    assert (result.rows, result.duplicates) == (2, 1)
    assert lake.read_all().column("sentiment").to_pylist() == ["negative", "negative"]


def test_a_retry_that_brings_new_events_too_writes_only_those_in_each_month(
    lake: EventLake,
) -> None:
    # 31 March 23:00 in Paris and 1 April: one batch, two month files.
    lake.append([comment("c1", 31, month=3), comment("c2", 1, month=4)])

    retry = lake.append(
        [comment("c1", 31, month=3), comment("c2", 1, month=4), comment("c3", 2, month=4)]
    )

    assert (retry.rows, retry.duplicates) == (1, 2)
    assert lake.read_month("2026-03").column("event_id").to_pylist() == ["c1"]
    assert sorted(lake.read_month("2026-04").column("event_id").to_pylist()) == ["c2", "c3"]


def test_another_process_sees_the_events_already_in_the_files(
    lake: EventLake, tmp_path: Path
) -> None:
    lake.append([comment("c1", 2)])
    lake_module.forget_cached_files()  # what a new worker process knows: only the files

    other = EventLake(str(tmp_path / "lake"), pseudonymiser=lake._pseudonymiser)
    result = other.append([comment("c1", 2), comment("c2", 2)])

    assert (result.rows, result.duplicates) == (1, 1)
    assert lake.read_all().num_rows == 2


def test_a_new_process_reads_the_ids_of_the_appending_organisation_only(
    lake: EventLake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll appends one organisation's messages: its check reads the one or two row groups of
    the compacted month that can hold that organisation (footer statistics), not the month."""
    monkeypatch.setattr(lake_module, "RAW_ROW_GROUP_ROWS", 50)
    lake.append(
        [comment(f"{org}-{i}", 2, org=org) for org in ("a", "b", "c", "d") for i in range(100)]
    )
    lake.compact(min_files=1)
    lake_module.forget_cached_files()

    result = lake.append([comment("c-7", 2, org="c"), comment("c-new", 2, org="c")])

    assert (result.rows, result.duplicates) == (1, 1)
    read = {group for (_, _, group) in lake_module._GROUP_HASHES if group >= 0}
    assert 1 <= len(read) <= 2, "the row groups of c, not the eight of the month"


def test_the_identity_is_organisation_network_kind_and_id(lake: EventLake) -> None:
    base = comment("42", 2)
    result = lake.append(
        [
            base,
            replace(base, organisation="ville-b"),
            replace(base, network="bluesky"),
            replace(base, kind=EventKind.MENTION),
            replace(base, event_id="43"),
        ]
    )
    assert (result.rows, result.duplicates) == (5, 0)


def test_events_without_an_id_and_snapshots_are_never_dropped(lake: EventLake) -> None:
    """Metrics and account statistics are levels read as "latest by time": a snapshot repeating an
    id with new values is a newer reading (the KPIs keep the latest), not a copy. Events without an
    id cannot be told apart from a copy: all are kept."""
    snapshot = LakeEvent(
        kind=EventKind.METRICS,
        occurred_at=datetime(2026, 3, 2, 12, tzinfo=UTC),
        organisation="ville-a",
        network="mastodon",
        event_id="p1",
        post_id="p1",
        reach=100,
    )
    later = replace(snapshot, occurred_at=datetime(2026, 3, 3, 12, tzinfo=UTC), reach=180)
    no_id = replace(comment("x", 2), event_id=None)

    lake.append([snapshot, no_id])
    result = lake.append([later, no_id])

    assert (result.rows, result.duplicates) == (2, 0)
    assert sorted(lake.read_all().column("reach").to_pylist(), key=str) == [100, 180, None, None]


def test_every_indicator_of_a_month_appended_twice_is_that_of_the_month_appended_once(
    backend: AnalyticsBackend, lake: EventLake, tmp_path: Path
) -> None:
    once = EventLake(str(tmp_path / "once"), pseudonymiser=lake._pseudonymiser)
    fill_scenario(once)
    # Everything that carries an id twice (as after a retried ingestion), the rest once.
    events = events_to_table(scenario_events())
    lake.append_table(events)
    with_ids = events.filter(events.column("event_id").is_valid())
    assert lake.append_table(with_ids).duplicates == with_ids.num_rows > 0

    for by in (["organisation"], ["organisation", "network"]):
        assert march_kpis(backend, lake, by) == march_kpis(backend, once, by)
    shares = keyword_share(
        backend.events(lake), organisation="ville-a", start=MARCH.start, end=MARCH.end
    )
    reference = keyword_share(
        backend.events(once), organisation="ville-a", start=MARCH.start, end=MARCH.end
    )
    assert backend.to_arrow(shares).to_pylist() == backend.to_arrow(reference).to_pylist()


def _append_at_the_barrier(root: str, barrier: Any, results: Any) -> None:
    own = EventLake(root, pseudonymiser=Pseudonymiser(TEST_KEY))
    batch = [comment(f"c{i}", 1 + i % 28) for i in range(2000)]
    barrier.wait()
    result = own.append(batch)
    results.put((result.rows, result.duplicates))


def test_two_processes_racing_to_append_the_same_events_store_them_once(
    tmp_path: Path, lake: EventLake
) -> None:
    """Two workers retrying the same batch at the same instant: one append checks the stored ids
    and writes under the lake's lock, so the other sees its file."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(
            target=_append_at_the_barrier, args=(str(tmp_path / "lake"), barrier, results)
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    outcomes = sorted(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)

    assert outcomes == [(0, 2000), (2000, 0)]
    assert lake.read_all().num_rows == 2000


def test_a_crash_during_the_retry_then_recovery_then_a_new_retry_counts_once(
    lake: EventLake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = [comment("c1", 2), comment("c2", 2)]
    lake.append(batch)  # appended, then the database commit failed: the poll will retry
    real_write = pq.write_table

    def die_half_way(table: object, sink: object, **kwargs: object) -> None:
        real_write(table, sink, **kwargs)
        raise OSError("processus tué")

    monkeypatch.setattr(lake_module.pq, "write_table", die_half_way)
    with pytest.raises(OSError):
        lake.append([*batch, comment("c3", 2)])  # the retry dies while writing c3
    monkeypatch.undo()
    lake_module.forget_cached_files()  # the worker restarts...
    lake.recover()  # ...and repairs the lake first (analytics_lake_recover)

    retry = lake.append([*batch, comment("c3", 2)])

    assert (retry.rows, retry.duplicates) == (1, 2)
    assert sorted(lake.read_all().column("event_id").to_pylist()) == ["c1", "c2", "c3"]


def test_the_first_compaction_cleans_copies_left_by_an_older_version(
    lake: EventLake, tmp_path: Path
) -> None:
    lake.append([comment("c1", 2), comment("c2", 3)])
    copies = lake.read_month("2026-03")
    # How an older version could leave it: the same events in two files of the month.
    lake.replace_partition("2026-03", [copies, copies])
    assert lake.read_all().num_rows == 4

    result = lake.compact()

    assert (result.files_before, result.files_after) == (2, 1)
    assert sorted(lake.read_all().column("event_id").to_pylist()) == ["c1", "c2"]
    assert lake.append([comment("c1", 2)]).duplicates == 1, "the compacted file is known too"


def test_only_the_months_asked_for_are_compacted(lake: EventLake) -> None:
    for month in (2, 3):
        lake.append([comment(f"a{month}", 2, month=month)])
        lake.append([comment(f"b{month}", 3, month=month)])

    result = lake.compact(months=["2026-03"])

    assert (result.partitions, len(lake.files("2026-02")), len(lake.files("2026-03"))) == (1, 2, 1)
