"""From network payloads to the inbox, the event lake and the bad-buzz detector.

`ingest` takes a batch of messages of one account, in one database transaction: it drops the ones
already stored (a webhook retried, a message both mentioned and found by a search), enriches the
rest in one batch, masks personal data as the charter says, stores them, appends them to the event
lake, feeds the organisation's detector and raises its alerts. Any failure rolls everything back:
nothing is half stored, and the cursor of a poll (saved in the same transaction) does not move, so
the next poll reads the same messages again.

The lake is a set of files, not part of the transaction: it is appended last, inside the
transaction, so that a failed append rolls the database back. If the commit itself fails after the
append (rare), the retry appends the same events again; `event_id` tells the copies apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from beffroi.core.domain import Network, Sentiment
from beffroi.core.models import NetworkAccount, Organisation
from beffroi.core.queue import enqueue_after_commit
from beffroi.core.sanitize import safe_url
from beffroi.listening import moderation, routing
from beffroi.listening.models import (
    InboxItem,
    IngestCursor,
    ListeningKeyword,
    ModerationCharter,
    WatchedActor,
)
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.errors import NetworkError
from beffroi.networks.types import Capability, Comment, Mention
from beffroi.nlp.types import Enrichment

logger = logging.getLogger(__name__)

# How far back the first poll of a new account reads.
FIRST_POLL_LOOKBACK = timedelta(days=7)
# Comments are read under the posts of this period.
COMMENTED_POSTS_LOOKBACK = timedelta(days=30)
MAX_TEXT = 20_000


class Understanding(Protocol):
    """What ingestion needs from message understanding: beffroi.nlp's Enricher has this shape."""

    def enrich(
        self, texts: Sequence[str], ids: Sequence[str] | None = None
    ) -> list[Enrichment]: ...


@cache
def _production_enricher(tier: str) -> Understanding:
    from beffroi.nlp import get_enricher

    return get_enricher(tier=tier)


def default_enricher() -> Understanding:
    """The production enricher (loaded once per process), tier from LISTENING_NLP_TIER."""
    return _production_enricher(str(getattr(settings, "LISTENING_NLP_TIER", "fast")))


class MalformedMessage(ValueError):
    """A message that cannot be stored as it is; the whole batch is refused."""


@dataclass(frozen=True, slots=True)
class Incoming:
    """One received message, whatever the network and the way it came (poll, webhook, search)."""

    network: Network
    kind: str  # InboxItem.Kind
    remote_id: str
    text: str
    created_at: datetime
    author_remote_id: str
    author_handle: str
    author_name: str = ""
    post_remote_id: str = ""
    parent_remote_id: str = ""
    url: str = ""
    keyword: str = ""
    likes: int = 0


def from_comment(comment: Comment, network: Network) -> Incoming:
    return Incoming(
        network=network,
        kind=InboxItem.Kind.REPLY if comment.parent_remote_id else InboxItem.Kind.COMMENT,
        remote_id=comment.remote_id,
        text=comment.text,
        created_at=comment.created_at,
        author_remote_id=comment.author.remote_id,
        author_handle=comment.author.handle,
        author_name=comment.author.display_name,
        post_remote_id=comment.post_remote_id,
        parent_remote_id=comment.parent_remote_id or "",
        url=safe_url(comment.url) or "",  # only http(s) becomes the item's link
        likes=comment.likes,
    )


def from_mention(mention: Mention, network: Network, *, keyword: str = "") -> Incoming:
    kind = mention.kind if mention.kind in InboxItem.Kind.values else InboxItem.Kind.MENTION
    if keyword:
        kind = InboxItem.Kind.SEARCH
    return Incoming(
        network=network,
        kind=kind,
        remote_id=mention.remote_id,
        text=mention.text,
        created_at=mention.created_at,
        author_remote_id=mention.author.remote_id,
        author_handle=mention.author.handle,
        author_name=mention.author.display_name,
        parent_remote_id=mention.in_reply_to_remote_id or "",
        url=safe_url(mention.url) or "",
        keyword=keyword,
        likes=mention.likes,
    )


@dataclass(frozen=True, slots=True)
class IngestResult:
    received: int
    stored: int
    duplicates: int
    needing_action: int
    alerts: tuple[int, ...] = ()
    to_hide: tuple[int, ...] = ()


