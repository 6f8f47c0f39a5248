"""Huey tasks of listening: thin, idempotent, each calls a service or the ingestion."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from beffroi.core.models import NetworkAccount

logger = logging.getLogger(__name__)

# Accounts whose token is known to be dead are not polled: their health page says why.
_UNPOLLABLE = (NetworkAccount.Health.EXPIRED, NetworkAccount.Health.PERMISSION)


@db_periodic_task(crontab(minute="*/5"))
def listening_poll_all() -> int:
    """Every five minutes: one poll task per connected account (they run in parallel on the workers)."""
    ids = list(NetworkAccount.objects.exclude(health__in=_UNPOLLABLE).values_list("pk", flat=True))
    for pk in ids:
        listening_poll_account(pk)
    return len(ids)


@db_task()
def listening_poll_account(account_id: int) -> int:
    """Read one account's streams from their cursors; a second run at once finds nothing new."""
    from beffroi.listening.ingestion import poll_account

    account = NetworkAccount.objects.select_related("organisation").filter(pk=account_id).first()
    if account is None:
        return 0
    result = poll_account(account)
    for stream, error in result.errors.items():
        logger.warning("écoute : %s %s en échec : %s", account, stream, error)
    return result.stored


@db_task()
def listening_autohide(item_id: int) -> bool:
    """The charter hides an insult as soon as it is stored (queued after the ingest commits)."""
    from beffroi.core.services import DomainError
    from beffroi.listening import services
    from beffroi.listening.models import InboxItem

    item = InboxItem.objects.select_related("organisation", "account").filter(pk=item_id).first()
    if item is None or item.hidden_at is not None or item.deleted_at is not None:
        return False
    try:
        services.item_hide(item=item, actor=None)
    except DomainError as refused:
        # The network refused: a moderator decides, as when the charter only proposes.
        logger.warning("écoute : masquage automatique de %s impossible : %s", item_id, refused)
        InboxItem.objects.filter(pk=item_id).update(hide_proposed=True)
        return False
    return True


@db_task()
def listening_resolve_mentions(account_id: int, refs: list[dict[str, str | None]]) -> int:
    """Instagram sends mentions as ids only: fetch their text, then ingest them."""
    from beffroi.core.adapters import adapter_for_account
    from beffroi.core.domain import Network
    from beffroi.listening.ingestion import from_mention, ingest
    from beffroi.networks.meta_webhooks import MentionRef

    account = NetworkAccount.objects.select_related("organisation").filter(pk=account_id).first()
    if account is None:
        return 0
    adapter = adapter_for_account(account)
    resolve = getattr(adapter, "resolve_mention", None)
    if resolve is None:
        logger.warning("écoute : %s ne sait pas lire une mention par ses identifiants", account)
        return 0
    mentions = [
        from_mention(
            resolve(
                MentionRef(
                    account_id=str(r["account_id"]),
                    media_id=str(r["media_id"]),
                    comment_id=r.get("comment_id"),
                )
            ),
            Network(account.network),
        )
        for r in refs
    ]
    return ingest(organisation=account.organisation, account=account, messages=mentions).stored
