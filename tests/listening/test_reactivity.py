"""The Réactivité page: figures aggregated in the database over a chosen period, cached for a few
minutes, and only the newest insulting comments read one by one (the export has them all)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from beffroi.listening import selectors
from beffroi.listening.models import InboxItem

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _insult(team, n, *, at, hidden_after=None, deleted_after=None, kind="comment"):
    return InboxItem.objects.create(
        organisation=team.org,
        account=team.account,
        network="facebook",
        kind=kind,
        remote_id=f"insulte-{n}",
        text="Bande d'incapables",
        created_at=at,
        sentiment="negative",
        is_toxic=True,
        hidden_at=at + hidden_after if hidden_after else None,
        deleted_at=at + deleted_after if deleted_after else None,
    )


def test_insult_summary_counts_in_the_database(team):
    start = NOW - timedelta(days=3)
    _insult(team, 1, at=start, hidden_after=timedelta(minutes=30))
    # Deleted after 10 minutes, hidden after 50: it stopped being visible at the first.
    _insult(
        team, 2, at=start, hidden_after=timedelta(minutes=50), deleted_after=timedelta(minutes=10)
    )
    _insult(team, 3, at=NOW - timedelta(hours=2))  # still visible: 2 hours so far
    _insult(team, 4, at=start, kind="mention")  # not on the organisation's pages
    _insult(team, 5, at=NOW - timedelta(days=200), hidden_after=timedelta(minutes=5))

    recent = selectors.insult_summary(
        organisation=team.org, since=NOW - timedelta(days=30), now=NOW
    )
    assert (recent.total, recent.still_visible) == (3, 1)
    assert recent.mean_visible == (timedelta(minutes=30 + 10) + timedelta(hours=2)) / 3
    everything = selectors.insult_summary(organisation=team.org, now=NOW)
    assert (everything.total, everything.still_visible) == (4, 1)


def test_no_insult_has_no_mean(team):
    summary = selectors.insult_summary(organisation=team.org, now=NOW)
    assert (summary.total, summary.still_visible, summary.mean_visible) == (0, 0, None)


def test_the_exposure_list_reads_only_the_newest(team):
    for n in range(7):
        _insult(team, n, at=NOW - timedelta(hours=n))
    newest = list(selectors.insult_exposure(organisation=team.org, now=NOW, limit=3))
    assert [e.item.remote_id for e in newest] == ["insulte-0", "insulte-1", "insulte-2"]
    assert len(list(selectors.insult_exposure(organisation=team.org, now=NOW))) == 7


def test_the_page_shows_the_period_the_summary_and_at_most_100_rows(client, team):
    now = timezone.now()
    InboxItem.objects.bulk_create(
        InboxItem(
            organisation=team.org,
            account=team.account,
            network="facebook",
            kind="comment",
            remote_id=f"i{n}",
            text="Bande d'incapables",
            created_at=now - timedelta(hours=n),
            sentiment="negative",
            is_toxic=True,
        )
        for n in range(120)
    )
    old = _insult(team, 999, at=now - timedelta(days=120))
    client.force_login(team.analyst)
    url = f"/o/{team.org.slug}/ecoute/statistiques/"
    page = client.get(url).content.decode()
    assert "90 derniers jours" in page
    assert "<strong>120</strong> commentaires insultants" in page
    assert page.count('class="badge bad">encore visible') == selectors.EXPOSURE_LIST_SIZE
    assert "Les 100 plus récents" in page
    newest = InboxItem.objects.filter(organisation=team.org).order_by("-created_at").first()
    assert f'href="/o/{team.org.slug}/ecoute/messages/{newest.pk}/"' in page
    everything = client.get(url, {"periode": "tout"}).content.decode()
    assert "<strong>121</strong> commentaires insultants" in everything
    assert client.get(url, {"periode": "n'importe quoi"}).status_code == 200
    export = client.get(f"/o/{team.org.slug}/ecoute/insultes-visibles.csv", {"periode": "30j"})
    assert old.remote_id not in export.content.decode()
    assert export.content.decode().count("\n") == 121  # the header and every row of the period


def test_the_figures_are_computed_once_per_period_then_cached(team):
    since = NOW - timedelta(days=30)
    first = selectors.reactivity_figures(organisation=team.org, since=since, period="30j")
    _insult(team, 1, at=timezone.now())
    again = selectors.reactivity_figures(organisation=team.org, since=since, period="30j")
    assert again == first and again.insults.total == 0  # the cached figures, with their time
    other = selectors.reactivity_figures(organisation=team.org, since=None, period="tout")
    assert other.insults.total == 1 and other.computed_at >= first.computed_at
