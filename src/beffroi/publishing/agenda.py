"""The editorial calendar's time helpers: French public holidays, month and week grids, iCalendar feed."""

from __future__ import annotations

import calendar as stdlib_calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from icalendar import Calendar, Event

PARIS = ZoneInfo("Europe/Paris")
PRODID = "-//Beffroi//Calendrier éditorial//FR"


@dataclass(frozen=True, slots=True)
class Holiday:
    day: date
    name: str


def public_holidays(start: date, end: date, *, subdivision: str | None = None) -> list[Holiday]:
    """French public holidays between two dates (inclusive).

    `subdivision` follows the `holidays` package: "57" for Moselle (and Bas-Rhin, Haut-Rhin share
    its extra days: Vendredi saint, Saint-Étienne), "971" Guadeloupe, "974" La Réunion, ...
    """
    if end < start:
        return []
    calendar = holidays.country_holidays(
        "FR", subdiv=subdivision, years=range(start.year, end.year + 1), language="fr"
    )
    return [Holiday(day, name) for day, name in sorted(calendar.items()) if start <= day <= end]


def month_grid(year: int, month: int) -> list[list[date]]:
    """Weeks (Monday first) covering the month, with the neighbouring months' days to fill them."""
    return stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=offset) for offset in range(7)]


def paris_day(moment: datetime) -> date:
    """The calendar day of a stored (UTC) time, as the team in France sees it."""
    return moment.astimezone(PARIS).date()


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    uid: str  # stable across exports, so that calendar clients update rather than duplicate
    title: str
    starts_at: datetime  # aware, UTC
    duration: timedelta = timedelta(minutes=15)
    description: str = ""
    url: str | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)
    status: str = "CONFIRMED"  # or TENTATIVE (not approved yet), CANCELLED


def ical_feed(
    entries: Iterable[CalendarEntry],
    *,
    name: str,
    holidays_list: Iterable[Holiday] = (),
    domain: str = "beffroi.local",
    stamp: datetime | None = None,
) -> bytes:
    """An RFC 5545 calendar that a calendar client can subscribe to."""
    now = stamp or datetime.now(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    # Ask clients to refresh every hour (RFC 7986 and the older Microsoft property).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for entry in entries:
        event = Event()
        event.add("uid", f"{entry.uid}@{domain}")
        event.add("dtstamp", now)
        event.add("dtstart", entry.starts_at.astimezone(UTC))
        event.add("dtend", entry.starts_at.astimezone(UTC) + entry.duration)
        event.add("summary", entry.title)
        if entry.description:
            event.add("description", entry.description)
        if entry.url:
            event.add("url", entry.url)
        if entry.categories:
            event.add("categories", list(entry.categories))
        event.add("status", entry.status)
        event.add("transp", "TRANSPARENT")  # a planned post does not make the team busy
        calendar.add_component(event)
    for holiday in holidays_list:
        event = Event()
        event.add("uid", f"ferie-{holiday.day.isoformat()}@{domain}")
        event.add("dtstamp", now)
        event.add("dtstart", holiday.day)
        event.add("dtend", holiday.day + timedelta(days=1))
        event.add("summary", f"Jour férié : {holiday.name}")
        event.add("categories", ["Jour férié"])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
