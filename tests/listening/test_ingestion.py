"""Ingestion: cursors that survive restarts, duplicates, malformed input, the charter, the lake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from beffroi.core.domain import Network
from beffroi.listening.ingestion import Incoming, MalformedMessage, ingest, poll_account
from beffroi.listening.models import InboxItem, IngestCursor, ModerationEvent
from tests.listening.conftest import MemoryLake

pytestmark = pytest.mark.django_db

T1 = datetime(2026, 3, 1, 12, tzinfo=UTC)
T2 = T1 + timedelta(hours=30)


def _adapter(account, at):
    from beffroi.core.adapters import adapter_for_account

    return adapter_for_account(account, clock=lambda: at)


def _message(remote_id: str, text: str, at: datetime = T1, **extra) -> Incoming:
    return Incoming(
        network=Network.FACEBOOK,
        kind=extra.pop("kind", "comment"),
        remote_id=remote_id,
        text=text,
        created_at=at,
        author_remote_id=extra.pop("author", "u-1"),
        author_handle=extra.pop("handle", "camille"),
        author_name="Camille",
        post_remote_id=extra.pop("post", "p-1"),
        **extra,
    )


def test_two_polls_with_a_restart_read_what_one_poll_reads(team, make_org):
    """No message read twice, none skipped: poll at T1, restart, poll at T2 == one poll at T2."""
    from beffroi.core import services as core
    from beffroi.networks.sandbox.state import forget_states

    poll_account(team.account, adapter=_adapter(team.account, T1), now=T1)
    first = InboxItem.objects.filter(organisation=team.org).count()
    assert first > 0
    forget_states()  # a new worker process: only the database remembers
    second = poll_account(team.account, adapter=_adapter(team.account, T2), now=T2)
    assert second.stored > 0
    assert all(r.duplicates == 0 for r in second.streams.values())

    other = make_org(name="Témoin")
    twin = core.network_account_create(
        organisation=other,
        network="facebook",
        handle="VilleDeSaintAubin",
        simulated=True,
        credentials={
            "sandbox_seed": f"ecoute-{team.org.slug}",
            "start": "2026-01-01T00:00:00+00:00",
        },
        actor=None,
    )
    forget_states()
    poll_account(twin, adapter=_adapter(twin, T2), now=T2, lake=MemoryLake())
    ids = set(InboxItem.objects.filter(organisation=team.org).values_list("remote_id", flat=True))
    twin_ids = set(InboxItem.objects.filter(organisation=other).values_list("remote_id", flat=True))
    # The first poll of the twin looks back 7 days from T2; ours began 7 days before T1.
    since = T2 - timedelta(days=7)
    assert {
        i
        for i in ids
        if InboxItem.objects.get(organisation=team.org, remote_id=i).created_at >= since
    } == twin_ids


def test_a_poll_at_the_same_time_finds_nothing_new(team):
    poll_account(team.account, adapter=_adapter(team.account, T1), now=T1)
    again = poll_account(team.account, adapter=_adapter(team.account, T1), now=T1)
    assert again.stored == 0


def test_a_failed_ingest_stores_nothing_and_keeps_the_cursor(team):
    from beffroi.analytics.lake import LakeError

    with pytest.raises(LakeError):
        poll_account(
            team.account, adapter=_adapter(team.account, T1), now=T1, lake=MemoryLake(fail=True)
        )
    assert not InboxItem.objects.filter(organisation=team.org).exists()
    cursor = IngestCursor.objects.get(account=team.account, stream="comments")
    assert cursor.position is None
    # Next poll (lake back): everything is read, nothing was lost.
    result = poll_account(team.account, adapter=_adapter(team.account, T1), now=T1)
    assert result.stored == InboxItem.objects.filter(organisation=team.org).count() > 0


def test_cursor_keeps_ids_at_its_position_so_ties_are_neither_lost_nor_doubled(team):
    lake = MemoryLake()
    a = _message("c-a", "Quand sera réparée la rue ?", T1)
    ingest(organisation=team.org, account=team.account, messages=[a], lake=lake)
    cursor = IngestCursor.objects.create(account=team.account, stream="test")
    from beffroi.listening.ingestion import advance, new_since_cursor

    advance(cursor, [a], T1)
    b = _message("c-b", "Même heure, autre message", T1)
    assert [m.remote_id for m in new_since_cursor(cursor, [a, b])] == ["c-b"]
    advance(cursor, [b], T1)
    assert cursor.ids_at_position == ["c-a", "c-b"]
    assert new_since_cursor(cursor, [a, b]) == []


def test_duplicates_in_a_batch_and_across_batches_are_stored_once(team):
    lake = MemoryLake()
    message = _message("c-1", "C'est inadmissible, toujours pas de réponse ?")
    first = ingest(
        organisation=team.org, account=team.account, messages=[message, message], lake=lake
    )
    second = ingest(organisation=team.org, account=team.account, messages=[message], lake=lake)
    assert (first.stored, first.duplicates) == (1, 1)
    assert (second.stored, second.duplicates) == (0, 1)
    assert InboxItem.objects.filter(remote_id="c-1").count() == 1
    assert len(lake.events) == 1


def test_a_malformed_message_refuses_the_whole_batch(team):
    good = _message("c-ok", "Bonjour")
    bad = _message("c-bad", "texte avec un \x00 nul")
    with pytest.raises(MalformedMessage):
        ingest(organisation=team.org, account=team.account, messages=[good, bad], lake=MemoryLake())
    naive = _message("c-naive", "sans fuseau", datetime(2026, 3, 1, 12))
    with pytest.raises(MalformedMessage):
        ingest(organisation=team.org, account=team.account, messages=[naive], lake=MemoryLake())
    assert not InboxItem.objects.exists()


def test_understanding_decides_what_needs_action_and_the_route(team):
    lake = MemoryLake()
    ingest(
        organisation=team.org,
        account=team.account,
        messages=[
            _message("m1", "Merci pour la fête, super soirée"),
            _message("m2", "Quand allez-vous réparer la route départementale D12 ?"),
            _message("m3", "Bande d'incapables", kind="reply"),
        ],
        lake=lake,
    )
    thanks, request, insult = (InboxItem.objects.get(remote_id=r) for r in ("m1", "m2", "m3"))
    assert (thanks.needs_action, thanks.status) == (False, "closed")
    assert (request.needs_action, request.is_request, request.route_level) == (
        True,
        True,
        "departement",
    )
    assert insult.is_toxic and insult.needs_action
    # Default charter: insults are proposed for hiding, with a line in the moderation log.
    assert insult.hide_proposed
    assert ModerationEvent.objects.filter(item=insult, action="hide_proposed").exists()
    assert [e.kind for e in lake.events] == ["comment", "comment", "comment"]
    assert {e.expects_response for e in lake.events} == {True, False}


def test_charter_masks_phones_and_emails_and_hides_insults_on_the_network(
    team, django_capture_on_commit_callbacks
):
    from beffroi.listening import services

    services.charter_save(
        organisation=team.org, actor=team.admin, insults="hide", mask_phones=True, mask_emails=True
    )
    at = datetime.now(UTC) - timedelta(minutes=5)
    adapter = _adapter(team.account, datetime.now(UTC))
    post = adapter.fetch_posts(since=at - timedelta(days=20))[0]
    comment = adapter.fetch_comments(post.remote_id, since=at - timedelta(days=20))[0]
    insult = _message(
        comment.remote_id, "Bande de connards, appelez-moi au 06 12 34 56 78 ou a@b.fr", at,
        post=post.remote_id,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        ingest(
            organisation=team.org, account=team.account, messages=[insult], can_hide=True,
            lake=MemoryLake(),
        )  # fmt: skip
    item = InboxItem.objects.get(remote_id=comment.remote_id)
    assert "06 12" not in item.text and "a@b.fr" not in item.text
    assert "[téléphone masqué]" in item.text and "[e-mail masqué]" in item.text
    # Hidden on the (simulated) network by the charter, after the commit; logged as automatic.
    assert item.hidden_at is not None
    event = ModerationEvent.objects.get(item=item, action="hidden")
    assert event.actor is None
    assert comment.remote_id in _adapter(team.account, datetime.now(UTC)).state.hidden


def test_messages_reach_the_parquet_lake_pseudonymised(team, lake_dir):
    import pyarrow.parquet as pq

    ingest(
        organisation=team.org,
        account=team.account,
        messages=[_message("m-lake", "Les poubelles ne sont pas passées ?", author="raw-author")],
    )
    files = list(lake_dir.rglob("*.parquet"))
    table = pq.read_table(files[0]).to_pylist()
    assert table[0]["event_id"] == "m-lake"
    assert table[0]["organisation"] == team.org.slug
    assert table[0]["author"] != "raw-author" and table[0]["author"]
    assert table[0]["text"] is None  # citizens' words stay out of the lake


def test_keyword_listening_goes_through_the_networks_search(team):
    from beffroi.listening import services

    keyword = services.keyword_add(organisation=team.org, actor=team.cm, query="  Valmont ")
    assert keyword.query == "Valmont"
    result = poll_account(team.account, adapter=_adapter(team.account, T1), now=T1)
    found = InboxItem.objects.filter(organisation=team.org, kind="search")
    assert result.streams[f"search:{keyword.pk}"].stored == found.count() > 0
    assert {i.keyword for i in found} == {"Valmont"}
    assert all("valmont" in i.text.lower() for i in found)
    # A message both mentioned and found by the search is stored once.
    again = poll_account(team.account, adapter=_adapter(team.account, T1), now=T1)
    assert again.stored == 0


def test_a_failing_stream_keeps_its_cursor_and_the_others_go_on(team):
    from beffroi.networks.errors import RateLimited

    adapter = _adapter(team.account, T1)
    adapter.faults.fail_next(
        "fetch_mentions", RateLimited(Network.FACEBOOK, "quota", retry_after=60)
    )
    result = poll_account(team.account, adapter=adapter, now=T1)
    assert "mentions" in result.errors and result.streams["comments"].stored > 0
    cursor = IngestCursor.objects.get(account=team.account, stream="mentions")
    assert cursor.position is None and "quota" in cursor.last_error
    later = poll_account(team.account, adapter=_adapter(team.account, T1), now=T1)
    assert later.streams["mentions"].stored > 0
