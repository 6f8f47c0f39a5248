"""Reads of publishing, always scoped to one organisation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core import signing
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from beffroi.core.domain import NETWORK_LABELS, Network, Topic
from beffroi.core.models import NetworkAccount, Organisation, Role, User
from beffroi.core.permissions import Perm, role_allows
from beffroi.core.selectors import role_for
from beffroi.publishing.agenda import PARIS, CalendarEntry, Holiday, public_holidays
from beffroi.publishing.models import (
    ApprovalStep,
    Contact,
    Draft,
    EditorialLine,
    Notification,
    OrganisationEvent,
    Variant,
)
from beffroi.publishing.planning import LinePlan, PlanAlert, PlannedPost, plan_alerts

ICAL_SALT = "beffroi.publishing.ical"


def draft_get(*, organisation: Organisation, draft_id: int) -> Draft:
    return get_object_or_404(
        Draft.objects.select_related("organisation", "created_by"),
        pk=draft_id,
        organisation=organisation,
    )


def variant_get(*, organisation: Organisation, variant_id: int) -> Variant:
    return get_object_or_404(
        Variant.objects.select_related("draft", "account"),
        pk=variant_id,
        draft__organisation=organisation,
    )


def publishable_accounts(*, organisation: Organisation) -> QuerySet[NetworkAccount]:
    return NetworkAccount.objects.filter(organisation=organisation).order_by("network", "handle")


def paris_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC bounds of Paris days start..end inclusive."""
    low = datetime.combine(start, time.min, tzinfo=PARIS).astimezone(UTC)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=PARIS).astimezone(UTC)
    return low, high


def calendar_drafts(
    *,
    organisation: Organisation,
    start: date,
    end: date,
    networks: Iterable[str] = (),
    topics: Iterable[str] = (),
    states: Iterable[str] = (),
) -> QuerySet[Draft]:
    low, high = paris_bounds(start, end)
    drafts = Draft.objects.filter(
        organisation=organisation, scheduled_at__gte=low, scheduled_at__lt=high
    )
    networks, topics, states = list(networks), list(topics), list(states)
    if networks:
        drafts = drafts.filter(variants__network__in=networks).distinct()
    if topics:
        drafts = drafts.filter(topic__in=topics)
    if states:
        drafts = drafts.filter(state__in=states)
    return drafts.prefetch_related(
        Prefetch("variants", queryset=Variant.objects.select_related("account"))
    ).order_by("scheduled_at", "id")


@dataclass(frozen=True, slots=True)
class CalendarItem:
    """What a calendar cell shows of a draft: read as plain values, never as model instances."""

    id: int
    title: str
    state: str
    state_label: str
    scheduled_at: datetime
    networks: tuple[str, ...]  # labels of its variants' networks, in alphabetical order of code


def calendar_items(
    *,
    organisation: Organisation,
    start: date,
    end: date,
    networks: Iterable[str] = (),
    topics: Iterable[str] = (),
    states: Iterable[str] = (),
) -> list[CalendarItem]:
    """The drafts of a month or week grid in two queries (drafts, then their variants' networks).

    The grid is the most viewed page of publishing: building a Draft, its Variants and their
    accounts for each of the hundred entries of a busy month cost more than the queries themselves.
    """
    drafts = list(
        calendar_drafts(
            organisation=organisation,
            start=start,
            end=end,
            networks=networks,
            topics=topics,
            states=states,
        )
        .prefetch_related(None)
        .values_list("id", "title", "state", "scheduled_at")
    )
    by_draft: dict[int, list[str]] = {}
    rows = (
        Variant.objects.filter(draft_id__in=[d[0] for d in drafts])
        .order_by("draft_id", "network")
        .values_list("draft_id", "network")
    )
    for draft_id, network in rows:
        by_draft.setdefault(draft_id, []).append(network)
    state_labels = dict(Draft.State.choices)
    network_labels = {n.value: label for n, label in NETWORK_LABELS.items()}
    return [
        CalendarItem(
            id=pk,
            title=title,
            state=state,
            state_label=str(state_labels.get(state, state)),
            scheduled_at=scheduled_at,
            networks=tuple(network_labels.get(n, n) for n in by_draft.get(pk, [])),
        )
        for pk, title, state, scheduled_at in drafts
        if scheduled_at is not None
    ]


def unscheduled_drafts(*, organisation: Organisation) -> QuerySet[Draft]:
    return (
        Draft.objects.filter(organisation=organisation, scheduled_at__isnull=True)
        .exclude(state__in=[Draft.State.CANCELLED, Draft.State.PUBLISHED])
        .order_by("-created_at")
    )


def holidays_between(*, organisation: Organisation, start: date, end: date) -> list[Holiday]:
    # Moselle and Alsace have two more days; their INSEE codes start with 57, 67, 68.
    subdivision = "57" if organisation.code[:2] in {"57", "67", "68"} else None
    return public_holidays(start, end, subdivision=subdivision)


def events_between(
    *, organisation: Organisation, start: date, end: date
) -> QuerySet[OrganisationEvent]:
    return OrganisationEvent.objects.filter(
        organisation=organisation, starts_on__lte=end, ends_on__gte=start
    )


