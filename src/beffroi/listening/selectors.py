"""Reads of listening, always within one organisation."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from beffroi.core.domain import NETWORK_LABELS
from beffroi.core.models import NetworkAccount, Organisation
from beffroi.listening.models import Alert, InboxItem, ModerationEvent

PAGE_SIZE = 50
# The Réactivité figures aggregate up to a year of messages: computed at most once in this long per
# organisation and period (the page says when), instead of on every view.
STATS_CACHE_SECONDS = 300
EXPOSURE_LIST_SIZE = 100


@dataclass(frozen=True)
class InboxFilters:
    network: str = ""
    account: int | None = None
    sentiment: str = ""
    topic: str = ""
    request: bool | None = None
    toxic: bool | None = None
    status: str = ""
    assignee: int | None = None  # 0: nobody
    date_from: date | None = None
    date_to: date | None = None
    everything: bool = False  # also the messages that need no action


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    next_key: str | None


def _apply(qs: QuerySet[InboxItem], f: InboxFilters) -> QuerySet[InboxItem]:
    if not f.everything:
        qs = qs.filter(needs_action=True)
    if f.network:
        qs = qs.filter(network=f.network)
    if f.account is not None:
        qs = qs.filter(account_id=f.account)
    if f.sentiment:
        qs = qs.filter(sentiment=f.sentiment)
    if f.topic:
        qs = qs.filter(topic=f.topic)
    if f.request is not None:
        qs = qs.filter(is_request=f.request)
    if f.toxic is not None:
        qs = qs.filter(is_toxic=f.toxic)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.assignee == 0:
        qs = qs.filter(assigned_to__isnull=True)
    elif f.assignee is not None:
        qs = qs.filter(assigned_to_id=f.assignee)
    tz = timezone.get_current_timezone()
    if f.date_from:
        qs = qs.filter(created_at__gte=datetime.combine(f.date_from, time.min, tzinfo=tz))
    if f.date_to:
        qs = qs.filter(
            created_at__lt=datetime.combine(f.date_to + timedelta(days=1), time.min, tzinfo=tz)
        )
    return qs


def encode_key(item: InboxItem) -> str:
    return f"{item.created_at.timestamp():.6f}_{item.pk}"


def decode_key(key: str) -> tuple[datetime, int] | None:
    try:
        stamp, pk = key.split("_", 1)
        return datetime.fromtimestamp(float(stamp), UTC), int(pk)
    except (ValueError, OverflowError):
        return None


def _after(qs: QuerySet[InboxItem], at: datetime, pk: int) -> QuerySet[InboxItem]:
    """Rows older than the key (created_at, id)."""
    # The plain bound first: it is what lets the database seek into the index (an OR alone makes
    # SQLite read the inbox from its newest row); the OR then settles the ties.
    return qs.filter(created_at__lte=at).filter(Q(created_at__lt=at) | Q(id__lt=pk))


def inbox_page(
    *, organisation: Organisation, filters: InboxFilters, after: str = "", size: int = PAGE_SIZE
) -> InboxPage:
    """One page, newest first, by keyset on (created_at, id): as fast on page 1000 as on page 1."""
    qs = _apply(InboxItem.objects.filter(organisation=organisation), filters)
    key = decode_key(after) if after else None
    if key is not None:
        qs = _after(qs, *key)
    rows = list(
        qs.select_related("account", "assigned_to").order_by("-created_at", "-id")[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    return InboxPage(items=rows, next_key=encode_key(rows[-1]) if more and rows else None)


def item_get(*, organisation: Organisation, item_id: int) -> InboxItem:
    return InboxItem.objects.select_related("account", "assigned_to", "forwarded_to").get(
        organisation=organisation, pk=item_id
    )


@dataclass(frozen=True)
class OwnPost:
    """The organisation's own post that a comment answers, as the team published it."""

    remote_id: str
    network: str  # label, e.g. "Facebook"
    text: str
    published_at: datetime | None
    url: str  # on the network; empty when unknown
    draft_id: int | None = None  # the draft in Beffroi it was published from
    known: bool = True  # False: only its id is known (published outside Beffroi, not in the lake)


@dataclass(frozen=True)
class Conversation:
    item: InboxItem
    thread: list[InboxItem]  # the other messages under the same post, in time order
    earlier: list[InboxItem]  # the author's earlier messages
    events: list[ModerationEvent]
    post: OwnPost | None = None  # the organisation's post the messages answer


def conversation(*, item: InboxItem) -> Conversation:
    thread: list[InboxItem] = []
    if item.post_remote_id:
        thread = list(
            InboxItem.objects.filter(
                organisation=item.organisation,
                network=item.network,
                post_remote_id=item.post_remote_id,
            ).order_by("created_at", "id")[:100]
        )
    earlier: list[InboxItem] = []
    if item.author_remote_id:
        earlier = list(
            InboxItem.objects.filter(
                organisation=item.organisation,
                network=item.network,
                author_remote_id=item.author_remote_id,
                created_at__lt=item.created_at,
            ).order_by("-created_at")[:20]
        )
    events = list(item.events.select_related("actor"))
    return Conversation(
        item=item, thread=thread, earlier=earlier, events=events, post=own_post(item=item)
    )


