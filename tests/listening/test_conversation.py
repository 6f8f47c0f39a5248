"""The conversation view shows the organisation's own post that a comment answers: its text,
network, date and links, from the draft Beffroi published or, for a post published elsewhere,
from the event lake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from beffroi.listening import selectors
from beffroi.listening.models import InboxItem

pytestmark = pytest.mark.django_db

POSTED = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _comment(team, *, post="post-42", kind="comment", n=1):
    return InboxItem.objects.create(
        organisation=team.org,
        account=team.account,
        network="facebook",
        kind=kind,
        remote_id=f"c{n}",
        post_remote_id=post if kind != "mention" else "",
        author_handle="habitant1",
        text="Et le parking, il sera gratuit ?",
        created_at=POSTED + timedelta(hours=3),
        sentiment="neutral",
        needs_action=True,
    )


def _published(team, *, remote_id="post-42"):
    from beffroi.publishing.models import Draft, Variant

    draft = Draft.objects.create(
        organisation=team.org,
        title="Marché de Noël",
        text="Le marché de Noël ouvre samedi place de l'Hôtel-de-Ville.",
        state=Draft.State.PUBLISHED,
        scheduled_at=POSTED,
    )
    return Variant.objects.create(
        draft=draft,
        account=team.account,
        network="facebook",
        text="Le marché de Noël ouvre samedi ! Navettes gratuites depuis la gare.",
        state=Variant.State.PUBLISHED,
        remote_id=remote_id,
        remote_url="https://www.facebook.com/VilleDeSaintAubin/posts/42",
        published_at=POSTED,
    )


def test_the_post_beffroi_published_is_shown_above_the_thread(client, team):
    variant = _published(team)
    item = _comment(team)
    client.force_login(team.cm)
    page = client.get(f"/o/{team.org.slug}/ecoute/messages/{item.pk}/").content.decode()
    block = page[
        page.index('id="publication"') : page.index("</article>", page.index('id="publication"'))
    ]
    assert "Navettes gratuites depuis la gare" in block  # the variant's own words
    assert "Facebook" in block and "2 mars 2026 à 09:30" in block  # Paris time
    assert 'href="https://www.facebook.com/VilleDeSaintAubin/posts/42"' in block
    assert f"/publications/{variant.draft_id}/" in block


def test_a_post_published_elsewhere_comes_from_the_lake(team, lake_dir):
    from beffroi.analytics.lake import EventKind, LakeEvent
    from beffroi.analytics.selectors import lake

    lake().append(
        [
            LakeEvent(
                kind=EventKind.POST,
                occurred_at=POSTED - timedelta(days=40),  # an older month than the comment's
                organisation=team.org.slug,
                network="facebook",
                post_id="post-7",
                text="Concertation sur le plan vélo : donnez votre avis.",
                url="https://www.facebook.com/VilleDeSaintAubin/posts/7",
            ),
            LakeEvent(  # another organisation's post with the same id: not ours
                kind=EventKind.POST,
                occurred_at=POSTED,
                organisation="ailleurs",
                network="facebook",
                post_id="post-7",
                text="Autre chose",
            ),
        ]
    )
    post = selectors.own_post(item=_comment(team, post="post-7"))
    assert post is not None and post.known and post.draft_id is None
    assert post.text == "Concertation sur le plan vélo : donnez votre avis."
    assert post.url.endswith("/posts/7") and post.published_at == POSTED - timedelta(days=40)


def test_an_unknown_post_still_says_which_post_it_was(client, team, lake_dir):
    item = _comment(team, post="post-inconnu")
    post = selectors.own_post(item=item)
    assert post is not None and not post.known and post.network == "Facebook"
    client.force_login(team.cm)
    page = client.get(f"/o/{team.org.slug}/ecoute/messages/{item.pk}/").content.decode()
    assert "Publication post-inconnu sur Facebook, publiée hors de Beffroi" in page


def test_a_mention_answers_no_post(team):
    assert selectors.own_post(item=_comment(team, kind="mention")) is None