def check(message: Incoming) -> None:
    """Refuse what cannot be stored faithfully (the whole batch with it)."""
    if not message.remote_id or len(message.remote_id) > 200:
        raise MalformedMessage("identifiant de message absent ou trop long")
    if not isinstance(message.text, str) or len(message.text) > MAX_TEXT:
        raise MalformedMessage(f"texte illisible ou trop long ({message.remote_id})")
    if "\x00" in message.text:
        raise MalformedMessage(f"caractère nul dans le texte ({message.remote_id})")
    if message.created_at.tzinfo is None:
        raise MalformedMessage(f"date sans fuseau ({message.remote_id})")
    if message.kind not in InboxItem.Kind.values:
        raise MalformedMessage(f"type de message inconnu : {message.kind!r}")


def needs_action(kind: str, enrichment: Enrichment) -> bool:
    """What the team must look at: requests, insults, negative messages and private messages."""
    return (
        enrichment.is_request
        or enrichment.toxic
        or enrichment.sentiment == Sentiment.NEGATIVE
        or kind == InboxItem.Kind.DIRECT_MESSAGE
    )


def charter_rules(organisation: Organisation) -> moderation.CharterRules:
    charter = ModerationCharter.objects.filter(organisation=organisation).first()
    if charter is None:
        return moderation.CharterRules()
    return moderation.CharterRules(
        insults=moderation.InsultPolicy(charter.insults),
        mask_phones=charter.mask_phones,
        mask_emails=charter.mask_emails,
    )


def _norm_handle(handle: str) -> str:
    return handle.strip().lstrip("@").casefold()


def ingest(
    *,
    organisation: Organisation,
    account: NetworkAccount | None,
    messages: Sequence[Incoming],
    enricher: Understanding | None = None,
    lake: Any | None = None,
    can_hide: bool = False,
    before_commit: Callable[[], None] | None = None,
) -> IngestResult:
    """Store a batch of received messages (see the module docstring). `before_commit` runs last in
    the transaction: a poll moves its cursor there."""
    for message in messages:
        check(message)
    with transaction.atomic():
        fresh = _not_yet_stored(organisation, messages)
        result_alerts: tuple[int, ...] = ()
        to_hide: list[int] = []
        items: list[InboxItem] = []
        if fresh:
            understanding = (enricher or default_enricher()).enrich(
                [m.text for m in fresh], [m.remote_id for m in fresh]
            )
            if len(understanding) != len(fresh):
                raise RuntimeError("l'enrichissement n'a pas rendu un résultat par message")
            items = _store(organisation, account, fresh, understanding, can_hide)
            to_hide = [i.pk for i in items if i.hide_proposed is False and _auto_hide(i)]
            _append_to_lake(organisation, account, items, lake)
            from beffroi.listening import services

            result_alerts = services.detector_feed(organisation=organisation, items=items)
        if before_commit is not None:
            before_commit()
    if to_hide:
        from beffroi.listening import tasks

        for pk in to_hide:
            # Redis gone at this instant: hidden at once here rather than never.
            enqueue_after_commit(tasks.listening_autohide, pk)
    return IngestResult(
        received=len(messages),
        stored=len(items),
        duplicates=len(messages) - len(fresh),
        needing_action=sum(i.needs_action for i in items),
        alerts=result_alerts,
        to_hide=tuple(to_hide),
    )


# Set on items the charter wants hidden at once (read back by `ingest`, never stored).
_AUTO_HIDE_ATTR = "_listening_auto_hide"


def _auto_hide(item: InboxItem) -> bool:
    return bool(getattr(item, _AUTO_HIDE_ATTR, False))


def _not_yet_stored(organisation: Organisation, messages: Sequence[Incoming]) -> list[Incoming]:
    unique: dict[tuple[str, str], Incoming] = {}
    for message in messages:
        unique.setdefault((message.network.value, message.remote_id), message)
    stored: set[tuple[str, str]] = set()
    by_network: dict[str, list[str]] = {}
    for network, remote_id in unique:
        by_network.setdefault(network, []).append(remote_id)
    for network, ids in by_network.items():
        for start in range(0, len(ids), 500):
            stored.update(
                (network, rid)
                for rid in InboxItem.objects.filter(
                    organisation=organisation,
                    network=network,
                    remote_id__in=ids[start : start + 500],
                ).values_list("remote_id", flat=True)
            )
    return [m for key, m in unique.items() if key not in stored]