def drafts_to_review(*, organisation: Organisation, user: User) -> list[Draft]:
    """Drafts whose current step waits for this user."""
    role = role_for(user=user, organisation=organisation)
    if role is None:
        return []
    result = []
    drafts = Draft.objects.filter(
        organisation=organisation, state=Draft.State.IN_REVIEW
    ).prefetch_related("steps")
    for draft in drafts:
        rounds = [s.round for s in draft.steps.all()]
        current = next(
            (
                s
                for s in draft.steps.all()
                if s.round == max(rounds, default=0) and s.position == draft.current_step
            ),
            None,
        )
        if current is None:
            continue
        if (
            current.reviewer_id == user.pk
            or role == Role.ADMIN
            or (
                current.reviewer_id is None
                and not current.guest_email
                and role_allows(role, Perm.APPROVE_DRAFTS)
            )
        ):
            result.append(draft)
    return result


def current_step(draft: Draft) -> ApprovalStep | None:
    latest = draft.steps.order_by("-round").values_list("round", flat=True).first()
    if latest is None or draft.state != Draft.State.IN_REVIEW:
        return None
    return draft.steps.filter(round=latest, position=draft.current_step).first()


def notifications_for(
    *, user: User, organisation: Organisation, unread_only: bool = True
) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(user=user, organisation=organisation)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def contacts(*, organisation: Organisation) -> QuerySet[Contact]:
    return Contact.objects.filter(organisation=organisation)


def editorial_lines(*, organisation: Organisation) -> QuerySet[EditorialLine]:
    return EditorialLine.objects.filter(organisation=organisation).select_related("account")


def plan_alerts_for(*, organisation: Organisation, start: date, end: date) -> list[PlanAlert]:
    lines = [
        LinePlan(
            network=Network(line.account.network),
            posts_per_week=float(line.posts_per_week),
            themes=tuple(Topic(t) for t in line.themes),
            max_per_day=line.max_per_day,
        )
        for line in editorial_lines(organisation=organisation)
    ]
    if not lines:
        return []
    low, high = paris_bounds(start, end)
    variants = (
        Variant.objects.filter(
            draft__organisation=organisation,
            draft__scheduled_at__gte=low,
            draft__scheduled_at__lt=high,
        )
        .exclude(Q(draft__state=Draft.State.CANCELLED) | Q(state=Variant.State.CANCELLED))
        .values_list("network", "draft__scheduled_at", "draft__topic", "draft__relays_website")
    )
    posts = [
        PlannedPost(
            network=Network(network),
            starts_at=scheduled_at,
            topic=Topic(topic),
            relays_website=relays_website,
        )
        for network, scheduled_at, topic, relays_website in variants
        if scheduled_at is not None
    ]
    return plan_alerts(posts, lines, start=start, end=end)


# ----------------------------------------------------------------------------- iCalendar


def ical_token(organisation: Organisation) -> str:
    """The secret of the organisation's calendar URL: stable (clients keep it), signed (not guessable)."""
    return signing.Signer(salt=ICAL_SALT).sign(str(organisation.pk))


def organisation_from_ical_token(token: str) -> Organisation:
    try:
        organisation_id = signing.Signer(salt=ICAL_SALT).unsign(token)
    except signing.BadSignature:
        from django.http import Http404

        raise Http404("Calendrier introuvable") from None
    return get_object_or_404(Organisation, pk=int(organisation_id))


@dataclass(frozen=True)
class IcalContent:
    entries: list[CalendarEntry]
    holidays: list[Holiday]


def ical_content(*, organisation: Organisation, today: date, base_url: str = "") -> IcalContent:
    start, end = today - timedelta(days=31), today + timedelta(days=180)
    drafts = calendar_drafts(organisation=organisation, start=start, end=end).exclude(
        state=Draft.State.CANCELLED
    )
    entries = []
    for draft in drafts:
        if draft.scheduled_at is None:
            continue
        networks = ", ".join(sorted({v.get_network_display() for v in draft.variants.all()}))
        entries.append(
            CalendarEntry(
                uid=f"draft-{draft.pk}",
                title=f"{networks} : {draft.title}",
                starts_at=draft.scheduled_at,
                description=f"État : {draft.get_state_display()}\n\n{draft.text}",
                url=f"{base_url}/o/{organisation.slug}/publications/{draft.pk}/"
                if base_url
                else None,
                categories=(draft.get_topic_display(),),
                status="CONFIRMED"
                if draft.state
                in (Draft.State.SCHEDULED, Draft.State.PUBLISHED, Draft.State.PUBLISHING)
                else "TENTATIVE",
            )
        )
    for event in events_between(organisation=organisation, start=start, end=end):
        entries.append(
            CalendarEntry(
                uid=f"event-{event.pk}",
                title=event.title,
                starts_at=datetime.combine(event.starts_on, time.min, tzinfo=PARIS).astimezone(UTC),
                duration=timedelta(days=(event.ends_on - event.starts_on).days + 1),
                description=event.description,
                categories=("Événement",),
            )
        )
    return IcalContent(entries, holidays_between(organisation=organisation, start=start, end=end))
