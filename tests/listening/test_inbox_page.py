"""The inbox page's rendering shortcuts: links and labels worked out once per page, the filter form
rendered from the cache for a minute (its lists are the team and the accounts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from beffroi.listening.models import InboxItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _items(team, count):
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    return InboxItem.objects.bulk_create(
        InboxItem(
            organisation=team.org,
            account=team.account,
            network="facebook",
            kind="comment",
            remote_id=f"m{n}",
            text=f"Quand passe la collecte rue {n} ?",
            created_at=start + timedelta(minutes=n),
            sentiment="neutral",
            topic="proprete_dechets",
            needs_action=True,
            status="in_progress",
        )
        for n in range(count)
    )


def test_rows_link_to_their_items_with_their_labels(client, team):
    items = _items(team, 3)
    client.force_login(team.cm)
    page = client.get(f"/o/{team.org.slug}/ecoute/").content.decode()
    for item in items:
        assert f'href="/o/{team.org.slug}/ecoute/messages/{item.pk}/"' in page
    assert page.count("<td>En cours</td>") == 3 and page.count("<td>Facebook") == 3
    assert page.count('<span class="badge">Neutre</span>') == 3  # the sentiment in French


def test_the_filter_form_comes_from_the_cache_on_the_next_view(client, team, make_member):
    _items(team, 3)
    client.force_login(team.cm)
    url = f"/o/{team.org.slug}/ecoute/"
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    newcomer = make_member(team.org, "community_manager", email="nouvelle@saint-aubin.example")
    with CaptureQueriesContext(connection) as second:
        page = client.get(url).content.decode()
    assert len(second) < len(first)  # neither the team nor the accounts read again
    assert str(newcomer) not in page  # for a minute at most
    filtered = client.get(url, {"statut": "in_progress"}).content.decode()
    assert str(newcomer) in filtered  # another choice of filters: rendered afresh
    assert '<option value="in_progress" selected>' in filtered
