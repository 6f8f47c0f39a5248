"""Facebook Page and Instagram webhooks: Meta pushes comments and mentions as they happen.

The signature (X-Hub-Signature-256, HMAC of the raw body with the app secret) is checked before
anything is read, by beffroi.networks.meta_webhooks. A refused request is answered with the status
Meta should see (403 for a bad signature, 400 for a broken body) and logged with its reason and
size, never its content. A batch is stored whole or not at all; a retried delivery stores nothing
twice (messages are unique per organisation and network).
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from beffroi.core.domain import Network
from beffroi.core.models import NetworkAccount
from beffroi.core.queue import enqueue_after_commit
from beffroi.listening.ingestion import (
    Incoming,
    MalformedMessage,
    from_comment,
    from_mention,
    ingest,
)
from beffroi.listening.models import InboxItem, ModerationEvent
from beffroi.networks.meta_webhooks import (
    SIGNATURE_HEADER,
    WebhookBatch,
    WebhookRejected,
    parse_webhook,
    subscription_challenge,
)

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, ""))


def _entry_of_messages(body: bytes) -> dict[str, str]:
    """Message id -> id of the Page or Instagram account it was sent for (the entry's id)."""
    payload = json.loads(body)
    owner: dict[str, str] = {}
    for entry in payload.get("entry", []):
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            for key in ("comment_id", "id", "post_id"):
                if value.get(key):
                    owner.setdefault(str(value[key]), str(entry.get("id", "")))
    return owner


def _accounts(network: Network, remote_id: str) -> list[NetworkAccount]:
    return list(
        NetworkAccount.objects.select_related("organisation").filter(
            network=network.value, remote_id=remote_id
        )
    )


@transaction.atomic
def receive_batch(batch: WebhookBatch, body: bytes) -> dict[str, int]:
    """Store a verified batch for every account it concerns; one transaction for all of it."""
    owner = _entry_of_messages(body)
    grouped: dict[str, list[Incoming]] = defaultdict(list)
    for comment in batch.comments:
        grouped[owner.get(comment.remote_id, "")].append(from_comment(comment, batch.network))
    for mention in batch.mentions:
        grouped[owner.get(mention.remote_id, "")].append(from_mention(mention, batch.network))
    counts = {"stored": 0, "duplicates": 0, "unknown_account": 0, "removed": 0, "refs": 0}
    for entry_id, messages in grouped.items():
        accounts = _accounts(batch.network, entry_id) if entry_id else []
        if not accounts:
            logger.warning(
                "webhook %s : %d messages pour un compte inconnu (%s), ignorés",
                batch.network.value,
                len(messages),
                entry_id or "sans identifiant",
            )
            counts["unknown_account"] += len(messages)
            continue
        for account in accounts:
            result = ingest(
                organisation=account.organisation,
                account=account,
                messages=messages,
                can_hide=True,
            )
            counts["stored"] += result.stored
            counts["duplicates"] += result.duplicates
    counts["removed"] = _removed(batch)
    refs_by_account: dict[str, list[dict[str, str | None]]] = defaultdict(list)
    for ref in batch.mention_refs:
        refs_by_account[ref.account_id].append(
            {"account_id": ref.account_id, "media_id": ref.media_id, "comment_id": ref.comment_id}
        )
    for remote_id, refs in refs_by_account.items():
        for account in _accounts(batch.network, remote_id):
            from beffroi.listening.tasks import listening_resolve_mentions

            counts["refs"] += len(refs)
            enqueue_after_commit(listening_resolve_mentions, account.pk, refs)
    return counts


def _removed(batch: WebhookBatch) -> int:
    """Comments their authors removed: no longer visible from now on (for the exposure record)."""
    if not batch.removed_comment_ids:
        return 0
    now = timezone.now()
    items = list(
        InboxItem.objects.filter(
            network=batch.network.value,
            remote_id__in=batch.removed_comment_ids,
            deleted_at__isnull=True,
        )
    )
    for item in items:
        item.deleted_at = now
        item.save(update_fields=["deleted_at"])
        ModerationEvent.objects.create(
            organisation=item.organisation,
            item=item,
            action=ModerationEvent.Action.DELETED,
            detail="supprimé sur le réseau par son auteur",
        )
    return len(items)


def _refuse(request: HttpRequest, rejected: WebhookRejected, size: int) -> HttpResponse:
    logger.warning(
        "webhook Meta refusé (HTTP %d) : %s — %d octets, de %s",
        rejected.status,
        rejected,
        size,
        request.META.get("REMOTE_ADDR", "?"),
    )
    return HttpResponse(str(rejected), status=rejected.status, content_type="text/plain")


@csrf_exempt  # Meta cannot send a CSRF token: the HMAC signature authenticates the request.
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        try:
            challenge = subscription_challenge(
                {k: str(v) for k, v in request.GET.items()}, _setting("META_WEBHOOK_VERIFY_TOKEN")
            )
        except WebhookRejected as rejected:
            return _refuse(request, rejected, 0)
        return HttpResponse(challenge, content_type="text/plain")
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY_BYTES:
        return _refuse(request, WebhookRejected("corps trop volumineux", status=413), length)
    body = request.body
    try:
        batch = parse_webhook(
            body, request.headers.get(SIGNATURE_HEADER), _setting("META_APP_SECRET")
        )
        counts = receive_batch(batch, body)
    except WebhookRejected as rejected:
        return _refuse(request, rejected, len(body))
    except MalformedMessage as malformed:
        return _refuse(request, WebhookRejected(f"message illisible : {malformed}"), len(body))
    except (KeyError, TypeError, ValueError) as broken:
        # A field the parser needs is missing or of the wrong type: the whole batch is refused.
        return _refuse(
            request, WebhookRejected(f"champ absent ou illisible : {broken!r}"), len(body)
        )
    logger.info("webhook %s reçu : %s", batch.network.value, counts)
    return HttpResponse("ok", content_type="text/plain")