def _store(
    organisation: Organisation,
    account: NetworkAccount | None,
    messages: Sequence[Incoming],
    understanding: Sequence[Enrichment],
    can_hide: bool,
) -> list[InboxItem]:
    rules = charter_rules(organisation)
    watched = {
        (w.network, _norm_handle(w.handle)): w
        for w in WatchedActor.objects.filter(organisation=organisation)
    }
    now = timezone.now()
    items: list[InboxItem] = []
    for message, enrichment in zip(messages, understanding, strict=True):
        text, _ = moderation.mask_personal_data(message.text, rules)
        action = needs_action(message.kind, enrichment)
        # Only a comment under the account's own post can be hidden; a mention elsewhere cannot.
        hideable = can_hide and message.kind in (InboxItem.Kind.COMMENT, InboxItem.Kind.REPLY)
        decision = moderation.decide(toxic=enrichment.toxic, can_hide=hideable, rules=rules)
        found = routing.route(message.text, enrichment.topic) if enrichment.is_request else None
        item = InboxItem(
            organisation=organisation,
            account=account,
            network=message.network.value,
            kind=message.kind,
            remote_id=message.remote_id,
            post_remote_id=message.post_remote_id[:200],
            parent_remote_id=message.parent_remote_id[:200],
            url=message.url[:500],
            author_remote_id=message.author_remote_id[:200],
            author_handle=message.author_handle[:200],
            author_name=message.author_name[:200],
            text=text,
            keyword=message.keyword[:200],
            created_at=message.created_at.astimezone(UTC),
            received_at=now,
            lang=enrichment.lang[:8],
            sentiment=enrichment.sentiment.value,
            sentiment_score=enrichment.sentiment_score,
            topic=enrichment.topic.value,
            is_request=enrichment.is_request,
            is_toxic=enrichment.toxic,
            places=list(enrichment.places),
            needs_action=action,
            status=InboxItem.Status.NEW if action else InboxItem.Status.CLOSED,
            hide_proposed=decision is moderation.Decision.PROPOSE,
            route_level=found.level.value if found else "",
            route_reason=(found.reason if found else "")[:300],
            from_watched_actor=watched.get(
                (message.network.value, _norm_handle(message.author_handle))
            ),
        )
        setattr(item, _AUTO_HIDE_ATTR, decision is moderation.Decision.HIDE)
        items.append(item)
    created = InboxItem.objects.bulk_create(items, batch_size=1000)
    for item, original in zip(created, items, strict=True):
        setattr(item, _AUTO_HIDE_ATTR, getattr(original, _AUTO_HIDE_ATTR))
    from beffroi.listening.models import ModerationEvent

    ModerationEvent.objects.bulk_create(
        [
            ModerationEvent(
                organisation=organisation,
                item=item,
                action=ModerationEvent.Action.HIDE_PROPOSED,
                detail="charte : insulte à masquer (proposition)",
            )
            for item in created
            if item.hide_proposed
        ]
    )
    return created


def event_lake() -> Any:
    from beffroi.analytics.lake import EventLake

    return EventLake(str(settings.BEFFROI_LAKE_URL))


def _append_to_lake(
    organisation: Organisation,
    account: NetworkAccount | None,
    items: Sequence[InboxItem],
    lake: Any | None,
) -> None:
    from beffroi.analytics.lake import EventKind, LakeEvent

    comment_kinds = {InboxItem.Kind.COMMENT, InboxItem.Kind.REPLY}
    events = [
        LakeEvent(
            kind=EventKind.COMMENT if item.kind in comment_kinds else EventKind.MENTION,
            occurred_at=item.created_at,
            organisation=organisation.slug,
            network=item.network,
            account=account.handle if account else None,
            event_id=item.remote_id,
            post_id=item.post_remote_id or None,
            in_reply_to=item.parent_remote_id or None,
            # The raw author id: the lake keeps only its pseudonym (and can erase it on request).
            author=item.author_remote_id or None,
            sentiment=item.sentiment,
            topic=item.topic,
            keyword=item.keyword or None,
            expects_response=item.needs_action,
        )
        for item in items
    ]
    (lake or event_lake()).append(events)


# ------------------------------------------------------------------------------------------
# Polling


@dataclass
class PollResult:
    account: str
    streams: dict[str, IngestResult] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def stored(self) -> int:
        return sum(r.stored for r in self.streams.values())


