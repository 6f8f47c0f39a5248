"""Sponsoring planner: organic reach from the account's posts, paid reach from its past campaigns."""

from __future__ import annotations

from datetime import date

import pytest

from beffroi.analytics.kpis import AnalyticsBackend, events_window
from beffroi.analytics.lake import EventLake
from beffroi.analytics.planner import (
    HISTORY_COLUMNS,
    PastCampaign,
    SponsoringHistory,
    SponsoringRefused,
    load_history,
    plan_sponsoring,
)

from .scenario import fill_scenario


def test_the_plan_of_the_hand_written_account(backend: AnalyticsBackend, lake: EventLake) -> None:
    fill_scenario(lake)

    history = load_history(
        backend,
        backend.events(lake),
        organisation="ville-a",
        network="mastodon",
        since=date(2026, 1, 1),
    )
    plan = plan_sponsoring(history, budget_eur=100, on=date(2026, 4, 10))

    assert history.followers == 1100
    # p1 reached 80, p2 100 (p3 was sponsored, p4 has 999 but is counted too: it is organic).
    assert sorted(history.organic_reach_ratios) == pytest.approx(
        [80 / 1100, 100 / 1100, 999 / 1100]
    )
    assert [(c.post_id, c.spend_eur, c.paid_reach) for c in history.campaigns] == [
        ("p3", 50.0, 1500)
    ]
    # The median ratio (100 / 1100) stays under the 10 % ceiling: 100 people without paying.
    assert plan.organic_reach == 100
    assert (plan.paid_reach_low, plan.paid_reach_expected, plan.paid_reach_high) == (
        3000,
        3000,
        3000,
    )
    assert plan.total_reach_expected == 3100
    assert plan.cost_per_thousand_eur == pytest.approx(1000 / 30)
    assert "1 publication(s) sponsorisée(s)" in plan.explanation


def test_the_page_reads_the_same_history_from_the_organisation_s_rows_only(
    backend: AnalyticsBackend, lake: EventLake
) -> None:
    fill_scenario(lake)
    lake.compact(min_files=1)
    since, on = date(2026, 1, 1), date(2026, 4, 10)
    window = events_window(
        lake, organisations=["ville-a"], start=since, end=on, columns=HISTORY_COLUMNS
    )
    assert set(window.column("organisation").to_pylist()) == {"ville-a"}

    histories = [
        load_history(backend, events, organisation="ville-a", network="mastodon", since=since)
        for events in (backend.events(lake), backend.register(window))
    ]

    whole, own = ((h.followers, sorted(h.organic_reach_ratios), h.campaigns) for h in histories)
    assert whole == own
    assert whole[1] and whole[2], "organic posts and campaigns found"


def test_quartiles_of_past_campaigns_bound_the_estimate() -> None:
    campaigns = tuple(
        PastCampaign(f"p{i}", date(2026, 1, i + 1), spend_eur=100, paid_reach=reach, results=10)
        for i, reach in enumerate([2000, 3000, 4000, 5000, 6000])
    )
    history = SponsoringHistory("ville-a", "facebook", 20_000, (0.02, 0.03, 0.5), campaigns)

    plan = plan_sponsoring(history, budget_eur=50, on=date(2026, 4, 1))

    # Reach per euro: 20, 30, 40, 50, 60 -> quartiles 30, 40, 50.
    assert (plan.paid_reach_low, plan.paid_reach_expected, plan.paid_reach_high) == (
        1500,
        2000,
        2500,
    )
    assert plan.organic_reach == 600  # median 3 %, well under the ceiling


def test_organic_reach_never_exceeds_a_tenth_of_the_followers() -> None:
    history = SponsoringHistory("ville-a", "x", 1000, (0.4, 0.5, 0.6), ())
    plan = plan_sponsoring(history, budget_eur=0, on=date(2026, 4, 1))
    assert plan.organic_reach == 100
    assert plan.paid_reach_expected is None


def test_no_history_no_invented_figure() -> None:
    plan = plan_sponsoring(
        SponsoringHistory("ville-a", "x", None, (), ()), budget_eur=200, on=date(2026, 4, 1)
    )
    assert plan.organic_reach is None and plan.paid_reach_expected is None
    assert "Aucune publication sponsorisée" in plan.explanation


def test_refused_during_an_election_period() -> None:
    history = SponsoringHistory("ville-a", "x", 1000, (0.05,), ())
    campaign_2026 = (date(2025, 9, 1), date(2026, 3, 22))

    def election(day: date) -> bool:
        return campaign_2026[0] <= day <= campaign_2026[1]

    with pytest.raises(SponsoringRefused, match="L52-1"):
        plan_sponsoring(history, budget_eur=100, on=date(2026, 2, 1), is_election_period=election)
    assert (
        plan_sponsoring(
            history, budget_eur=100, on=date(2026, 4, 1), is_election_period=election
        ).organic_reach
        == 50
    )
