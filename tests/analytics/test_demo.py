"""Demonstration data from the simulated network: the lake gets a coherent history."""

from __future__ import annotations

from datetime import date

from beffroi.analytics.demo import DemoAccount, fill_demo_history
from beffroi.analytics.kpis import AnalyticsBackend, Period, build_rollups, dashboard
from beffroi.analytics.lake import EventLake
from beffroi.core.domain import Network


def test_a_simulated_quarter_fills_every_indicator(lake: EventLake) -> None:
    result = fill_demo_history(
        lake,
        organisation="valmont",
        accounts=[DemoAccount(Network.SANDBOX, "ville.valmont", 8000)],
        start=date(2026, 1, 1),
        days=62,
    )
    backend = AnalyticsBackend.duckdb()
    build_rollups(backend, lake)
    board = dashboard(
        backend, backend.rollups(lake), organisation="valmont", period=Period.month(2026, 2)
    )
    backend.close()

    assert result.rows > 500
    total = board.total
    assert total is not None and total.posts > 5
    assert total.followers is not None and 7000 < total.followers < 9500
    # An unsponsored post reaches at most about a tenth of the followers.
    assert total.organic_reach_per_post is not None
    assert total.organic_reach_per_post < 0.12 * total.followers
    assert total.messages > 0 and total.response_rate is not None
    assert 0 < total.response_rate <= 1
    assert total.outside_share is not None and 0 < total.outside_share < 0.5
    # Author ids are pseudonymised even in demo data.
    authors = lake.read_all().column("author").drop_null().to_pylist()
    assert authors and all(len(a) == 32 and not a.startswith("sim") for a in authors)