def _own_identities(account: NetworkAccount, adapter: NetworkAdapter) -> set[str]:
    own = {account.remote_id, _norm_handle(account.handle)}
    simulated_self = getattr(adapter, "account", None)
    if simulated_self is not None:
        own |= {simulated_self.remote_id, _norm_handle(simulated_self.handle)}
    return {o for o in own if o}


def new_since_cursor(cursor: IngestCursor, messages: Iterable[Incoming]) -> list[Incoming]:
    """The messages after the cursor: later than its position, or at it but not among its ids."""
    seen = set(cursor.ids_at_position)
    position = cursor.position
    return [
        m
        for m in messages
        if position is None
        or m.created_at > position
        or (m.created_at == position and m.remote_id not in seen)
    ]


def advance(cursor: IngestCursor, messages: Sequence[Incoming], now: datetime) -> None:
    """Move the cursor past `messages` (unsaved: the caller saves it in the ingest transaction)."""
    cursor.polled_at = now
    cursor.last_error = ""
    if not messages:
        return
    newest = max(m.created_at for m in messages)
    at_newest = [m.remote_id for m in messages if m.created_at == newest]
    if cursor.position is not None and newest == cursor.position:
        cursor.ids_at_position = sorted({*cursor.ids_at_position, *at_newest})
    else:
        cursor.position = newest
        cursor.ids_at_position = sorted(set(at_newest))


def _fetch_comments(
    adapter: NetworkAdapter, network: Network, since: datetime, now: datetime
) -> list[Incoming]:
    posts = adapter.fetch_posts(since=min(since, now - COMMENTED_POSTS_LOOKBACK))
    found: list[Incoming] = []
    for post in posts:
        found.extend(
            from_comment(c, network) for c in adapter.fetch_comments(post.remote_id, since)
        )
    return found


def _search(
    adapter: NetworkAdapter, network: Network, query: str, since: datetime
) -> list[Incoming]:
    return [from_mention(m, network, keyword=query) for m in adapter.search(query, since)]


def poll_account(
    account: NetworkAccount,
    *,
    adapter: NetworkAdapter | None = None,
    enricher: Understanding | None = None,
    lake: Any | None = None,
    now: datetime | None = None,
) -> PollResult:
    """Read every stream of one account from its cursor: comments, mentions and keyword searches."""
    from beffroi.core.adapters import adapter_for_account

    adapter = adapter or adapter_for_account(account)
    now = now or timezone.now()
    network = Network(account.network)
    own = _own_identities(account, adapter)
    streams: list[tuple[str, Callable[[datetime], list[Incoming]]]] = []
    if adapter.supports(Capability.FETCH_POSTS) and adapter.supports(Capability.FETCH_COMMENTS):
        streams.append(("comments", lambda since: _fetch_comments(adapter, network, since, now)))
    if adapter.supports(Capability.FETCH_MENTIONS):
        streams.append(
            (
                "mentions",
                lambda since: [from_mention(m, network) for m in adapter.fetch_mentions(since)],
            )
        )
    if adapter.supports(Capability.SEARCH):
        for keyword in ListeningKeyword.objects.filter(
            organisation=account.organisation, active=True
        ):
            streams.append(
                (f"search:{keyword.pk}", partial(_search, adapter, network, keyword.query))
            )
    result = PollResult(account=str(account))
    for stream, fetch in streams:
        cursor, _ = IngestCursor.objects.get_or_create(account=account, stream=stream)
        since = cursor.position or now - FIRST_POLL_LOOKBACK
        try:
            fetched = fetch(since)
        except NetworkError as error:
            # One failing stream does not stop the others; the cursor stays, the next poll retries.
            logger.warning("écoute %s %s : %s", account, stream, error)
            IngestCursor.objects.filter(pk=cursor.pk).update(last_error=str(error)[:1000])
            result.errors[stream] = str(error)
            continue
        fetched = [
            m
            for m in fetched
            if m.author_remote_id not in own and _norm_handle(m.author_handle) not in own
        ]
        fresh = new_since_cursor(cursor, fetched)
        fresh.sort(key=lambda m: (m.created_at, m.remote_id))
        advance(cursor, fresh, now)
        result.streams[stream] = ingest(
            organisation=account.organisation,
            account=account,
            messages=fresh,
            enricher=enricher,
            lake=lake,
            can_hide=adapter.supports(Capability.HIDE_COMMENT),
            before_commit=cursor.save,
        )
    return result
