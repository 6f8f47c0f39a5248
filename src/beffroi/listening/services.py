"""Every write of listening: checked, in a transaction, with its audit entry.

A network action (reply, hide, delete) is sent first; its record is written only once the network
has accepted it, so the moderation log never claims what did not happen on the network.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from beffroi.core.links import absolute_url
from beffroi.core.models import Membership, NetworkAccount, Organisation, User
from beffroi.core.permissions import Perm, role_allows
from beffroi.core.services import DomainError, audit_record, require, snapshot
from beffroi.listening.detector import Alert as DetectedAlert
from beffroi.listening.detector import BurstDetector, Observation
from beffroi.listening.models import (
    Alert,
    DetectorState,
    InboxItem,
    InboxNote,
    ListeningKeyword,
    ModerationCharter,
    ModerationEvent,
    SavedReply,
    WatchedActor,
)
from beffroi.listening.routing import Level
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.errors import NetworkError
from beffroi.networks.types import Capability

logger = logging.getLogger(__name__)

_ITEM_FIELDS = ["status", "assigned_to", "hidden_at", "deleted_at", "first_response_at"]


def _adapter(item: InboxItem, adapter: NetworkAdapter | None) -> NetworkAdapter:
    if adapter is not None:
        return adapter
    if item.account is None:
        raise DomainError(
            "Ce message n'est rattaché à aucun compte connecté : agissez sur le réseau."
        )
    from beffroi.core.adapters import adapter_for_account

    return adapter_for_account(item.account)


def _network_call(action: str, call: Any) -> Any:
    try:
        return call()
    except NetworkError as error:
        raise DomainError(
            f"{action} refusé par le réseau : {error} — {error.user_action}"
        ) from error


def _log(item: InboxItem, action: str, actor: User | None, detail: str = "") -> ModerationEvent:
    return ModerationEvent.objects.create(
        organisation=item.organisation, item=item, action=action, actor=actor, detail=detail[:300]
    )


def _lake_after_commit(item: InboxItem, **fields: Any) -> None:
    """Moderation and replies are counted in the lake too; a lake failure is logged, never undoes the act."""

    def append() -> None:
        try:
            from beffroi.analytics.lake import LakeEvent
            from beffroi.listening.ingestion import event_lake

            event_lake().append(
                [
                    LakeEvent(
                        occurred_at=timezone.now(),
                        organisation=item.organisation.slug,
                        network=item.network,
                        account=item.account.handle if item.account else None,
                        in_reply_to=item.remote_id,
                        post_id=item.post_remote_id or None,
                        topic=item.topic,
                        **fields,
                    )
                ]
            )
        except Exception:  # noqa: BLE001 - the act is done on the network; keep it recorded
            logger.exception("écoute : évènement non ajouté au lac pour l'élément %s", item.pk)

    transaction.on_commit(append)


# ------------------------------------------------------------------------------------------
# Inbox workflow


@transaction.atomic
def item_mark_seen(*, item: InboxItem, actor: User) -> InboxItem:
    """The first time a member opens an item: the log of moderation starts counting from here."""
    require(actor=actor, organisation=item.organisation, perm=Perm.HANDLE_INBOX)
    if item.first_seen_at is None:
        item.first_seen_at = timezone.now()
        item.save(update_fields=["first_seen_at"])
        _log(item, ModerationEvent.Action.SEEN, actor)
    return item


@transaction.atomic
def item_assign(*, item: InboxItem, assignee: User | None, actor: User | None) -> InboxItem:
    require(actor=actor, organisation=item.organisation, perm=Perm.HANDLE_INBOX)
    if (
        assignee is not None
        and not Membership.objects.filter(organisation=item.organisation, user=assignee).exists()
    ):
        raise DomainError("Cette personne ne fait pas partie de l'équipe.")
    before = snapshot(item, _ITEM_FIELDS)
    item.assigned_to = assignee
    if assignee is not None and item.status == InboxItem.Status.NEW:
        item.status = InboxItem.Status.IN_PROGRESS
    item.save(update_fields=["assigned_to", "status"])
    _log(item, ModerationEvent.Action.ASSIGNED, actor, str(assignee) if assignee else "personne")
    audit_record(
        actor=actor,
        organisation=item.organisation,
        action="inbox_item.assign",
        obj=item,
        before=before,
        after=snapshot(item, _ITEM_FIELDS),
    )
    if assignee is not None:
        _emit(item.organisation, "item.assigned", {"item": item.pk, "assignee": assignee.email})
    return item


@transaction.atomic
def item_note_add(*, item: InboxItem, actor: User, text: str) -> InboxNote:
    require(actor=actor, organisation=item.organisation, perm=Perm.HANDLE_INBOX)
    if not text.strip():
        raise DomainError("La note est vide.")
    note = InboxNote.objects.create(item=item, author=actor, text=text.strip())
    audit_record(actor=actor, organisation=item.organisation, action="inbox_item.note", obj=item)
    return note


@transaction.atomic
def item_set_status(*, item: InboxItem, status: str, actor: User | None) -> InboxItem:
    require(actor=actor, organisation=item.organisation, perm=Perm.HANDLE_INBOX)
    if status not in InboxItem.Status.values:
        raise DomainError("Statut inconnu.")
    before = snapshot(item, _ITEM_FIELDS)
    item.status = status
    item.save(update_fields=["status"])
    _log(item, ModerationEvent.Action.STATUS, actor, str(InboxItem.Status(status).label))
    audit_record(
        actor=actor,
        organisation=item.organisation,
        action="inbox_item.status",
        obj=item,
        before=before,
        after=snapshot(item, _ITEM_FIELDS),
    )
    return item


def _reply_key(item: InboxItem, text: str) -> str:
    digest = hashlib.sha256(text.strip().encode()).hexdigest()[:16]
    return f"beffroi-inbox-{item.pk}-{digest}"


def item_reply(
    *, item: InboxItem, actor: User | None, text: str, adapter: NetworkAdapter | None = None
) -> InboxItem:
    """Reply on the network under the message; the same text twice is sent once (idempotency key)."""
    require(actor=actor, organisation=item.organisation, perm=Perm.HANDLE_INBOX)
    if not text.strip():
        raise DomainError("La réponse est vide.")
    network = _adapter(item, adapter)
    if not network.supports(Capability.REPLY):
        raise DomainError("Ce réseau ne permet pas de répondre depuis Beffroi.")
    result = _network_call(
        "Réponse", lambda: network.reply(item.remote_id, text.strip(), _reply_key(item, text))
    )
    with transaction.atomic():
        item = InboxItem.objects.select_for_update().get(pk=item.pk)
        before = snapshot(item, _ITEM_FIELDS)
        now = timezone.now()
        first = item.first_response_at is None
        if first:
            item.first_response_at = now
        item.reply_remote_id = result.remote_id
        item.status = InboxItem.Status.ANSWERED
        item.save(update_fields=["first_response_at", "reply_remote_id", "status"])
        _log(item, ModerationEvent.Action.ANSWERED, actor, text.strip()[:300])
        audit_record(
            actor=actor,
            organisation=item.organisation,
            action="inbox_item.reply",
            obj=item,
            before=before,
            after={**snapshot(item, _ITEM_FIELDS), "reply": text.strip()},
        )
        from beffroi.analytics.lake import EventKind

        _lake_after_commit(
            item,
            kind=EventKind.REPLY,
            event_id=result.remote_id,
            response_seconds=int((now - item.created_at).total_seconds()) if first else None,
        )
    return item


def item_hide(
    *,
    item: InboxItem,
    actor: User | None,
    hidden: bool = True,
    adapter: NetworkAdapter | None = None,
) -> InboxItem:
    """Hide (or show again) a comment on the network; `actor=None` is the charter acting alone."""
    require(actor=actor, organisation=item.organisation, perm=Perm.MODERATE)
    if item.kind not in (InboxItem.Kind.COMMENT, InboxItem.Kind.REPLY):
        raise DomainError("Seuls les commentaires sous vos publications peuvent être masqués.")
    network = _adapter(item, adapter)
    if not network.supports(Capability.HIDE_COMMENT):
        raise DomainError("Ce réseau ne permet pas de masquer un commentaire.")
    _network_call("Masquage", lambda: network.hide_comment(item.remote_id, hidden))
    with transaction.atomic():
        item = InboxItem.objects.select_for_update().get(pk=item.pk)
        before = snapshot(item, _ITEM_FIELDS)
        item.hidden_at = (item.hidden_at or timezone.now()) if hidden else None
        item.hide_proposed = False
        item.save(update_fields=["hidden_at", "hide_proposed"])
        logged = _log(
            item,
            ModerationEvent.Action.HIDDEN if hidden else ModerationEvent.Action.UNHIDDEN,
            actor,
            "charte de modération" if actor is None else "",
        )
        audit_record(
            actor=actor,
            organisation=item.organisation,
            action="inbox_item.hide" if hidden else "inbox_item.unhide",
            obj=item,
            before=before,
            after=snapshot(item, _ITEM_FIELDS),
        )
        from beffroi.analytics.lake import EventKind

        _lake_after_commit(
            item,
            kind=EventKind.MODERATION,
            # Each act is its own event: hide, unhide, hide again counts three (the lake keeps
            # one copy of an id).
            event_id=f"{item.remote_id}:{'hide' if hidden else 'unhide'}:{logged.pk}",
            moderation_action="hidden" if hidden else "unhidden",
        )
    return item


def item_delete(
    *, item: InboxItem, actor: User | None, adapter: NetworkAdapter | None = None
) -> InboxItem:
    """Delete a message on the network where the network allows the account to (the item stays in the log)."""
    require(actor=actor, organisation=item.organisation, perm=Perm.MODERATE)
    network = _adapter(item, adapter)
    if not network.supports(Capability.DELETE) or item.kind not in (
        InboxItem.Kind.COMMENT,
        InboxItem.Kind.REPLY,
    ):
        raise DomainError("Ce réseau ne permet pas de supprimer ce message.")
    _network_call("Suppression", lambda: network.delete(item.remote_id))
    with transaction.atomic():
        item = InboxItem.objects.select_for_update().get(pk=item.pk)
        before = snapshot(item, _ITEM_FIELDS)
        item.deleted_at = timezone.now()
        item.hide_proposed = False
        item.status = InboxItem.Status.CLOSED
        item.save(update_fields=["deleted_at", "hide_proposed", "status"])
        logged = _log(item, ModerationEvent.Action.DELETED, actor)
        audit_record(
            actor=actor,
            organisation=item.organisation,
            action="inbox_item.delete",
            obj=item,
            before=before,
            after=snapshot(item, _ITEM_FIELDS),
        )
        from beffroi.analytics.lake import EventKind

        _lake_after_commit(
            item,
            kind=EventKind.MODERATION,
            event_id=f"{item.remote_id}:delete:{logged.pk}",
            moderation_action="deleted",
        )
    return item


# ------------------------------------------------------------------------------------------
# Routing


_LEVEL_KIND = {
    Level.COMMUNE: Organisation.Kind.COMMUNE,
    Level.EPCI: Organisation.Kind.EPCI,
    Level.DEPARTEMENT: Organisation.Kind.DEPARTEMENT,
    Level.REGION: Organisation.Kind.REGION,
}


def competent_organisation(organisation: Organisation, level: str) -> Organisation | None:
    """The organisation of that level above (or being) this one, when it uses Beffroi."""
    kind = _LEVEL_KIND.get(Level(level)) if level else None
    if kind is None:
        return None
    current: Organisation | None = organisation
    while current is not None:
        if current.kind == kind:
            return current
        current = current.parent
    return None


@transaction.atomic
def item_forward(*, item: InboxItem, actor: User | None) -> InboxItem:
    """Forward a request to the competent organisation on Beffroi: a new item there, with a trace on both."""
    require(actor=actor, organisation=item.organisation, perm=Perm.HANDLE_INBOX)
    target = competent_organisation(item.organisation, item.route_level)
    if target is None or target == item.organisation:
        raise DomainError("Aucune autre organisation compétente n'utilise Beffroi pour ce message.")
    if item.forwarded_to_id is not None:
        raise DomainError(f"Déjà transmis à {item.forwarded_to}.")
    copy = InboxItem.objects.create(
        organisation=target,
        account=None,
        network=item.network,
        kind=item.kind,
        remote_id=item.remote_id,
        post_remote_id=item.post_remote_id,
        parent_remote_id=item.parent_remote_id,
        url=item.url,
        author_remote_id=item.author_remote_id,
        author_handle=item.author_handle,
        author_name=item.author_name,
        text=item.text,
        created_at=item.created_at,
        lang=item.lang,
        sentiment=item.sentiment,
        sentiment_score=item.sentiment_score,
        topic=item.topic,
        is_request=item.is_request,
        is_toxic=item.is_toxic,
        places=item.places,
        needs_action=True,
        status=InboxItem.Status.NEW,
        route_level=item.route_level,
        route_reason=item.route_reason,
        forwarded_from=item,
    )
    item.forwarded_to = target
    item.status = InboxItem.Status.IN_PROGRESS
    item.save(update_fields=["forwarded_to", "status"])
    who = str(actor) if actor else "système"
    _log(item, ModerationEvent.Action.FORWARDED, actor, f"transmis à {target}")
    ModerationEvent.objects.create(
        organisation=target,
        item=copy,
        action=ModerationEvent.Action.FORWARDED,
        detail=f"reçu de {item.organisation} ({who})",
    )
    for org, obj in ((item.organisation, item), (target, copy)):
        audit_record(
            actor=actor,
            organisation=org,
            action="inbox_item.forward",
            obj=obj,
            after={"from": item.organisation.slug, "to": target.slug, "item": item.pk},
        )
    return copy


# ------------------------------------------------------------------------------------------
# Settings of listening: charter, saved replies, keywords, watch list


@transaction.atomic
def charter_save(
    *,
    organisation: Organisation,
    actor: User | None,
    insults: str,
    mask_phones: bool,
    mask_emails: bool,
) -> ModerationCharter:
    require(actor=actor, organisation=organisation, perm=Perm.MODERATE)
    charter, _ = ModerationCharter.objects.get_or_create(organisation=organisation)
    before = snapshot(charter)
    charter.insults = insults
    charter.mask_phones = mask_phones
    charter.mask_emails = mask_emails
    charter.updated_at = timezone.now()
    charter.full_clean()
    charter.save()
    audit_record(
        actor=actor,
        organisation=organisation,
        action="moderation_charter.save",
        obj=charter,
        before=before,
        after=snapshot(charter),
    )
    return charter


@transaction.atomic
def saved_reply_save(
    *, organisation: Organisation, actor: User | None, title: str, text: str
) -> SavedReply:
    require(actor=actor, organisation=organisation, perm=Perm.HANDLE_INBOX)
    if not title.strip() or not text.strip():
        raise DomainError("Donnez un titre et un texte à la réponse type.")
    reply = SavedReply.objects.create(
        organisation=organisation, title=title.strip(), text=text.strip()
    )
    audit_record(actor=actor, organisation=organisation, action="saved_reply.create", obj=reply)
    return reply


@transaction.atomic
def keyword_add(*, organisation: Organisation, actor: User | None, query: str) -> ListeningKeyword:
    require(actor=actor, organisation=organisation, perm=Perm.HANDLE_INBOX)
    query = " ".join(query.split())
    if not query:
        raise DomainError("Le mot-clé est vide.")
    keyword, created = ListeningKeyword.objects.get_or_create(
        organisation=organisation, query=query
    )
    if created:
        audit_record(actor=actor, organisation=organisation, action="keyword.create", obj=keyword)
    return keyword


@transaction.atomic
def watched_actor_add(
    *,
    organisation: Organisation,
    actor: User | None,
    name: str,
    kind: str,
    network: str,
    handle: str,
) -> WatchedActor:
    require(actor=actor, organisation=organisation, perm=Perm.HANDLE_INBOX)
    handle = handle.strip().lstrip("@")
    if not name.strip() or not handle:
        raise DomainError("Donnez le nom de l'acteur et son identifiant sur le réseau.")
    watched, created = WatchedActor.objects.get_or_create(
        organisation=organisation,
        network=network,
        handle=handle,
        defaults={"name": name.strip(), "kind": kind},
    )
    if created:
        # Messages already received from them are theirs too.
        InboxItem.objects.filter(
            organisation=organisation, network=network, author_handle__iexact=handle
        ).update(from_watched_actor=watched)
        audit_record(
            actor=actor, organisation=organisation, action="watched_actor.create", obj=watched
        )
    return watched


def item_relay(*, item: InboxItem, actor: User | None, accounts: Sequence[NetworkAccount]) -> Any:
    """Open a native draft in the composer relaying a local actor's post, crediting them."""
    require(actor=actor, organisation=item.organisation, perm=Perm.WRITE_DRAFTS)
    if not apps.is_installed("beffroi.publishing"):
        raise DomainError("Le module de publication n'est pas installé.")
    from beffroi.publishing.services import draft_create

    credited = item.from_watched_actor.name if item.from_watched_actor else item.author_name
    handle = f"@{item.author_handle}" if item.author_handle else ""
    text = f"À la une chez {credited} {handle} : « {item.text.strip()} »".replace("  ", " ")
    with transaction.atomic():
        draft = draft_create(
            organisation=item.organisation,
            actor=actor,
            title=f"Relais : {credited}"[:200],
            text=text,
            accounts=accounts,
            link=item.url if item.url.startswith("http") else "",
            topic=item.topic,
        )
        _log(item, ModerationEvent.Action.RELAYED, actor, f"brouillon {draft.pk}")
        audit_record(
            actor=actor,
            organisation=item.organisation,
            action="inbox_item.relay",
            obj=item,
            after={"draft": draft.pk, "credited": credited},
        )
    return draft


