"""Faults: the queue or the database gone for a moment. The application reports it and resumes; nothing is lost."""

import pytest
from django.db import OperationalError
from huey import RedisHuey

from beffroi.api import services as api_services
from beffroi.api.models import WebhookDelivery
from beffroi.core.models import Role

pytestmark = pytest.mark.django_db


def test_a_webhook_emitted_while_redis_is_gone_is_kept_and_sent_later(
    make_org, make_member, monkeypatch, django_capture_on_commit_callbacks
):
    from beffroi.api import tasks

    org = make_org()
    admin = make_member(org, Role.ADMIN)
    api_services.webhook_endpoint_create(
        organisation=org, url="https://intranet.example/hooks", events=["alert.raised"], actor=admin
    )
    # A Redis queue on a port where nothing listens: enqueueing raises ConnectionError.
    gone = RedisHuey("beffroi-test", url="redis://127.0.0.1:1/0", immediate=False)
    monkeypatch.setattr(tasks.webhook_deliver, "huey", gone)

    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = api_services.webhook_emit(
            organisation=org, event="alert.raised", data={"n": 1}
        )

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.id in api_services.webhook_deliveries_due()


def test_health_reports_a_database_outage_then_recovers(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    original = BaseDatabaseWrapper.cursor

    def unavailable(self):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", unavailable)
    response = client.get("/sante/")
    assert response.status_code == 503 and response.json()["database"] == "OperationalError"

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", original)
    assert client.get("/sante/").status_code == 200


def test_the_queue_runs_on_a_real_redis_when_configured():
    import os

    url = os.environ.get("BEFFROI_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("BEFFROI_TEST_REDIS_URL is required in CI (.ci/run starts Redis)")
        pytest.skip("Redis not configured (BEFFROI_TEST_REDIS_URL)")
    huey = RedisHuey("beffroi-ci", url=url)
    huey.flush()

    @huey.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    assert len(huey) == 1  # queued in Redis, not run inline
    task = huey.dequeue()
    huey.execute(task)
    assert result.get() == 5
    huey.flush()
