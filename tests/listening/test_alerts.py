"""Production alerts: the burst detector fed by ingestion, its state kept between batches, the alert
notified (e-mail, outgoing webhook, interface), acknowledged and closed with a note."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from beffroi.core.domain import Network
from beffroi.listening import services
from beffroi.listening.ingestion import Incoming, ingest
from beffroi.listening.models import Alert, DetectorState
from tests.listening.conftest import MemoryLake

pytestmark = pytest.mark.django_db

START = datetime(2026, 2, 2, 0, tzinfo=UTC)
CALM = ["Merci pour l'info", "Bonne journée à tous", "À quelle heure ?", "Très bien", "C'est noté"]
ANGRY = [
    "C'est un scandale, la piscine fermée tout l'été",
    "Honte à la mairie pour la piscine",
    "Inadmissible, encore la piscine fermée",
]


def _calm_days(days: int, start: datetime = START) -> list[Incoming]:
    rng = random.Random(4)
    out = []
    at = start
    n = 0
    while at < start + timedelta(days=days):
        at += timedelta(minutes=rng.expovariate(1 / 40))
        negative = rng.random() < 0.1
        out.append(
            Incoming(
                network=Network.FACEBOOK,
                kind="comment",
                remote_id=f"calm-{n}",
                text="C'est nul" if negative else rng.choice(CALM),
                created_at=at,
                author_remote_id=f"calm-author-{rng.randrange(300)}",
                author_handle=f"h{n}",
            )
        )
        n += 1
    return out


def _burst(at: datetime, count: int) -> list[Incoming]:
    return [
        Incoming(
            network=Network.FACEBOOK,
            kind="comment",
            remote_id=f"burst-{i}",
            text=ANGRY[i % 3],
            created_at=at + timedelta(seconds=25 * i),
            author_remote_id=f"angry-{i}",
            author_handle=f"angry{i}",
        )
        for i in range(count)
    ]


def _ingest_hourly(team, messages):
    lake = MemoryLake()
    alerts: list[int] = []
    by_hour: dict[datetime, list[Incoming]] = {}
    for m in messages:
        by_hour.setdefault(m.created_at.replace(minute=0, second=0, microsecond=0), []).append(m)
    for hour in sorted(by_hour):
        alerts += ingest(
            organisation=team.org, account=team.account, messages=by_hour[hour], lake=lake
        ).alerts
    return alerts


@pytest.fixture
def endpoint(team):
    from beffroi.api.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(
        organisation=team.org,
        url="https://exemple.fr/hook",
        secret_encrypted=b"",
        events=["alert.raised"],
    )


def test_calm_days_raise_nothing_and_the_state_is_kept(team):
    assert _ingest_hourly(team, _calm_days(3)) == []
    state = DetectorState.objects.get(organisation=team.org).state
    assert team.org.slug in state["orgs"]


def test_a_negative_burst_raises_one_alert_notified_everywhere(
    team, endpoint, django_capture_on_commit_callbacks, monkeypatch
):
    from beffroi.api import tasks as api_tasks
    from beffroi.api.models import WebhookDelivery

    monkeypatch.setattr(api_tasks, "webhook_deliver", lambda _id: None)  # no network in tests
    calm = _calm_days(3)
    burst_start = START + timedelta(days=3, hours=11)
    _ingest_hourly(team, calm)
    with django_capture_on_commit_callbacks(execute=True):
        alerts = _ingest_hourly(team, _burst(burst_start, 40))
    assert len(alerts) == 1
    alert = Alert.objects.get(pk=alerts[0])
    # Detected within minutes of the start, from the burst's own messages and words.
    assert alert.detected_at - burst_start < timedelta(minutes=5)
    assert "piscine" in alert.terms
    assert alert.driving_items.filter(remote_id__startswith="burst-").exists()
    assert (
        not alert.driving_items.exclude(remote_id__startswith="burst-")
        .filter(sentiment="positive")
        .exists()
    )
    # E-mail to who handles alerts (admin and community manager), webhook, and the interface.
    assert sorted(mail.outbox[0].to) == sorted([team.admin.email, team.cm.email])
    assert WebhookDelivery.objects.get(endpoint=endpoint).event == "alert.raised"


def test_acknowledge_and_close_with_a_note(client, team):
    _ingest_hourly(team, _calm_days(3))
    _ingest_hourly(team, _burst(START + timedelta(days=3, hours=11), 40))
    alert = Alert.objects.get()
    client.force_login(team.cm)
    inbox = client.get(f"/o/{team.org.slug}/ecoute/").content.decode()
    assert "Alerte en cours" in inbox
    base = f"/o/{team.org.slug}/alertes/{alert.pk}/"
    page = client.get(base).content.decode()
    assert "piscine" in page and "Chronologie" in page
    client.post(base + "prendre-en-compte/", {"note": "On prépare un communiqué"})
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", team.cm)
    client.post(base + "clore/", {"note": ""})
    alert.refresh_from_db()
    assert alert.status == "acknowledged"  # a note is required to close
    client.post(base + "clore/", {"note": "Communiqué publié, réouverture annoncée"})
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.close_note.startswith("Communiqué")
    client.force_login(team.analyst)
    assert client.get(base).status_code == 403


def test_a_late_message_does_not_break_the_detector(team):
    _ingest_hourly(team, _calm_days(1))
    late = Incoming(
        network=Network.FACEBOOK,
        kind="comment",
        remote_id="late",
        text="Commentaire arrivé en retard",
        created_at=START + timedelta(hours=2),
        author_remote_id="x",
        author_handle="x",
    )
    assert (
        ingest(
            organisation=team.org, account=team.account, messages=[late], lake=MemoryLake()
        ).stored
        == 1
    )


def test_closing_needs_the_permission(team):
    _ingest_hourly(team, _calm_days(3))
    _ingest_hourly(team, _burst(START + timedelta(days=3, hours=11), 40))
    alert = Alert.objects.get()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.alert_close(alert=alert, actor=team.validator, note="non")
