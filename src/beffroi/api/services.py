"""API tokens and outgoing webhooks: creation, revocation, authentication, signed delivery with retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone

from beffroi.api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from beffroi.api.scopes import SCOPES, WEBHOOK_EVENTS
from beffroi.core import crypto
from beffroi.core.models import Organisation, User
from beffroi.core.permissions import Perm
from beffroi.core.services import DomainError, audit_record, require

logger = logging.getLogger(__name__)

TOKEN_MAX_DAYS = 366
WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, organisation: Organisation, user: User, name: str, scopes: Iterable[str], days: int = 90
) -> tuple[ApiToken, str]:
    """Create a token for the user in the organisation; returns it and its secret, shown only once."""
    require(actor=user, organisation=organisation, perm=Perm.VIEW_ORG)
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise DomainError(f"Portées inconnues ou absentes : {', '.join(unknown) or '(aucune)'}")
    for scope in scopes:  # a token never grants more than its owner's role
        require(actor=user, organisation=organisation, perm=SCOPES[scope])
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise DomainError(f"Durée de validité entre 1 et {TOKEN_MAX_DAYS} jours")
    prefix = secrets.token_hex(4)
    secret = f"bf_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organisation=organisation,
        user=user,
        name=name[:100],
        prefix=prefix,
        token_hash=_hash(secret),
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        actor=user,
        organisation=organisation,
        action="api_token.create",
        obj=token,
        after={"name": token.name, "scopes": scopes, "expires_at": token.expires_at},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    if actor != token.user:
        require(actor=actor, organisation=token.organisation, perm=Perm.MANAGE_MEMBERS)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, organisation=token.organisation, action="api_token.revoke", obj=token)


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The valid (not expired, not revoked) token with this secret, its use recorded."""
    if not secret.startswith("bf_"):
        return None
    token = (
        ApiToken.objects.select_related("organisation", "user")
        .filter(token_hash=_hash(secret))
        .first()
    )
    now = timezone.now()
    if (
        token is None
        or token.revoked_at is not None
        or token.expires_at <= now
        or not token.user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
    return token


@transaction.atomic
def webhook_endpoint_create(
    *, organisation: Organisation, url: str, events: Iterable[str], actor: User | None
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver; returns it and the signing secret, shown only once."""
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_MEMBERS)
    events = sorted(set(events))
    unknown = [e for e in events if e not in WEBHOOK_EVENTS]
    if unknown or not events:
        raise DomainError(f"Événements inconnus ou absents : {', '.join(unknown) or '(aucun)'}")
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise DomainError("Un webhook doit utiliser HTTPS")
    secret = secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url,
        events=events,
        secret_encrypted=crypto.encrypt_json({"secret": secret}),
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="webhook.create",
        obj=endpoint,
        after={"url": url, "events": events},
    )
    return endpoint, secret


def webhook_emit(
    *, organisation: Organisation, event: str, data: Mapping[str, Any]
) -> list[WebhookDelivery]:
    """Record one delivery per subscribed endpoint; they are sent after the transaction commits."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event}")
    deliveries = []
    for endpoint in WebhookEndpoint.objects.filter(organisation=organisation, active=True):
        if event not in endpoint.events:
            continue
        event_id = uuid.uuid4().hex
        payload = {
            "id": event_id,
            "event": event,
            "organisation": organisation.slug,
            "created_at": timezone.now().isoformat(),
            "data": dict(data),
        }
        deliveries.append(
            WebhookDelivery.objects.create(
                endpoint=endpoint,
                event=event,
                event_id=event_id,
                payload=json.loads(json.dumps(payload, default=str)),
            )
        )
    if deliveries:
        ids = [d.id for d in deliveries]
        transaction.on_commit(lambda: _enqueue_deliveries(ids))
    return deliveries


def _enqueue_deliveries(ids: list[int]) -> None:
    """Queue the sends; if the queue is down the deliveries stay pending and the periodic retry sends them."""
    from beffroi.api.tasks import webhook_deliver

    for delivery_id in ids:
        try:
            webhook_deliver(delivery_id)
        except Exception:  # Redis gone, SQLite queue locked...: stored, retried later
            logger.warning(
                "webhook %s not queued; the periodic retry will send it", delivery_id, exc_info=True
            )


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 of `timestamp.body`, as the receiver recomputes it (see docs/api.md)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** (attempts - 1)))


def webhook_delivery_attempt(
    *, delivery: WebhookDelivery, client: httpx.Client | None = None, now: datetime | None = None
) -> WebhookDelivery:
    """Send one delivery; on failure schedule the next attempt with exponential backoff."""
    if delivery.status != WebhookDelivery.Status.PENDING:
        return delivery
    now = now or timezone.now()
    endpoint = delivery.endpoint
    secret = crypto.decrypt_json(endpoint.secret_encrypted)["secret"]
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Beffroi-Webhooks/1",
        "X-Beffroi-Event": delivery.event,
        "X-Beffroi-Delivery": delivery.event_id,
        "X-Beffroi-Timestamp": str(timestamp),
        "X-Beffroi-Signature": webhook_signature(secret, timestamp, body),
    }
    delivery.attempts += 1
    try:
        own_client = client is None
        http = client or httpx.Client(timeout=WEBHOOK_TIMEOUT, follow_redirects=False)
        try:
            response = http.post(endpoint.url, content=body, headers=headers)
        finally:
            if own_client:
                http.close()
        delivery.last_status_code = response.status_code
        ok = 200 <= response.status_code < 300
        delivery.last_error = "" if ok else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        ok = False
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if ok:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, now
    elif delivery.attempts >= WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.next_attempt_at = now + _retry_delay(delivery.attempts)
    delivery.save()
    return delivery


def webhook_deliveries_due(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        ).values_list("id", flat=True)[:500]
    )
