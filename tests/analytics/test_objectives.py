"""Objectives: progress from baseline to target, status against the time elapsed, trend."""

from __future__ import annotations

from datetime import date

import pytest

from beffroi.analytics.kpis import KpiRow
from beffroi.analytics.objectives import (
    DEFAULT_INDICATORS,
    INDICATORS,
    Objective,
    ObjectiveKind,
    Status,
    Target,
    assess,
    format_value,
    trend,
)

YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)


def kpis(**values: float | int | None) -> KpiRow:
    base = dict.fromkeys(KpiRow.__slots__, 0)
    base.update(organisation="ville-a", network=None)
    base.update(values)
    return KpiRow(**base)  # type: ignore[arg-type]


def test_progress_counts_the_way_from_baseline_to_target() -> None:
    followers = Target("followers", 10_000, 12_000, YEAR_START, YEAR_END)
    objective = Objective(ObjectiveKind.NOTORIETY, "Notoriété", (followers,))

    mid_year = assess(objective, kpis(followers=11_000), today=date(2026, 7, 2))

    assert mid_year.targets[0].progress == pytest.approx(0.5)
    assert mid_year.targets[0].expected == pytest.approx(182 / 364)
    assert mid_year.status is Status.ON_TRACK
    assert assess(objective, kpis(followers=10_200), today=date(2026, 7, 2)).status is Status.LATE
    assert (
        assess(objective, kpis(followers=12_400), today=date(2026, 3, 1)).status is Status.REACHED
    )


def test_lower_is_better_targets_progress_when_the_value_falls() -> None:
    delay = Target("first_response_minutes", 600, 240, YEAR_START, YEAR_END)
    objective = Objective(ObjectiveKind.SOCIAL_LINK, "Répondre vite", (delay,))

    assessment = assess(objective, kpis(first_response_minutes=420), today=date(2026, 4, 1))

    assert assessment.targets[0].progress == pytest.approx(0.5)
    assert assessment.status is Status.ON_TRACK
    assert not INDICATORS["first_response_minutes"].higher_is_better


def test_a_missed_deadline_and_missing_data_are_said_plainly() -> None:
    target = Target("response_rate", 0.4, 0.8, YEAR_START, date(2026, 6, 30))
    objective = Objective(ObjectiveKind.SOCIAL_LINK, "Répondre", (target,))

    assert (
        assess(objective, kpis(response_rate=0.5), today=date(2026, 7, 15)).status is Status.MISSED
    )
    no_data = assess(objective, kpis(response_rate=None), today=date(2026, 3, 1))
    assert no_data.status is Status.NO_DATA and no_data.progress is None


def test_the_trend_projects_the_monthly_values_to_the_deadline() -> None:
    target = Target("followers", 1000, 1300, YEAR_START, YEAR_END)
    series = [(date(2026, month, 1), 1000 + 20 * (month - 1)) for month in range(1, 7)]

    line = trend(target, series)

    assert line is not None
    # About 20 followers per month: 1,100 on 1 June, about 1,240 by the end of the year.
    assert line.slope_per_month == pytest.approx(20 * 30 / 30.4, rel=0.02)
    assert line.projected_at_deadline == pytest.approx(1100 + 20 / 30.4 * 213, rel=0.01)
    assert not line.reaches_target
    # A late target whose trend reaches it in time is still on track.
    fast = [(date(2026, month, 1), 1000 + 60 * (month - 1)) for month in range(1, 4)]
    objective = Objective(ObjectiveKind.NOTORIETY, "Abonnés", (target,))
    status = assess(
        objective, kpis(followers=1120), today=date(2026, 6, 1), series={"followers": fast}
    ).status
    assert status is Status.ON_TRACK


def test_the_objective_is_as_late_as_its_latest_target() -> None:
    on_time = Target("reach", 1000, 2000, YEAR_START, YEAR_END)
    late = Target("mentions", 100, 200, YEAR_START, YEAR_END)
    objective = Objective(ObjectiveKind.NOTORIETY, "Notoriété", (on_time, late))

    assessment = assess(objective, kpis(reach=2500, mentions=110), today=date(2026, 7, 1))

    assert [t.status for t in assessment.targets] == [Status.REACHED, Status.LATE]
    assert assessment.status is Status.LATE
    assert assessment.progress == pytest.approx((1.0 + 0.1) / 2)


def test_definitions_are_checked_and_shown_in_french() -> None:
    with pytest.raises(ValueError, match="Indicateur inconnu"):
        Target("likes_per_cat", 1, 2, YEAR_START, YEAR_END)
    with pytest.raises(ValueError, match="échéance"):
        Target("reach", 1, 2, YEAR_END, YEAR_START)
    assert all(key in INDICATORS for keys in DEFAULT_INDICATORS.values() for key in keys)
    assert format_value(INDICATORS["engagement_rate"], 0.0425) == "4,2 %"
    assert format_value(INDICATORS["followers"], 12345) == "12\u202f345"
    assert format_value(INDICATORS["cost_per_result"], 1.8) == "1,80 €"
    assert format_value(INDICATORS["reach"], None) == "—"
