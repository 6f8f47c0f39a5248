"""Holidays, calendar grids, the iCalendar feed and the plan checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from beffroi.core.domain import Network, Topic
from beffroi.publishing.agenda import (
    PARIS,
    CalendarEntry,
    ical_feed,
    month_grid,
    public_holidays,
    week_of,
)
from beffroi.publishing.planning import (
    LinePlan,
    PlannedPost,
    PostOutcome,
    best_slots,
    next_slot_after,
    plan_alerts,
)


def test_french_public_holidays_of_2026() -> None:
    days = {h.day: h.name for h in public_holidays(date(2026, 1, 1), date(2026, 12, 31))}
    assert len(days) == 11
    assert days[date(2026, 7, 14)] == "Fête nationale"
    assert days[date(2026, 4, 6)] == "Lundi de Pâques"
    assert days[date(2026, 5, 14)] == "Ascension"


def test_alsace_moselle_has_two_more_days() -> None:
    days = {h.name for h in public_holidays(date(2026, 1, 1), date(2026, 12, 31), subdivision="57")}
    assert {"Vendredi saint", "Saint-Étienne"} <= days


def test_month_grid_starts_on_monday_and_covers_the_month() -> None:
    grid = month_grid(2026, 6)
    assert grid[0][0] == date(2026, 6, 1) and grid[0][0].weekday() == 0
    assert all(len(week) == 7 for week in grid)
    assert week_of(date(2026, 6, 21))[0] == date(2026, 6, 15)


def test_ical_feed_is_valid_and_stable() -> None:
    entry = CalendarEntry(
        uid="draft-42",
        title="Facebook, X : Fête de la musique",
        starts_at=datetime(2026, 6, 21, 16, 30, tzinfo=UTC),
        description="Validé par la direction de la communication.",
        url="https://beffroi.example/publier/42/",
        categories=("Culture",),
        status="TENTATIVE",
    )
    stamp = datetime(2026, 6, 1, tzinfo=UTC)
    holidays = public_holidays(date(2026, 6, 1), date(2026, 7, 31))
    raw = ical_feed([entry], name="Ville d'Exemple", holidays_list=holidays, stamp=stamp)
    assert raw == ical_feed([entry], name="Ville d'Exemple", holidays_list=holidays, stamp=stamp)
    calendar = Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    assert str(calendar["X-WR-CALNAME"]) == "Ville d'Exemple"
    post = events[0]
    assert str(post["UID"]) == "draft-42@beffroi.local"
    assert post.decoded("DTSTART") == datetime(2026, 6, 21, 16, 30, tzinfo=UTC)
    assert post.decoded("DTEND") - post.decoded("DTSTART") == timedelta(minutes=15)
    assert str(post["STATUS"]) == "TENTATIVE"
    holiday = events[1]
    assert str(holiday["SUMMARY"]) == "Jour férié : Fête nationale"
    assert holiday.decoded("DTSTART") == date(2026, 7, 14)


def _post(network: Network, day: int, hour: int = 10, **kw: object) -> PlannedPost:
    return PlannedPost(network, datetime(2026, 6, day, hour, tzinfo=UTC), **kw)  # type: ignore[arg-type]


def test_plan_alerts_name_each_gap() -> None:
    lines = [
        LinePlan(
            Network.FACEBOOK,
            posts_per_week=3,
            themes=(Topic.CULTURE_PATRIMOINE, Topic.MOBILITE),
            max_per_day=2,
        ),
        LinePlan(Network.LINKEDIN, posts_per_week=2),
        LinePlan(Network.X, posts_per_week=7),
    ]
    posts = [
        _post(Network.FACEBOOK, 1, topic=Topic.CULTURE_PATRIMOINE, relays_website=True),
        _post(Network.FACEBOOK, 3, 8, relays_website=True),
        _post(Network.FACEBOOK, 3, 12, relays_website=True),
        _post(Network.FACEBOOK, 3, 16),
        _post(Network.FACEBOOK, 5),
        _post(Network.FACEBOOK, 6),
        _post(Network.X, 2),
    ]
    alerts = plan_alerts(posts, lines, start=date(2026, 6, 1), end=date(2026, 6, 14))
    kinds = {(a.kind, a.network) for a in alerts}
    assert kinds == {
        ("crowded_day", Network.FACEBOOK),
        ("theme_missing", Network.FACEBOOK),
        ("silent_network", Network.LINKEDIN),
        ("under_rhythm", Network.X),
    }
    crowded = next(a for a in alerts if a.kind == "crowded_day")
    assert (
        crowded.message
        == "Facebook : 3 publications le mercredi 03/06, la ligne en prévoit 2 au plus par jour."
    )
    missing = next(a for a in alerts if a.kind == "theme_missing")
    assert "« Mobilité »" in missing.message
    relay = plan_alerts(posts[:4], lines[:1], start=date(2026, 6, 1), end=date(2026, 6, 7))
    assert any(a.kind == "website_relay" for a in relay)


def test_best_slots_are_learned_from_history_or_default() -> None:
    assert [s.label for s in best_slots([])] == ["mardi 8 h", "jeudi 12 h", "vendredi 18 h"]
    history = []
    base = datetime(2026, 4, 6, tzinfo=PARIS)  # a Monday
    for week in range(10):
        monday = base + timedelta(weeks=week)
        # Wednesday 17:00 does best, Monday 8:00 worst (Paris time).
        history.append(PostOutcome(monday + timedelta(days=2, hours=17), 0.08))
        history.append(PostOutcome(monday + timedelta(hours=8), 0.01))
        history.append(PostOutcome(monday + timedelta(days=4, hours=12), 0.03))
    slots = best_slots(history, top=2)
    assert [s.label for s in slots] == ["mercredi 17 h", "vendredi 12 h"]
    assert slots[0].median_rate == 0.08
    nxt = next_slot_after(datetime(2026, 6, 18, 12, tzinfo=UTC), slots)  # a Thursday
    assert (nxt.weekday(), nxt.hour) == (4, 12)
