"""Metrics for the operator's monitoring, in Prometheus text format at /metrics/.

Two kinds of figures, gathered differently because gunicorn runs several processes:

- what happens in a process (requests served and their latency by view, task errors in the
  worker) is counted by prometheus-client. With `PROMETHEUS_MULTIPROC_DIR` set (one directory
  shared by the web processes and the worker, emptied at boot), each process writes its counters
  to files there and a scrape adds them up, whichever process answers it. Without it (one process,
  development, tests) the counters live in the process.
- the state of the application (tasks waiting in the queue, webhook deliveries, accounts by
  token health, open alerts, failed publications) is read from the database and the queue at
  scrape time, so every process gives the same answer and nothing has to be kept in step.

Access: a scraper sends `Authorization: Bearer <BEFFROI_METRICS_TOKEN>`. Without that variable,
only a direct request from the machine itself is answered: one that came through the reverse
proxy (it carries `X-Forwarded-For`) is refused, since nginx also connects from 127.0.0.1.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from huey.signals import SIGNAL_ERROR
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
TOKEN_ENV = "BEFFROI_METRICS_TOKEN"
_LOOPBACK = {"127.0.0.1", "::1"}

# Per-process metrics. In multiprocess mode prometheus-client writes them to files instead; the
# registry is then only used when PROMETHEUS_MULTIPROC_DIR is absent.
PROCESS_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "beffroi_http_requests",
    "Requêtes HTTP servies, par vue, méthode et classe de statut.",
    ["view", "method", "status"],
    registry=PROCESS_REGISTRY,
)
LATENCY = Histogram(
    "beffroi_http_request_duration_seconds",
    "Durée de traitement des requêtes HTTP par vue (secondes).",
    ["view"],
    # Page budget is 200 ms at the 95th percentile: buckets dense around it.
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=PROCESS_REGISTRY,
)
TASK_ERRORS = Counter(
    "beffroi_task_errors",
    "Tâches de fond terminées en erreur (chaque tentative compte), par tâche.",
    ["task"],
    registry=PROCESS_REGISTRY,
)


class MetricsMiddleware:
    """Counts each request and its duration under the name of the view that served it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = _view_label(request)
        REQUESTS.labels(view, request.method or "", f"{response.status_code // 100}xx").inc()
        LATENCY.labels(view).observe(elapsed)
        return response


def _view_label(request: HttpRequest) -> str:
    # The view name, never the path: paths carry slugs and ids, one series each would explode.
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "non_resolue"
    return match.view_name or match._func_path


def task_error_record(task: Any, exc: BaseException | None = None) -> None:
    """Huey signal handler: one more error for this task's name."""
    TASK_ERRORS.labels(getattr(task, "name", type(task).__name__)).inc()


def task_signals_connect() -> None:
    """Counts task errors in whichever process runs the tasks (the worker, or inline in tests)."""
    from huey.contrib.djhuey import HUEY

    HUEY.disconnect_signal(_on_task_error)  # idempotent: a second import must not count twice
    HUEY.signal(SIGNAL_ERROR)(_on_task_error)


def _on_task_error(signal: str, task: Any, exc: BaseException | None = None) -> None:
    task_error_record(task, exc)


class ApplicationStateCollector(Collector):
    """Gauges read from the database and the queue at each scrape."""

    def collect(self) -> Iterator[Metric]:
        yield from _queue_gauges()
        yield _by_status(
            "beffroi_webhook_deliveries",
            "Livraisons de webhooks sortants par statut (en attente, livrées, échecs définitifs).",
            _webhook_counts(),
        )
        yield _by_status(
            "beffroi_network_accounts",
            "Comptes de réseaux sociaux par état du jeton (ok, expire bientôt, expiré, ...).",
            _account_health_counts(),
            label="health",
        )
        yield _by_status(
            "beffroi_alerts",
            "Alertes de bad buzz par statut (ouvertes, prises en compte, closes).",
            _alert_counts(),
        )
        yield _by_status(
            "beffroi_publication_variants",
            "Variantes de publication par état (à publier, en cours, publiées, échecs, annulées).",
            _variant_counts(),
            label="state",
        )


def _by_status(name: str, documentation: str, counts: dict[str, int], *, label: str = "status"):
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, count in sorted(counts.items()):
        family.add_metric([value], count)
    return family


def _counts(model: Any, field: str, choices: Any) -> dict[str, int]:
    # Every choice appears, at 0 when absent: an alert rule on `failed > 0` needs the series.
    counts = {str(value): 0 for value in choices.values}
    for row in model.objects.values(field).annotate(n=Count("pk")).order_by():
        counts[str(row[field])] = row["n"]
    return counts


def _webhook_counts() -> dict[str, int]:
    from beffroi.api.models import WebhookDelivery

    return _counts(WebhookDelivery, "status", WebhookDelivery.Status)


def _account_health_counts() -> dict[str, int]:
    from beffroi.core.models import NetworkAccount

    return _counts(NetworkAccount, "health", NetworkAccount.Health)


def _alert_counts() -> dict[str, int]:
    from beffroi.listening.models import Alert

    return _counts(Alert, "status", Alert.Status)


def _variant_counts() -> dict[str, int]:
    from beffroi.publishing.models import Variant

    return _counts(Variant, "state", Variant.State)


def _queue_gauges() -> Iterator[Metric]:
    from huey.contrib.djhuey import HUEY

    up = GaugeMetricFamily("beffroi_queue_up", "1 si la file de tâches (Huey) répond, 0 sinon.")
    try:
        pending, scheduled = HUEY.pending_count(), HUEY.scheduled_count()
    except Exception as exc:  # noqa: BLE001 - Redis gone must show as a metric, not a 500
        logger.warning("metrics: the task queue does not answer (%s)", type(exc).__name__)
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    yield GaugeMetricFamily(
        "beffroi_queue_pending_tasks", "Tâches en attente dans la file (Huey).", value=pending
    )
    yield GaugeMetricFamily(
        "beffroi_queue_scheduled_tasks",
        "Tâches programmées pour plus tard ou en attente de nouvelle tentative (Huey).",
        value=scheduled,
    )


class _ProcessCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from PROCESS_REGISTRY.collect()


def metrics_text() -> bytes:
    """One scrape: the process (or all processes) counters, then the application state."""
    registry = CollectorRegistry(auto_describe=False)
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ProcessCollector())
    registry.register(ApplicationStateCollector())
    return generate_latest(registry)


def metrics_allowed(request: HttpRequest) -> bool:
    """The configured token, or without one a direct request from the machine itself."""
    token = os.environ.get(TOKEN_ENV, "")
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR") in _LOOPBACK and "X-Forwarded-For" not in request.headers


def metrics_view(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    if not metrics_allowed(request):
        return HttpResponse(
            "Métriques réservées à la supervision : envoyez le jeton BEFFROI_METRICS_TOKEN.",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE)
