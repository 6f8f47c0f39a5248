"""Faults across modules: the database gone during a request, the disk full while the lake is
written, Redis gone while a webhook is ingested. Reported, then resumed; nothing lost or doubled."""

from __future__ import annotations

import errno
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from beffroi.core import outage
from beffroi.core.domain import Network
from beffroi.core.models import NetworkAccount, Role

pytestmark = pytest.mark.django_db


def _unavailable(self):
    raise OperationalError("could not connect to server: Connection refused")


def test_a_page_while_the_database_is_down_is_a_clear_503_then_works_again(
    make_org, make_member, monkeypatch
):
    org = make_org()
    client = Client(raise_request_exception=False)
    client.force_login(make_member(org, Role.ADMIN))

    # Every query now fails as when PostgreSQL restarts (session, user, page: all of them).
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", _unavailable)
    page = client.get(f"/o/{org.slug}/")
    api = client.get("/api/v1/organisations", HTTP_ACCEPT="application/json")
    monkeypatch.undo()

    assert page.status_code == 503 and page["Retry-After"] == "30"
    body = page.content.decode()
    assert (
        "Service momentanément indisponible" in body and "Rien de ce qui était enregistré" in body
    )
    assert "Traceback" not in body and "OperationalError" not in body
    assert api.status_code == 503 and api.json()["code"] == "unavailable"

    assert client.get(f"/o/{org.slug}/").status_code == 200


def test_other_errors_keep_the_ordinary_500_page(rf):
    try:
        raise RuntimeError("bogue")
    except RuntimeError:
        response = outage.server_error(rf.get("/o/x/"))
    assert response.status_code == 500
    assert "Retry-After" not in response


# ----------------------------------------------------------------------------- disk full


def _messages(n: int, start: datetime):
    from beffroi.listening.ingestion import Incoming

    return [
        Incoming(
            network=Network.FACEBOOK,
            kind="comment",
            remote_id=f"c-{start:%Y%m%d%H%M}-{i}",
            text=f"Quand passe la collecte des déchets rue {i} ?",
            created_at=start + timedelta(minutes=i),
            author_remote_id=f"u-{i}",
            author_handle=f"habitant{i}",
            author_name="Habitant",
            post_remote_id="p-1",
        )
        for i in range(n)
    ]


def test_a_full_disk_while_writing_the_lake_loses_nothing_and_doubles_nothing(
    make_org, enricher, lake_dir, monkeypatch
):
    from beffroi.analytics import lake as lake_module
    from beffroi.analytics.lake import EventLake
    from beffroi.listening.ingestion import ingest
    from beffroi.listening.models import InboxItem

    org = make_org()
    account = NetworkAccount.objects.create(organisation=org, network="facebook", handle="Ville")
    lake = EventLake(str(lake_dir))
    ingest(
        organisation=org,
        account=account,
        messages=_messages(2, datetime(2026, 3, 2, 9, tzinfo=UTC)),
        lake=lake,
    )
    visible_before = sorted(lake_dir.glob("events/month=*/*.parquet"))

    real_write = pq.write_table

    def disk_fills_up(table, sink, **kwargs):
        real_write(table.slice(0, 1), sink, **kwargs)  # the first bytes fit...
        raise OSError(errno.ENOSPC, "No space left on device")  # ...then the disk is full

    later = _messages(5, datetime(2026, 3, 3, 9, tzinfo=UTC))
    monkeypatch.setattr(lake_module.pq, "write_table", disk_fills_up)
    with pytest.raises(OSError) as full:
        ingest(organisation=org, account=account, messages=later, lake=lake)
    monkeypatch.setattr(lake_module.pq, "write_table", real_write)

    # Reported: the error reaches the caller (the poll task: logged, counted on /metrics/).
    assert full.value.errno == errno.ENOSPC
    # The inbox did not take what the lake could not: the transaction rolled back together.
    assert InboxItem.objects.filter(organisation=org).count() == 2
    # The lake stays readable; the cut file is hidden from every reader.
    assert sorted(lake_dir.glob("events/month=*/*.parquet")) == visible_before
    assert lake.read_all().num_rows == 2
    assert list(lake_dir.glob("events/month=*/.*.partial"))

    # Space is freed, the worker starts (recover) and the next poll brings the same messages.
    lake.recover()
    result = ingest(organisation=org, account=account, messages=later, lake=lake)
    assert result.stored == 5 and result.duplicates == 0
    assert InboxItem.objects.filter(organisation=org).count() == 7
    events = lake.read_all()
    assert events.num_rows == 7
    assert len(set(events.column("event_id").to_pylist())) == 7  # none doubled
    assert not list(lake_dir.glob("events/month=*/.*.partial"))


# ----------------------------------------------------------------------------- Redis gone


@pytest.fixture
def redis_gone(monkeypatch):
    """The task queue is Redis, and nothing answers on its port (a restart, a network cut)."""
    from huey import RedisHuey
    from huey.contrib.djhuey import HUEY

    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "storage", RedisHuey("gone", url="redis://127.0.0.1:1/0").storage)
    return HUEY


def test_an_insult_ingested_while_redis_is_gone_is_kept_and_hidden_all_the_same(
    team, redis_gone, caplog, django_capture_on_commit_callbacks
):
    import redis

    from beffroi.core.adapters import adapter_for_account
    from beffroi.listening import services
    from beffroi.listening.ingestion import Incoming, ingest
    from beffroi.listening.models import InboxItem
    from tests.listening.conftest import MemoryLake

    with pytest.raises(redis.exceptions.ConnectionError):
        redis_gone.pending_count()  # the queue really does not answer

    services.charter_save(
        organisation=team.org, actor=team.admin, insults="hide", mask_phones=True, mask_emails=True
    )
    now = datetime.now(UTC)
    adapter = adapter_for_account(team.account, clock=lambda: now)
    post = adapter.fetch_posts(since=now - timedelta(days=20))[0]
    comment = adapter.fetch_comments(post.remote_id, since=now - timedelta(days=20))[0]
    insult = Incoming(
        network=Network.FACEBOOK,
        kind="comment",
        remote_id=comment.remote_id,
        text="Bande de connards, vous êtes des incapables",
        created_at=now - timedelta(minutes=5),
        author_remote_id="u-9",
        author_handle="furieux",
        author_name="Furieux",
        post_remote_id=post.remote_id,
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = ingest(
            organisation=team.org, account=team.account, messages=[insult], can_hide=True,
            lake=MemoryLake(),
        )  # fmt: skip

    assert result.stored == 1 and result.to_hide
    item = InboxItem.objects.get(remote_id=comment.remote_id)  # kept
    assert item.hidden_at is not None  # and processed, though the queue was gone
    assert comment.remote_id in adapter_for_account(team.account, clock=lambda: now).state.hidden
    assert "file de tâches injoignable" in caplog.text