# How far before a comment its post is looked for in the lake (months, the comment's included).
LAKE_POST_MONTHS = 3
OWN_POST_CACHE_SECONDS = 3600


def own_post(*, item: InboxItem) -> OwnPost | None:
    """The post a comment or reply was left under: first the variant Beffroi published, else the
    post as the lake recorded it (posts published outside Beffroi and fetched by analytics).

    None for messages that are not under one of the organisation's posts (mentions, searches).
    """
    if not item.post_remote_id or item.kind not in (InboxItem.Kind.COMMENT, InboxItem.Kind.REPLY):
        return None
    from beffroi.publishing.models import Variant

    label = {n.value: str(text) for n, text in NETWORK_LABELS.items()}.get(
        item.network, item.network
    )
    variant = (
        Variant.objects.filter(
            draft__organisation_id=item.organisation_id,
            network=item.network,
            remote_id=item.post_remote_id,
        )
        .select_related("draft")
        .first()
    )
    if variant is not None:
        return OwnPost(
            remote_id=item.post_remote_id,
            network=label,
            text=variant.text or variant.draft.text,
            published_at=variant.published_at,
            url=variant.remote_url,
            draft_id=variant.draft_id,
        )
    key = f"listening:own-post:{item.organisation_id}:{item.network}:{item.post_remote_id}"
    found = cache.get(key)
    if not isinstance(found, OwnPost):
        found = _lake_post(item, label)
        if found is None:
            return OwnPost(item.post_remote_id, label, "", None, "", known=False)
        cache.set(key, found, OWN_POST_CACHE_SECONDS)
    return found


