"""The calendar grid reads its drafts as plain values: two queries whatever the month holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from beffroi.core.domain import Network
from beffroi.publishing import selectors, services

pytestmark = pytest.mark.django_db


def _draft(team, title, at, networks):
    return services.draft_create(
        organisation=team.org,
        actor=team.cm,
        title=title,
        text="Le marché de Noël ouvre samedi place de l'Hôtel-de-Ville.",
        accounts=[team.accounts[n] for n in networks],
        scheduled_at=at,
    )


def test_calendar_items_in_two_queries_with_network_labels(team, django_assert_num_queries):
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    for day in range(20):
        _draft(team, f"Jour {day}", start + timedelta(days=day), [Network.X, Network.MASTODON])
    _draft(team, "Hors du mois", datetime(2027, 1, 15, 9, tzinfo=UTC), [Network.FACEBOOK])
    with django_assert_num_queries(2):
        items = selectors.calendar_items(
            organisation=team.org, start=date(2026, 12, 1), end=date(2026, 12, 31)
        )
    assert [i.title for i in items] == [f"Jour {d}" for d in range(20)]
    assert items[0].networks == ("Mastodon", "X")  # ordered by network code
    assert items[0].state_label == "Brouillon" and items[0].scheduled_at == start


def test_calendar_items_filter_by_network(team):
    at = datetime(2026, 12, 3, 9, tzinfo=UTC)
    _draft(team, "Sur Facebook", at, [Network.FACEBOOK, Network.X])
    _draft(team, "Sur Mastodon", at + timedelta(hours=1), [Network.MASTODON])
    items = selectors.calendar_items(
        organisation=team.org, start=date(2026, 12, 1), end=date(2026, 12, 31), networks=["x"]
    )
    # The filter picks the draft; the entry still names every network it goes to.
    assert [(i.title, len(i.networks)) for i in items] == [("Sur Facebook", 2)]