# ------------------------------------------------------------------------------------------
# Bad-buzz alerts


def detector_author_secret() -> bytes:
    """Salts the detector's author keys with a secret kept out of the database, so that a dump of
    the saved states cannot be tested against a list of public handles."""
    key = getattr(settings, "BEFFROI_PSEUDONYM_KEY", "") or settings.SECRET_KEY
    # Its own derivation: the lake's pseudonyms and the detector's keys cannot be matched together.
    return hmac.new(str(key).encode(), b"beffroi-detector-authors", hashlib.sha256).digest()


def _load_detector(row: DetectorState) -> BurstDetector:
    secret = detector_author_secret()
    if row.state:
        return BurstDetector.from_state(row.state, author_secret=secret)
    return BurstDetector(author_secret=secret)


def detector_forget_authors(*, organisation: Organisation, author_ids: Iterable[str]) -> bool:
    """Erase people from the organisation's detector state (a request to erase their data): their
    author key, and their handle and text among the last hour's messages. True if anything was."""
    row = DetectorState.objects.select_for_update().filter(organisation=organisation).first()
    if row is None or not row.state:
        return False
    detector = _load_detector(row)
    erased = False
    for author in author_ids:
        erased = detector.forget_author(organisation.slug, author) or erased
    if erased:
        row.state = detector.export_state()
        row.save(update_fields=["state"])
    return erased


