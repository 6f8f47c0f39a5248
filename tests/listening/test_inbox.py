"""The inbox in the web pages: permissions, filters, keyset pages, reply, hide, notes, routing, relay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from beffroi.core.domain import Network
from beffroi.listening import selectors, services
from beffroi.listening.ingestion import Incoming, ingest
from beffroi.listening.models import InboxItem, ModerationEvent
from tests.listening.conftest import MemoryLake

pytestmark = pytest.mark.django_db


def _store(team, texts, *, start=None, kind="comment", post="p-1"):
    start = start or datetime(2026, 3, 1, 9, tzinfo=UTC)
    messages = [
        Incoming(
            network=Network.FACEBOOK,
            kind=kind,
            remote_id=f"{post}-m{i}",
            text=text,
            created_at=start + timedelta(minutes=i),
            author_remote_id=f"a{i % 3}",
            author_handle=f"habitant{i % 3}",
            post_remote_id=post,
        )
        for i, text in enumerate(texts)
    ]
    ingest(organisation=team.org, account=team.account, messages=messages, lake=MemoryLake())
    return list(InboxItem.objects.filter(organisation=team.org).order_by("created_at"))


def _sandbox_comment(team):
    """A real comment of the simulated network, so that replying and hiding reach it."""
    from beffroi.core.adapters import adapter_for_account

    now = datetime.now(UTC)
    adapter = adapter_for_account(team.account, clock=lambda: now)
    post = adapter.fetch_posts(since=now - timedelta(days=20))[0]
    comment = adapter.fetch_comments(post.remote_id, since=now - timedelta(days=20))[0]
    ingest(
        organisation=team.org,
        account=team.account,
        messages=[
            Incoming(
                network=Network.FACEBOOK,
                kind="comment",
                remote_id=comment.remote_id,
                text="Bande de connards, quand réparez-vous la rue ?",
                created_at=comment.created_at,
                author_remote_id=comment.author.remote_id,
                author_handle=comment.author.handle,
                post_remote_id=post.remote_id,
            )
        ],
        lake=MemoryLake(),
    )
    return InboxItem.objects.get(remote_id=comment.remote_id), adapter


def test_roles_and_outsiders(client, team, make_org, make_member):
    url = f"/o/{team.org.slug}/ecoute/"
    client.force_login(team.analyst)
    assert client.get(url).status_code == 403
    assert client.get(f"/o/{team.org.slug}/ecoute/statistiques/").status_code == 200
    client.force_login(team.cm)
    assert client.get(url).status_code == 200
    outsider = make_member(make_org(name="Ailleurs"), "admin")
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    item = _store(team, ["Quand passe la collecte ?"])[0]
    assert client.get(f"/o/{team.org.slug}/ecoute/messages/{item.pk}/").status_code == 404
    # An item of another organisation is not found through this one's URL.
    other = make_org(name="Voisine")
    client.force_login(make_member(other, "admin"))
    assert client.get(f"/o/{other.slug}/ecoute/messages/{item.pk}/").status_code == 404


def test_services_check_the_role(team):
    item = _store(team, ["Quand passe la collecte ?"])[0]
    with pytest.raises(PermissionDenied):
        services.item_note_add(item=item, actor=team.analyst, text="note")
    with pytest.raises(PermissionDenied):
        services.item_hide(item=item, actor=team.validator)


def test_filters_and_keyset_pages(team):
    texts = [f"Quand réparez-vous la rue {i} ?" for i in range(7)] + ["Bande d'abrutis"] * 1
    _store(team, texts)
    filters = selectors.InboxFilters()
    seen = []
    after = ""
    while True:
        page = selectors.inbox_page(organisation=team.org, filters=filters, after=after, size=3)
        seen += [i.remote_id for i in page.items]
        if not page.next_key:
            break
        after = page.next_key
    assert len(seen) == len(set(seen)) == 8
    assert seen == [f"p-1-m{i}" for i in reversed(range(8))]
    toxic = selectors.inbox_page(
        organisation=team.org, filters=selectors.InboxFilters(toxic=True)
    ).items
    assert [i.remote_id for i in toxic] == ["p-1-m7"]
    requests = selectors.inbox_page(
        organisation=team.org, filters=selectors.InboxFilters(request=True, topic="voirie_travaux")
    ).items
    assert len(requests) == 7


def test_inbox_page_lists_and_filters(client, team):
    _store(team, ["Quand passe la collecte des poubelles ?", "Merci, super fête !"])
    client.force_login(team.cm)
    page = client.get(f"/o/{team.org.slug}/ecoute/").content.decode()
    assert "collecte des poubelles" in page
    assert "super fête" not in page  # needs no action
    everything = client.get(f"/o/{team.org.slug}/ecoute/?tout=oui").content.decode()
    assert "super fête" in everything
    assert 'src="/static/listening/inbox.js"' in page and "<script>" not in page


def test_reply_hide_assign_note_and_the_log(client, team):
    item, adapter = _sandbox_comment(team)
    client.force_login(team.cm)
    base = f"/o/{team.org.slug}/ecoute/messages/{item.pk}/"
    assert client.get(base).status_code == 200
    client.post(base + "attribuer/", {"assignee": team.cm.pk})
    client.post(base + "note/", {"text": "Voir avec les services techniques"})
    client.post(base + "masquer/")
    client.post(base + "repondre/", {"text": "Bonjour, les services passent demain."})
    item.refresh_from_db()
    assert item.assigned_to == team.cm
    assert item.notes.get().text == "Voir avec les services techniques"
    assert item.hidden_at is not None and item.remote_id in adapter.state.hidden
    assert item.status == "answered" and item.first_response_at is not None
    assert any(r.parent_remote_id == item.remote_id for r in adapter.state.replies.values())
    actions = list(ModerationEvent.objects.filter(item=item).values_list("action", "actor"))
    # The charter proposed hiding the insult on arrival (no one), then the agent acted.
    assert actions[0] == ("hide_proposed", None)
    assert [a for a, _ in actions[1:]] == ["seen", "assigned", "hidden", "answered"]
    assert all(actor == team.cm.pk for _, actor in actions[1:])
    stats = selectors.response_stats(organisation=team.org)
    assert (stats[0].to_answer, stats[0].answered, stats[0].rate) == (1, 1, 1.0)
    exposure = list(selectors.insult_exposure(organisation=team.org))
    assert len(exposure) == 1 and not exposure[0].still_visible
    csv_text = client.get(f"/o/{team.org.slug}/ecoute/insultes-visibles.csv").content.decode()
    assert item.remote_id in csv_text and ";non" in csv_text


def test_a_network_refusal_is_shown_and_nothing_recorded(client, team):
    item, adapter = _sandbox_comment(team)
    from beffroi.networks.errors import RateLimited

    adapter.faults.fail_next(
        "hide_comment", RateLimited(Network.FACEBOOK, "trop de requêtes", retry_after=60)
    )
    with pytest.raises(Exception, match="refusé par le réseau"):
        services.item_hide(item=item, actor=team.cm, adapter=adapter)
    item.refresh_from_db()
    assert item.hidden_at is None
    assert not ModerationEvent.objects.filter(item=item, action="hidden").exists()


def test_forward_to_the_intercommunality_using_beffroi(team, make_org, make_member):
    epci = make_org(name="CC du Val", kind="epci")
    team.org.parent = epci
    team.org.save(update_fields=["parent"])
    item = _store(team, ["Les poubelles ne sont pas ramassées, quand passe la collecte ?"])[0]
    assert item.route_level == "epci"
    copy = services.item_forward(item=item, actor=team.cm)
    assert copy.organisation == epci and copy.forwarded_from == item
    assert copy.text == item.text and copy.status == "new"
    assert ModerationEvent.objects.filter(item=copy, action="forwarded").exists()
    with pytest.raises(Exception, match="Déjà transmis"):
        services.item_forward(item=item, actor=team.cm)


def test_ready_answer_when_the_competent_body_is_not_on_beffroi(client, team):
    item = _store(team, ["Quand sera réparée la route départementale vers le lac ?"])[0]
    client.force_login(team.cm)
    page = client.get(f"/o/{team.org.slug}/ecoute/messages/{item.pk}/").content.decode()
    assert "Conseil départemental" in page


def test_relay_a_local_actor_opens_a_draft_crediting_them(team):
    services.watched_actor_add(
        organisation=team.org,
        actor=team.cm,
        name="Comité des fêtes",
        kind="association",
        network="facebook",
        handle="habitant0",
    )
    item = _store(team, ["Grande brocante dimanche place du marché, venez nombreux !"])[0]
    item.refresh_from_db()
    assert item.from_watched_actor is not None
    draft = services.item_relay(item=item, actor=team.cm, accounts=[team.account])
    assert "Comité des fêtes" in draft.text and "brocante" in draft.text
    assert ModerationEvent.objects.filter(item=item, action="relayed").exists()


def test_each_moderation_act_is_counted_once_in_the_lake(
    team, settings, tmp_path, django_capture_on_commit_callbacks
):
    # The lake keeps one copy of an event id (a retried poll is not counted twice): hide,
    # unhide, hide again are three acts, so three ids.
    from beffroi.analytics.lake import EventLake

    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    item, adapter = _sandbox_comment(team)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_hide(item=item, actor=team.cm, adapter=adapter)
        services.item_hide(item=item, actor=team.cm, adapter=adapter, hidden=False)
        services.item_hide(item=item, actor=team.cm, adapter=adapter)

    events = EventLake(settings.BEFFROI_LAKE_URL).read_all().to_pylist()
    actions = [e["moderation_action"] for e in events if e["kind"] == "moderation"]
    assert actions == ["hidden", "unhidden", "hidden"]