def _lake_post(item: InboxItem, label: str) -> OwnPost | None:
    """The post's event in the lake, read from the few months before the comment only."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    from beffroi.analytics.lake import LakeError
    from beffroi.analytics.selectors import lake

    store = lake()
    day = item.created_at.date()
    months = []
    for _ in range(LAKE_POST_MONTHS):
        months.append(f"{day.year:04d}-{day.month:02d}")
        day = day.replace(day=1) - timedelta(days=1)
    files = [path for month in months for path in store.files(month)]
    if not files:
        return None
    wanted = (
        (pc.field("kind") == "post")
        & (pc.field("organisation") == item.organisation.slug)
        & (pc.field("network") == item.network)
        & (pc.field("post_id") == item.post_remote_id)
    )
    try:
        rows = (
            ds.dataset(files, filesystem=store.fs, format="parquet")
            .to_table(columns=["occurred_at", "text", "url"], filter=wanted)
            .to_pylist()
        )
    except (OSError, LakeError, ValueError):  # a lake being compacted: show the id only
        return None
    if not rows:
        return None
    row = min(rows, key=lambda r: r["occurred_at"])
    return OwnPost(
        remote_id=item.post_remote_id,
        network=label,
        text=row["text"] or "",
        published_at=row["occurred_at"],
        url=row["url"] or "",
    )


@dataclass(frozen=True)
class AccountResponse:
    account: str
    to_answer: int
    answered: int
    median_hint: timedelta | None  # mean first-response time

    @property
    def rate(self) -> float | None:
        return self.answered / self.to_answer if self.to_answer else None


def response_stats(
    *, organisation: Organisation, since: datetime | None = None
) -> list[AccountResponse]:
    """First-response time and response rate per account, on the messages that needed an answer."""
    qs = InboxItem.objects.filter(
        organisation=organisation, needs_action=True, forwarded_from__isnull=True
    )
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    delay = ExpressionWrapper(
        F("first_response_at") - F("created_at"), output_field=DurationField()
    )
    rows = (
        qs.values("account_id")
        .annotate(
            to_answer=Count("id"),
            answered=Count("id", filter=Q(first_response_at__isnull=False)),
            mean_delay=Avg(delay, filter=Q(first_response_at__isnull=False)),
        )
        .order_by("account_id")
    )
    names = {a.pk: str(a) for a in NetworkAccount.objects.filter(organisation=organisation)}
    return [
        AccountResponse(
            account=names.get(r["account_id"], "Transmis ou sans compte"),
            to_answer=r["to_answer"],
            answered=r["answered"],
            median_hint=r["mean_delay"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class InsultSummary:
    """The insulting comments of a period, counted in the database (never read one by one)."""

    total: int
    still_visible: int
    mean_visible: timedelta | None  # until hidden or deleted, or until now when still visible


def _visible_until() -> Case:
    """When a message stopped being visible (the first of hidden and deleted), as SQL.

    Spelled out because LEAST skips NULLs on PostgreSQL but returns NULL on SQLite.
    """
    return Case(
        When(hidden_at__isnull=True, then=F("deleted_at")),
        When(deleted_at__isnull=True, then=F("hidden_at")),
        default=Least("hidden_at", "deleted_at"),
        output_field=DateTimeField(),
    )


def _insults(organisation: Organisation, since: datetime | None) -> QuerySet[InboxItem]:
    qs = InboxItem.objects.filter(
        organisation=organisation,
        is_toxic=True,
        kind__in=[InboxItem.Kind.COMMENT, InboxItem.Kind.REPLY],
    )
    return qs.filter(created_at__gte=since) if since is not None else qs


def insult_summary(
    *, organisation: Organisation, since: datetime | None = None, now: datetime | None = None
) -> InsultSummary:
    now = now or timezone.now()
    visible_for = ExpressionWrapper(
        Coalesce(_visible_until(), Value(now, output_field=DateTimeField())) - F("created_at"),
        output_field=DurationField(),
    )
    row = _insults(organisation, since).aggregate(
        total=Count("id"),
        still_visible=Count("id", filter=Q(hidden_at__isnull=True, deleted_at__isnull=True)),
        mean_visible=Avg(visible_for),
    )
    return InsultSummary(
        total=row["total"], still_visible=row["still_visible"], mean_visible=row["mean_visible"]
    )


@dataclass(frozen=True)
class ReactivityFigures:
    responses: list[AccountResponse]
    insults: InsultSummary
    computed_at: datetime


def reactivity_figures(
    *, organisation: Organisation, since: datetime | None, period: str
) -> ReactivityFigures:
    """The Réactivité page's aggregates, from the cache when computed less than 5 minutes ago.

    `period` names `since` in the cache key: `since` itself moves with every request.
    """
    key = f"listening:reactivity:{organisation.pk}:{period}"
    found = cache.get(key)
    if isinstance(found, ReactivityFigures):
        return found
    figures = ReactivityFigures(
        responses=response_stats(organisation=organisation, since=since),
        insults=insult_summary(organisation=organisation, since=since),
        computed_at=timezone.now(),
    )
    cache.set(key, figures, STATS_CACHE_SECONDS)
    return figures


def moderation_log(*, organisation: Organisation, limit: int = 200) -> QuerySet[ModerationEvent]:
    return (
        ModerationEvent.objects.filter(organisation=organisation)
        .select_related("actor", "item")
        .order_by("-at", "-id")[:limit]
    )


@dataclass(frozen=True)
class Exposure:
    item: InboxItem
    visible_for: timedelta
    still_visible: bool


def insult_exposure(
    *,
    organisation: Organisation,
    since: datetime | None = None,
    now: datetime | None = None,
    limit: int | None = None,
) -> Iterator[Exposure]:
    """How long each insulting comment stayed visible on the organisation's pages, newest first.

    `limit` is applied in the query: a page shows the newest ones without reading the others.
    """
    now = now or timezone.now()
    qs = _insults(organisation, since).select_related("account").order_by("-created_at", "-id")
    # A page's few rows in one fetch; the whole export through a server-side cursor.
    rows = list(qs[:limit]) if limit is not None else qs.iterator()
    for item in rows:
        end = item.visible_until
        yield Exposure(
            item=item, visible_for=(end or now) - item.created_at, still_visible=end is None
        )


def insult_exposure_csv(*, organisation: Organisation, since: datetime | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            "réseau",
            "compte",
            "message",
            "reçu le (UTC)",
            "masqué ou supprimé le (UTC)",
            "visible pendant (minutes)",
            "encore visible",
        ]  # fmt: skip
    )
    for row in insult_exposure(organisation=organisation, since=since):
        end = row.item.visible_until
        writer.writerow(
            [
                row.item.get_network_display(),
                str(row.item.account or ""),
                row.item.remote_id,
                row.item.created_at.isoformat(),
                end.isoformat() if end else "",
                round(row.visible_for.total_seconds() / 60, 1),
                "oui" if row.still_visible else "non",
            ]
        )
    return out.getvalue()


def open_alerts(*, organisation: Organisation) -> QuerySet[Alert]:
    return Alert.objects.filter(organisation=organisation, status=Alert.Status.OPEN)


def alert_list(*, organisation: Organisation) -> QuerySet[Alert]:
    return Alert.objects.filter(organisation=organisation).select_related(
        "acknowledged_by", "closed_by"
    )


def alert_timeline(
    *, alert: Alert, bucket_minutes: int = 30, hours: int = 12
) -> list[dict[str, Any]]:
    """Messages and negative messages per bucket around the alert (before and after it)."""
    start = alert.detected_at - timedelta(hours=hours)
    end = alert.detected_at + timedelta(hours=hours)
    rows = InboxItem.objects.filter(
        organisation=alert.organisation,
        created_at__gte=start,
        created_at__lt=end,
        forwarded_from__isnull=True,
    ).values_list("created_at", "sentiment")
    size = timedelta(minutes=bucket_minutes)
    buckets = int((end - start) / size)
    totals = [0] * buckets
    negatives = [0] * buckets
    for created_at, sentiment in rows:
        index = min(int((created_at - start) / size), buckets - 1)
        totals[index] += 1
        negatives[index] += sentiment == "negative"
    peak = max(totals) or 1
    return [
        {
            "start": start + i * size,
            "total": totals[i],
            "negative": negatives[i],
            "width": round(100 * totals[i] / peak),
            "negative_width": round(100 * negatives[i] / peak),
            "alert": start + i * size <= alert.detected_at < start + (i + 1) * size,
        }
        for i in range(buckets)
    ]
