"""The inbox stays fast with millions of rows: its queries walk an index in order (checked on the
query plan, since wall-clock times are not asserted), and pages go by key, never by offset."""

from __future__ import annotations

import pytest
from django.db import connection

from beffroi.listening import selectors
from beffroi.listening.models import InboxItem

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " | ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        return " | ".join(str(row[0]) for row in cursor.fetchall())


def _page_query(org, **filters):
    qs = selectors._apply(
        InboxItem.objects.filter(organisation=org), selectors.InboxFilters(**filters)
    )
    return qs.order_by("-created_at", "-id")[:51]


@pytest.mark.parametrize(
    "filters",
    [{}, {"status": "new"}, {"assignee": 3}],
)
def test_inbox_pages_use_an_index_in_order(team, filters):
    plan = _plan(_page_query(team.org, **filters))
    if connection.vendor == "sqlite":
        assert "USING INDEX inbox_" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # no sort of the whole inbox
    else:
        assert "Index" in plan, plan


def test_next_page_key_round_trips(team):
    from datetime import UTC, datetime

    item = InboxItem(pk=41, created_at=datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC))
    assert selectors.decode_key(selectors.encode_key(item)) == (item.created_at, 41)
    assert selectors.decode_key("n'importe quoi") is None


def test_a_keyed_page_seeks_into_the_index(team):
    from datetime import UTC, datetime

    key = selectors.encode_key(InboxItem(pk=10, created_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC)))
    at, pk = selectors.decode_key(key)
    qs = selectors._apply(InboxItem.objects.filter(organisation=team.org), selectors.InboxFilters())
    qs = selectors._after(qs, at, pk).order_by("-created_at", "-id")[:51]
    plan = _plan(qs)
    if connection.vendor == "sqlite":
        # A range on created_at inside the index: the page is found without reading newer rows.
        assert "(organisation_id=? AND created_at<?)" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_the_home_count_of_visible_insults_reads_its_own_small_index(team):
    from beffroi.listening.home import WAITING

    qs = InboxItem.objects.filter(
        organisation=team.org, needs_action=True, status__in=WAITING
    ).filter(is_toxic=True, hidden_at=None, deleted_at=None)
    plan = _plan(qs.order_by("-created_at", "-id").values("id")[:1000])
    if connection.vendor == "sqlite":
        # Either partial index of insults: both hold a few rows, never the whole inbox.
        assert "USING INDEX inbox_insults" in plan and "TEMP B-TREE" not in plan, plan
    else:
        assert "Index" in plan, plan