def detector_feed(*, organisation: Organisation, items: Sequence[InboxItem]) -> tuple[int, ...]:
    """Feed new messages to the organisation's detector (the one `beffroi alerts replay` runs); raise its alerts.

    Runs inside the ingest transaction. Messages that arrive late (a poll returns the last minutes
    at once) are observed at the detector's latest time: it needs time order and judges arrivals.
    """
    if not items:
        return ()
    row, _ = DetectorState.objects.select_for_update().get_or_create(organisation=organisation)
    detector = _load_detector(row)
    last = row.state.get("last_at") if row.state else None
    floor = datetime.fromtimestamp(float(last), UTC) if last is not None else None
    alerts: list[int] = []
    for item in sorted(items, key=lambda i: (i.created_at, i.pk)):
        at = item.created_at if floor is None or item.created_at >= floor else floor
        floor = at
        fired = detector.observe(
            Observation(
                org=organisation.slug,
                ts=at,
                negative=item.sentiment == "negative",
                toxic=item.is_toxic,
                message_id=str(item.pk),
                author=item.author_remote_id or None,
                text=item.text,
                topic=item.topic,
            )
        )
        if fired is not None:
            alerts.append(alert_raise(organisation=organisation, detected=fired).pk)
    row.state = detector.export_state()
    row.updated_at = timezone.now()
    row.save(update_fields=["state", "updated_at"])
    return tuple(alerts)


