"""The event lake: partitions, pseudonyms, crash safety, compaction, retention and erasure."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from beffroi.analytics import lake as lake_module
from beffroi.analytics.lake import (
    EVENT_SCHEMA,
    EventKind,
    EventLake,
    LakeError,
    LakeEvent,
    Pseudonymiser,
)

_COMMENT_IDS = itertools.count()


def comment(at: datetime, author: str = "alice-42", org: str = "ville-a") -> LakeEvent:
    return LakeEvent(
        kind=EventKind.COMMENT,
        occurred_at=at,
        organisation=org,
        network="mastodon",
        event_id=f"c-{next(_COMMENT_IDS)}",  # each call is another comment
        author=author,
        sentiment="positive",
    )


def visible_files(root: Path) -> list[Path]:
    """What a query engine sees: the glob `events/month=*/*.parquet`."""
    return sorted(root.glob("events/month=*/*.parquet"))


def test_events_land_in_the_month_of_their_paris_day(lake: EventLake) -> None:
    # 22:30 UTC on 31 March 2026 is 00:30 on 1 April in Paris (summer time).
    lake.append(
        [
            comment(datetime(2026, 3, 31, 21, 30, tzinfo=UTC)),
            comment(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)),
        ]
    )
    assert lake.months() == ["2026-03", "2026-04"]
    april = lake.read_month("2026-04")
    assert april.column("day").to_pylist() == [date(2026, 4, 1)]
    assert april.column("schema_version").to_pylist() == [1]


def test_authors_are_stored_only_as_keyed_pseudonyms(lake: EventLake, tmp_path: Path) -> None:
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    lake.append([comment(at, author="alice-42"), comment(at, author="alice-42", org="ville-b")])

    stored = lake.read_all().column("author").to_pylist()
    assert stored[0] == stored[1], "the same person gets the same pseudonym across rows"
    assert stored[0] == Pseudonymiser(b"cle-de-test-pseudonymisation-0123456789").pseudonym(
        "mastodon", "alice-42"
    )
    assert stored[0] != Pseudonymiser(b"une-autre-cle-tout-aussi-longue").pseudonym(
        "mastodon", "alice-42"
    )
    for path in visible_files(tmp_path / "lake"):
        assert b"alice-42" not in path.read_bytes()


@pytest.mark.parametrize("key", [b"k" * 16, b"exactly-one-block".ljust(64, b"-"), b"long" * 40])
def test_pseudonyms_are_standard_hmac_sha256_whatever_the_key_length(key: bytes) -> None:
    """The pseudonymiser computes HMAC from precomputed pads (RFC 2104): the pseudonyms already in
    a lake, and RGPD erasure by raw author id, depend on it giving exactly HMAC-SHA256."""
    pseudonymiser = Pseudonymiser(key)
    authors = pa.array(["alice-42", "bob", "alice-42", None])

    column = pseudonymiser.column(pa.array(["mastodon"] * 4), authors).to_pylist()

    expected = hmac.new(key, b"mastodon\x1falice-42", hashlib.sha256).hexdigest()[:32]
    assert pseudonymiser.pseudonym("mastodon", "alice-42") == expected
    assert column[0] == column[2] == expected
    assert column[1] == hmac.new(key, b"mastodon\x1fbob", hashlib.sha256).hexdigest()[:32]
    assert column[3] is None


def test_pseudonymisation_key_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.delenv(lake_module.PSEUDONYM_KEY_ENV, raising=False)
    settings.BEFFROI_PSEUDONYM_KEY = ""  # Django generates one in the data directory otherwise
    keyless = EventLake(str(tmp_path / "keyless"))
    with pytest.raises(LakeError, match="BEFFROI_PSEUDONYM_KEY"):
        keyless.append([comment(datetime(2026, 3, 2, tzinfo=UTC))])
    assert keyless.months() == []

    monkeypatch.setenv(lake_module.PSEUDONYM_KEY_ENV, "k" * 32)
    keyless.append([comment(datetime(2026, 3, 2, tzinfo=UTC))])
    assert keyless.read_all().column("author")[0].as_py() == Pseudonymiser(b"k" * 32).pseudonym(
        "mastodon", "alice-42"
    )


def test_bad_input_is_refused_before_anything_is_written(lake: EventLake, tmp_path: Path) -> None:
    naive = pa.table(
        {
            "kind": ["comment"],
            "occurred_at": pa.array([datetime(2026, 3, 2)], pa.timestamp("us")),
            "organisation": ["ville-a"],
            "network": ["x"],
        }
    )
    with pytest.raises(LakeError, match="fuseau"):
        lake.append_table(naive)
    with pytest.raises(LakeError, match="inconnu"):
        lake.append_table(
            naive.set_column(
                1, "occurred_at", naive.column(1).cast(pa.timestamp("us", "UTC"))
            ).set_column(0, "kind", pa.array(["like"]))
        )
    with pytest.raises(LakeError, match="obligatoires"):
        lake.append_table(pa.table({"kind": ["comment"]}))
    assert visible_files(tmp_path / "lake") == []


def test_a_crash_during_a_write_leaves_nothing_half_written_visible(
    lake: EventLake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake.append([comment(datetime(2026, 3, 2, tzinfo=UTC))])
    before = visible_files(tmp_path / "lake")

    real_write = pq.write_table

    def write_half_then_die(table: pa.Table, sink: object, **kwargs: object) -> None:
        real_write(table.slice(0, 1), sink, **kwargs)  # some bytes reach the disk...
        raise OSError("disque plein")  # ...then the process dies

    monkeypatch.setattr(lake_module.pq, "write_table", write_half_then_die)
    with pytest.raises(OSError, match="disque plein"):
        lake.append([comment(datetime(2026, 3, 3, tzinfo=UTC), author=f"u{i}") for i in range(5)])
    monkeypatch.undo()

    assert visible_files(tmp_path / "lake") == before
    assert lake.read_all().num_rows == 1
    leftovers = list((tmp_path / "lake/events/month=2026-03").glob(".*.partial"))
    assert leftovers, "the partial file stays hidden until recovery"
    lake.recover()
    assert not list((tmp_path / "lake/events/month=2026-03").glob(".*.partial"))


def test_compaction_merges_small_files_without_losing_rows(lake: EventLake, tmp_path: Path) -> None:
    for day in range(1, 11):
        lake.append([comment(datetime(2026, 3, day, 12, tzinfo=UTC), author=f"u{day}")])
    assert len(visible_files(tmp_path / "lake")) == 10

    result = lake.compact()

    assert (result.partitions, result.files_before, result.files_after) == (1, 10, 1)
    merged = lake.read_all()
    assert merged.num_rows == 10
    assert merged.column("occurred_at").to_pylist() == sorted(
        merged.column("occurred_at").to_pylist()
    )
    assert lake.compact().partitions == 0, "a compacted month is left alone"


def test_compaction_sorts_by_organisation_once_even_a_month_compacted_by_an_older_version(
    lake: EventLake,
) -> None:
    at = datetime(2026, 3, 2, 12, tzinfo=UTC)
    lake.append([comment(at, org=org) for org in ("ville-b", "ville-a", "ville-b", "ville-c")])
    # One file sorted by time only, as compaction wrote them before: it is laid out again.
    lake.replace_partition("2026-03", [lake.read_month("2026-03")])

    assert lake.compact().partitions == 1
    organisations = lake.read_all().column("organisation").to_pylist()
    assert organisations == ["ville-a", "ville-b", "ville-b", "ville-c"]
    assert lake.compact().partitions == 0, "then it is left alone"


def test_recovery_restores_a_partition_whose_swap_was_cut_short(
    lake: EventLake, tmp_path: Path
) -> None:
    lake.append([comment(datetime(2026, 3, 2, tzinfo=UTC))])
    events = tmp_path / "lake/events"
    # The state a crash between the two renames of a swap leaves behind.
    os.rename(events / "month=2026-03", events / ".retired-month=2026-03-abc123")
    (events / ".staging-month=2026-03-abc123").mkdir()
    assert lake.read_all().num_rows == 0

    lake.recover()

    assert lake.read_all().num_rows == 1
    assert sorted(p.name for p in events.iterdir()) == ["month=2026-03"]


def test_retention_drops_old_months_and_trims_the_boundary_month(lake: EventLake) -> None:
    lake.append(
        [
            comment(datetime(2026, 1, 15, 12, tzinfo=UTC)),
            comment(datetime(2026, 2, 10, 12, tzinfo=UTC)),
            comment(datetime(2026, 2, 20, 12, tzinfo=UTC)),
            comment(datetime(2026, 3, 5, 12, tzinfo=UTC)),
        ]
    )

    result = lake.apply_retention(days=30, today=date(2026, 3, 17))  # keeps from 15 February

    assert (result.partitions_dropped, result.partitions_rewritten, result.rows_deleted) == (
        1,
        1,
        2,
    )
    assert lake.months() == ["2026-02", "2026-03"]
    assert [d.isoformat() for d in lake.read_all().column("day").to_pylist()] == [
        "2026-02-20",
        "2026-03-05",
    ]


def test_rgpd_erasure_deletes_every_event_of_one_author(lake: EventLake) -> None:
    lake.append(
        [
            comment(datetime(2026, 2, 1, tzinfo=UTC), author="alice-42"),
            comment(datetime(2026, 3, 1, 12, tzinfo=UTC), author="alice-42"),
            comment(datetime(2026, 3, 1, 12, tzinfo=UTC), author="bob-7"),
        ]
    )

    result = lake.erase_author(network="mastodon", author="alice-42")

    assert (result.partitions_rewritten, result.rows_deleted) == (2, 2)
    remaining = lake.read_all()
    assert remaining.num_rows == 1
    assert remaining.column("author")[0].as_py() == Pseudonymiser(
        b"cle-de-test-pseudonymisation-0123456789"
    ).pseudonym("mastodon", "bob-7")


def test_files_of_another_schema_version_are_refused(lake: EventLake, tmp_path: Path) -> None:
    lake.append([comment(datetime(2026, 3, 2, tzinfo=UTC))])
    future = EVENT_SCHEMA.with_metadata({b"beffroi.schema_version": b"2"}).empty_table()
    pq.write_table(future, tmp_path / "lake/events/month=2026-03/part-future.parquet")
    with pytest.raises(LakeError, match="schéma"):
        lake.read_month("2026-03")


def test_an_object_store_url_root_works_through_pyarrow_filesystems(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    # file:// goes through the same pyarrow.fs code path as s3:// or gs:// (no rename there).
    remote = EventLake(f"file://{tmp_path}/remote", pseudonymiser=pseudonymiser)
    assert not remote.local
    for day in (2, 3):
        remote.append([comment(datetime(2026, 3, day, tzinfo=UTC))])
    assert remote.compact().files_after == 1
    assert remote.read_all().num_rows == 2
    assert len(list((tmp_path / "remote/events/month=2026-03").glob("*.parquet"))) == 1
