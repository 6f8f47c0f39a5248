"""The metrics endpoint: what a Prometheus scraper reads, who may read it, and how the processes
of a multi-process gunicorn add up."""

import os
import subprocess
import sys

import pytest
from huey import RedisHuey
from prometheus_client.parser import text_string_to_metric_families

from beffroi.api import services as api_services
from beffroi.api.models import WebhookDelivery
from beffroi.core.models import NetworkAccount, Role
from beffroi.listening.models import Alert

pytestmark = pytest.mark.django_db

MIDDLEWARE = "beffroi.core.metrics.MetricsMiddleware"


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics/", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_the_application_state_is_read_from_the_database_at_each_scrape(
    client, make_org, make_member, make_alert
):
    org = make_org()
    admin = make_member(org, Role.ADMIN)
    NetworkAccount.objects.create(organisation=org, network="mastodon", handle="@a", health="ok")
    NetworkAccount.objects.create(organisation=org, network="x", handle="@b", health="expired")
    NetworkAccount.objects.create(organisation=org, network="bluesky", handle="c", health="expired")
    endpoint, _secret = api_services.webhook_endpoint_create(
        organisation=org, url="https://intranet.example/h", events=["alert.raised"], actor=admin
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint, event="alert.raised", event_id="e1", payload={}, status="failed"
    )
    make_alert(org)

    samples = scrape(client)

    assert samples[("beffroi_network_accounts", (("health", "expired"),))] == 2
    assert samples[("beffroi_network_accounts", (("health", "ok"),))] == 1
    assert samples[("beffroi_network_accounts", (("health", "permission"),))] == 0
    assert samples[("beffroi_webhook_deliveries", (("status", "failed"),))] == 1
    assert samples[("beffroi_webhook_deliveries", (("status", "pending"),))] == 0
    assert samples[("beffroi_alerts", (("status", "open"),))] == 1
    assert samples[("beffroi_publication_variants", (("state", "failed"),))] == 0
    assert samples[("beffroi_queue_up", ())] == 1
    assert ("beffroi_queue_pending_tasks", ()) in samples

    Alert.objects.update(status="closed")
    samples = scrape(client)
    assert samples[("beffroi_alerts", (("status", "open"),))] == 0
    assert samples[("beffroi_alerts", (("status", "closed"),))] == 1


def test_a_queue_that_does_not_answer_is_a_metric_not_an_error(client, monkeypatch):
    from huey.contrib import djhuey

    monkeypatch.setattr(djhuey, "HUEY", RedisHuey("gone", url="redis://127.0.0.1:1/0"))
    samples = scrape(client)
    assert samples[("beffroi_queue_up", ())] == 0
    assert ("beffroi_queue_pending_tasks", ()) not in samples


def test_requests_are_counted_and_timed_by_view_name_not_by_path(client, settings):
    assert settings.MIDDLEWARE[0] == MIDDLEWARE  # first: refused and redirected requests count too
    key = (
        "beffroi_http_requests_total",
        (("method", "GET"), ("status", "2xx"), ("view", "core:health")),
    )
    before = scrape(client).get(key, 0)
    latency = ("beffroi_http_request_duration_seconds_count", (("view", "core:health"),))
    latency_before = scrape(client).get(latency, 0)

    client.get("/sante/")
    client.get("/sante/")
    client.get("/pas-de-page-ici/")

    samples = scrape(client)
    assert samples[key] == before + 2
    assert samples[latency] == latency_before + 2
    unresolved = (
        "beffroi_http_requests_total",
        (("method", "GET"), ("status", "4xx"), ("view", "non_resolue")),
    )
    assert samples[unresolved] >= 1


def test_task_errors_are_counted_per_task():
    from huey.contrib.djhuey import HUEY

    import beffroi.core.tasks  # noqa: F401 - connects the signal, as in the worker
    from beffroi.core.metrics import TASK_ERRORS

    @HUEY.task(name="platform_test_fails")
    def fails():
        raise RuntimeError("réseau injoignable")

    before = TASK_ERRORS.labels("platform_test_fails")._value.get()
    fails()
    fails()
    assert TASK_ERRORS.labels("platform_test_fails")._value.get() == before + 2


@pytest.mark.parametrize(
    ("token", "headers", "status"),
    [
        ("", {"REMOTE_ADDR": "127.0.0.1"}, 200),
        ("", {"REMOTE_ADDR": "203.0.113.9"}, 403),
        # Through nginx the peer is 127.0.0.1 too: the forwarded header gives it away.
        ("", {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, 403),
        ("s3cret-metrics", {"REMOTE_ADDR": "127.0.0.1"}, 403),
        ("s3cret-metrics", {"HTTP_AUTHORIZATION": "Bearer wrong"}, 403),
        (
            "s3cret-metrics",
            {"HTTP_AUTHORIZATION": "Bearer s3cret-metrics", "REMOTE_ADDR": "203.0.113.9"},
            200,
        ),
    ],
)
def test_who_may_read_the_metrics(client, monkeypatch, token, headers, status):
    monkeypatch.setenv("BEFFROI_METRICS_TOKEN", token)
    response = client.get("/metrics/", **headers)
    assert response.status_code == status
    if status == 403:
        assert "BEFFROI_METRICS_TOKEN" in response.content.decode()
        assert b"beffroi_" not in response.content


WORKER = """
from beffroi.core.metrics import LATENCY, REQUESTS
for _ in range({n}):
    REQUESTS.labels("publishing:calendar", "GET", "2xx").inc()
    LATENCY.labels("publishing:calendar").observe(0.05)
"""


def test_the_counters_of_every_gunicorn_process_are_added_up(client, tmp_path, monkeypatch):
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for n in (2, 3):  # two processes, as two gunicorn workers would be
        subprocess.run([sys.executable, "-c", WORKER.format(n=n)], env=environment, check=True)

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape(client)
    calendar = (("method", "GET"), ("status", "2xx"), ("view", "publishing:calendar"))
    assert samples[("beffroi_http_requests_total", calendar)] == 5
    assert (
        samples[("beffroi_http_request_duration_seconds_count", (("view", "publishing:calendar"),))]
        == 5
    )
    assert samples[("beffroi_network_accounts", (("health", "ok"),))] == 0  # the database part too