def _alert_url(alert: Alert) -> str:
    return reverse("listening:alert", kwargs={"org": alert.organisation.slug, "alert_id": alert.pk})


def _emit(organisation: Organisation, event: str, data: dict[str, Any]) -> None:
    if apps.is_installed("beffroi.api"):
        from beffroi.api.services import webhook_emit

        webhook_emit(organisation=organisation, event=event, data=data)


def alert_recipients(organisation: Organisation) -> list[User]:
    members = Membership.objects.filter(organisation=organisation).select_related("user")
    return [m.user for m in members if role_allows(m.role, Perm.MANAGE_ALERTS) and m.user.email]


@transaction.atomic
def alert_raise(*, organisation: Organisation, detected: DetectedAlert) -> Alert:
    """Store an alert of the detector and notify: e-mail, outgoing webhook, and the interface."""
    alert = Alert.objects.create(
        organisation=organisation,
        severity=detected.severity.value,
        detected_at=detected.detected_at,
        reason=detected.reason[:300],
        window_minutes=detected.window_minutes,
        negative_count=detected.negative_count,
        expected_negative=detected.expected_negative,
        negative_share=detected.negative_share,
        baseline_share=detected.baseline_share,
        terms=list(detected.top_terms),
        topics=list(detected.top_topics),
        authors=list(detected.top_authors),
    )
    ids = [int(i) for i in detected.message_ids if i.isdigit()]
    alert.driving_items.set(InboxItem.objects.filter(organisation=organisation, pk__in=ids))
    audit_record(
        actor=None,
        organisation=organisation,
        action="alert.raise",
        obj=alert,
        after={"severity": alert.severity, "reason": alert.reason, "terms": alert.terms},
    )
    url = absolute_url(_alert_url(alert))
    _emit(
        organisation,
        "alert.raised",
        {
            "alert": alert.pk,
            "severity": alert.severity,
            "detected_at": alert.detected_at.isoformat(),
            "reason": alert.reason,
            "terms": alert.terms,
            "url": url,
        },
    )
    recipients = [u.email for u in alert_recipients(organisation)]
    if recipients:
        subject = f"[Beffroi] Alerte {alert.get_severity_display()} · {organisation.name}"
        body = (
            f"Un emballement négatif commence : {alert.reason}.\n"
            f"Termes : {', '.join(alert.terms) or '—'}\n\n{url}"
        )
        transaction.on_commit(
            lambda: send_mail(subject, body, None, recipients, fail_silently=True)
        )
    return alert


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor: User, note: str = "") -> Alert:
    require(actor=actor, organisation=alert.organisation, perm=Perm.MANAGE_ALERTS)
    if alert.status != Alert.Status.OPEN:
        raise DomainError("Cette alerte a déjà été prise en compte.")
    before = snapshot(alert, ["status"])
    alert.status = Alert.Status.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.acknowledge_note = note.strip()
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledge_note"])
    audit_record(
        actor=actor,
        organisation=alert.organisation,
        action="alert.acknowledge",
        obj=alert,
        before=before,
        after={"status": alert.status, "note": alert.acknowledge_note},
    )
    return alert


@transaction.atomic
def alert_close(*, alert: Alert, actor: User, note: str) -> Alert:
    require(actor=actor, organisation=alert.organisation, perm=Perm.MANAGE_ALERTS)
    if alert.status == Alert.Status.CLOSED:
        raise DomainError("Cette alerte est déjà close.")
    if not note.strip():
        raise DomainError("Une alerte se clôt avec une note : ce qui a été fait.")
    before = snapshot(alert, ["status"])
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, actor
    alert.status = Alert.Status.CLOSED
    alert.closed_at = now
    alert.closed_by = actor
    alert.close_note = note.strip()
    alert.save()
    audit_record(
        actor=actor,
        organisation=alert.organisation,
        action="alert.close",
        obj=alert,
        before=before,
        after={"status": alert.status, "note": alert.close_note},
    )
    return alert
