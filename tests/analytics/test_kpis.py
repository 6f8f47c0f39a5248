"""KPIs: worked out on paper for a hand-written month, on each engine; rollups agree with raw events;
DuckDB and PySpark agree on a simulated history."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from beffroi.analytics import kpis
from beffroi.analytics import lake as lake_module
from beffroi.analytics.kpis import (
    AnalyticsBackend,
    Period,
    build_rollups,
    daily_rollup,
    dashboard,
    events_window,
    keyword_share,
    kpi_rows,
    kpi_table,
    organisation_bounds,
    raw_daily,
    rollup_dashboard,
    rollup_window,
    rounded,
    row_groups_holding,
    share_of_voice,
    small_kpi_records,
    sorted_table,
    top_posts,
)
from beffroi.analytics.lake import ROLLUPS_DIR, EventLake
from beffroi.analytics.synthetic import HistorySpec, history_tables

from .scenario import MARCH, fill_scenario


def march_kpis(backend: AnalyticsBackend, lake: EventLake, by: list[str]) -> list[dict]:
    daily = daily_rollup(backend.events(lake), start=MARCH.start, end=MARCH.end)
    table = backend.to_arrow(kpi_table(daily, by=by, days=MARCH.days))
    return [asdict(row) for row in kpi_rows(sorted_table(table, by))]


def test_every_indicator_of_the_hand_written_month(
    backend: AnalyticsBackend, lake: EventLake
) -> None:
    fill_scenario(lake)

    ville_a = march_kpis(backend, lake, ["organisation"])[0]

    assert ville_a == {
        "organisation": "ville-a",
        "network": None,
        "followers": 1550,
        "follower_growth": 50,
        "follower_growth_rate": pytest.approx(50 / 1500),
        "outside_share": pytest.approx((1100 * 0.3 + 450 * 0.1) / 1550),
        "posts": 3,
        "posts_per_week": pytest.approx(3 * 7 / 31),
        "reach": 480,
        "impressions": 700,
        "engagements": 50,
        "engagement_rate": pytest.approx(50 / 700),
        "video_views": 150,
        "relay_share": pytest.approx(1 / 3),
        "messages": 4,
        "mentions": 1,
        "net_sentiment": pytest.approx(0.25),
        "response_rate": pytest.approx(2 / 3),
        "first_response_minutes": pytest.approx(20.0),
        "replies": 3,
        "moderation_actions": 1,
        "organic_reach_per_post": pytest.approx(90.0),
        "sponsored_posts": 1,
        "paid_reach": 1500,
        "spend_eur": pytest.approx(50.0),
        "cost_per_result": pytest.approx(2.0),
    }


def test_indicators_per_network_keep_each_account_apart(
    backend: AnalyticsBackend, lake: EventLake
) -> None:
    fill_scenario(lake)

    rows = {
        row["network"]: row
        for row in march_kpis(backend, lake, ["organisation", "network"])
        if row["organisation"] == "ville-a"
    }

    assert set(rows) == {"bluesky", "mastodon"}
    assert (rows["bluesky"]["followers"], rows["bluesky"]["follower_growth"]) == (450, -50)
    assert rows["bluesky"]["posts"] == 0 and rows["bluesky"]["relay_share"] is None
    assert (rows["mastodon"]["followers"], rows["mastodon"]["posts"]) == (1100, 3)


def test_share_of_voice_among_chosen_peers(backend: AnalyticsBackend, lake: EventLake) -> None:
    fill_scenario(lake)
    daily = daily_rollup(backend.events(lake), start=MARCH.start, end=MARCH.end)

    shares = {
        row["organisation"]: row["share"]
        for row in backend.to_arrow(share_of_voice(daily, ["ville-a", "ville-b"])).to_pylist()
    }

    assert shares == {"ville-a": pytest.approx(0.25), "ville-b": pytest.approx(0.75)}


def test_best_posts_and_keywords_of_the_month(backend: AnalyticsBackend, lake: EventLake) -> None:
    fill_scenario(lake)
    events = backend.events(lake)

    best = backend.to_arrow(
        top_posts(events, organisation="ville-a", start=MARCH.start, end=MARCH.end, limit=2)
    ).to_pylist()
    keywords = backend.to_arrow(
        keyword_share(events, organisation="ville-a", start=MARCH.start, end=MARCH.end)
    ).to_pylist()

    # p2 and p3 both have 20 engagements: ties are broken by post id; p4 is April's.
    assert [(p["post_id"], p["engagements"], p["reach"]) for p in best] == [
        ("p2", 20, 100),
        ("p3", 20, 300),
    ]
    assert keywords == [{"keyword": "piscine", "mentions": 1, "share": 1.0}]


def test_the_dashboard_reads_the_same_from_rollups_and_from_raw_events(
    backend: AnalyticsBackend, lake: EventLake
) -> None:
    fill_scenario(lake)
    assert build_rollups(backend, lake) > 0
    april = Period(date(2026, 4, 1), date(2026, 4, 30))

    from_rollups = dashboard(backend, backend.rollups(lake), organisation="ville-a", period=april)
    from_raw = dashboard(
        backend,
        raw_daily(backend.events(lake), organisation="ville-a", period=april),
        organisation="ville-a",
        period=april,
    )

    from_row_groups = rollup_dashboard(lake, organisation="ville-a", period=april)

    assert from_rollups.total == from_raw.total == from_row_groups.total
    assert from_rollups.by_network == from_raw.by_network == from_row_groups.by_network
    assert from_rollups.daily.equals(from_raw.daily)
    assert from_row_groups.daily.equals(from_raw.daily)
    # April has only p4; the previous period has the same length (30 days: 2-31 March).
    assert from_rollups.total is not None and from_rollups.total.posts == 1
    previous = from_rollups.previous_total
    assert previous is not None and previous.posts == 3
    # Only the snapshots of 31 March fall in 2-31 March: no growth measured.
    assert (previous.followers, previous.follower_growth) == (1550, 0)


@pytest.mark.spark
def test_duckdb_and_pyspark_agree_on_a_simulated_history(lake: EventLake, spark: object) -> None:
    spec = HistorySpec(
        organisations=("ville-a", "ville-b", "epci-c"), start=date(2026, 5, 1), days=45, seed=7
    )
    for table in history_tables(spec):
        lake.append_table(table)
    duck = AnalyticsBackend.duckdb()
    sparkling = AnalyticsBackend.pyspark(spark)  # type: ignore[arg-type]
    keys = ["organisation", "network", "day"]

    daily = {
        backend.engine: rounded(
            sorted_table(backend.to_arrow(daily_rollup(backend.events(lake))), keys)
        )
        for backend in (duck, sparkling)
    }
    national = {
        backend.engine: rounded(
            sorted_table(
                backend.to_arrow(
                    kpi_table(daily_rollup(backend.events(lake)), by=["organisation"], days=45)
                ),
                ["organisation"],
            )
        )
        for backend in (duck, sparkling)
    }
    duck.close()

    assert daily[duck.engine].num_rows > 100
    assert (
        daily[duck.engine].to_pylist()
        == daily[sparkling.engine].select(daily[duck.engine].column_names).to_pylist()
    )
    assert national[duck.engine].to_pylist() == national[sparkling.engine].to_pylist()


def test_one_organisation_s_rollups_come_from_its_own_row_groups(
    lake: EventLake, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = HistorySpec(
        organisations=tuple(f"ville-{i:02d}" for i in range(40)),
        start=date(2026, 5, 1),
        days=45,
        seed=11,
    )
    for table in history_tables(spec):
        lake.append_table(table)
    monkeypatch.setattr(kpis, "ROLLUP_ROW_GROUP_ROWS", 100)  # many row groups on a small lake
    duck = AnalyticsBackend.duckdb()
    build_rollups(duck, lake)
    everything = duck.to_arrow(duck.rollups(lake))
    duck.close()

    window = rollup_window(
        lake, organisations=["ville-07"], start=date(2026, 5, 20), end=date(2026, 6, 3)
    )

    expected = sorted_table(
        everything.filter(
            pc.and_(
                pc.equal(everything.column("organisation"), "ville-07"),
                pc.and_(
                    pc.greater_equal(everything.column("day"), pa.scalar(date(2026, 5, 20))),
                    pc.less_equal(everything.column("day"), pa.scalar(date(2026, 6, 3))),
                ),
            )
        ).select(window.column_names),
        ["network", "day"],
    )
    assert window.num_rows > 0
    assert sorted_table(window, ["network", "day"]).to_pylist() == expected.to_pylist()
    for month in lake.months(ROLLUPS_DIR):
        (path,) = lake.files(month, ROLLUPS_DIR)
        bounds = organisation_bounds(lake, path)
        assert len(bounds) > 10
        assert len(row_groups_holding(bounds, ["ville-07"])) <= 2


def test_one_organisation_s_raw_events_come_from_its_own_row_groups_once_compacted(
    lake: EventLake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the keyword shares and the sponsoring planner read: the same rows as a scan of every
    event of the months, from a few row groups of each month."""
    spec = HistorySpec(
        organisations=tuple(f"ville-{i:02d}" for i in range(40)),
        start=date(2026, 5, 1),
        days=45,
        seed=11,
    )
    for table in history_tables(spec, chunk_organisations=40):
        lake.append_table(table)
    start, end = date(2026, 5, 20), date(2026, 6, 3)
    order = ["occurred_at", "kind", "network", "event_id", "post_id"]

    def expected() -> list[dict]:
        every = lake.read_all()
        mask = pc.and_(
            pc.equal(every.column("organisation"), "ville-07"),
            pc.and_(
                pc.greater_equal(every.column("day"), pa.scalar(start)),
                pc.less_equal(every.column("day"), pa.scalar(end)),
            ),
        )
        return sorted_table(every.filter(mask), order).to_pylist()

    def window() -> list[dict]:
        rows = events_window(lake, organisations=["ville-07"], start=start, end=end)
        return sorted_table(rows, order).to_pylist()

    before = expected()
    assert len(before) > 50
    assert window() == before, "appended files, not yet compacted"
    monkeypatch.setattr(lake_module, "RAW_ROW_GROUP_ROWS", 200)  # many row groups on a small lake
    lake.compact()
    assert window() == before == expected()
    for month in lake.months():
        (path,) = lake.files(month)
        bounds = organisation_bounds(lake, path)
        assert len(bounds) >= 5
        assert len(row_groups_holding(bounds, ["ville-07"])) <= 2


def test_the_dashboard_s_small_kpis_follow_kpi_table(
    backend: AnalyticsBackend, lake: EventLake
) -> None:
    """`small_kpi_records` (plain Python, for a dashboard's few hundred rows) and `kpi_table`
    (Ibis, on the engine) give the same indicators, per organisation and per network."""
    spec = HistorySpec(
        organisations=("ville-a", "ville-b", "epci-c"), start=date(2026, 5, 1), days=40, seed=5
    )
    for table in history_tables(spec):
        lake.append_table(table)
    fill_scenario(lake)  # hand-written March: followers with and without outside shares
    daily = backend.to_arrow(daily_rollup(backend.events(lake)))

    for by in (["organisation"], ["organisation", "network"]):
        table = backend.to_arrow(kpi_table(backend.register(daily), by=by, days=40))
        expected = [_rounded(row) for row in sorted_table(table, by).to_pylist()]
        small = sorted(
            (_rounded(row) for row in small_kpi_records(daily, by=by, days=40)),
            key=lambda row: tuple(row[key] for key in by),
        )
        assert len(expected) >= 3
        assert small == expected


def _rounded(row: dict) -> dict:
    return {k: round(v, 9) if isinstance(v, float) else v for k, v in row.items()}
