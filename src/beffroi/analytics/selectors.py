"""Reads of the analytics app: the lake behind the settings, dashboards, objectives, reports."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from beffroi.analytics import charts
from beffroi.analytics import objectives as pure
from beffroi.analytics.kpis import (
    KEYWORD_COLUMNS,
    AnalyticsBackend,
    Dashboard,
    Period,
    dashboard,
    events_window,
    keyword_share,
    mention_shares,
    raw_daily,
    rollup_dashboard,
    rollup_window,
    shared_duckdb,
)
from beffroi.analytics.lake import (
    EVENTS_DIR,
    PSEUDONYM_KEY_ENV,
    ROLLUPS_DIR,
    EventLake,
    Pseudonymiser,
)
from beffroi.analytics.models import Objective
from beffroi.analytics.planner import (
    HISTORY_COLUMNS,
    SponsoringHistory,
    SponsoringPlan,
    SponsoringRefused,
    load_history,
    plan_sponsoring,
)
from beffroi.analytics.report import MonthlyReport, ReportAlert, build_monthly_report
from beffroi.core.domain import Network, OrganisationKind
from beffroi.core.models import Organisation, User


def pseudonym_key() -> bytes:
    """BEFFROI_PSEUDONYM_KEY (setting or environment), else a key derived from SECRET_KEY."""
    value = getattr(settings, PSEUDONYM_KEY_ENV, None) or os.environ.get(PSEUDONYM_KEY_ENV)
    if value:
        return str(value).encode()
    return hmac.new(
        settings.SECRET_KEY.encode(), b"beffroi-lake-pseudonyms", hashlib.sha256
    ).digest()


def lake() -> EventLake:
    return EventLake(settings.BEFFROI_LAKE_URL, pseudonymiser=Pseudonymiser(pseudonym_key()))


def objectives_of(organisation: Organisation) -> list[tuple[Objective, pure.Objective]]:
    """Each stored objective with its pure definition, for `objectives.assess`."""
    out = []
    for row in Objective.objects.filter(organisation=organisation).prefetch_related("targets"):
        definition = pure.Objective(
            kind=pure.ObjectiveKind(row.kind),
            title=row.title,
            description=row.description,
            targets=tuple(
                pure.Target(t.indicator, t.baseline, t.target, t.start, t.deadline)
                for t in row.targets.all()  # type: ignore[attr-defined]
            ),
        )
        out.append((row, definition))
    return out


# Cached results live this long at most; a rebuild of the rollups changes the key before that.
CACHE_SECONDS = 15 * 60


def _cache_key(kind: str, event_lake: EventLake, dataset: str, *parts: object) -> str:
    """A cache key that names the lake's files: rewriting them (new rollups, an append) gives new
    names, so a rebuild invalidates every entry computed from the old files, in every process."""
    digest = hashlib.blake2b(
        "\x1f".join([kind, event_lake.generation(dataset), *map(str, parts)]).encode(),
        digest_size=16,
    ).hexdigest()
    return f"beffroi:analytics:{kind}:{digest}"


def organisation_dashboard(
    organisation: Organisation, period: Period, *, event_lake: EventLake | None = None
) -> Dashboard:
    """From the daily rollups when they exist (only this organisation's row groups are read), else
    from the raw events (a new deployment); cached until the files it came from change."""
    event_lake = event_lake or lake()
    has_rollups = event_lake.has_data(ROLLUPS_DIR)
    dataset = ROLLUPS_DIR if has_rollups else EVENTS_DIR
    key = _cache_key("dashboard", event_lake, dataset, organisation.slug, period.start, period.end)
    board: Dashboard | None = cache.get(key)
    if board is not None:
        return board
    if has_rollups:
        board = rollup_dashboard(event_lake, organisation=organisation.slug, period=period)
    else:
        backend = AnalyticsBackend.duckdb()
        try:
            source = raw_daily(
                backend.events(event_lake), organisation=organisation.slug, period=period
            )
            board = dashboard(backend, source, organisation=organisation.slug, period=period)
        finally:
            backend.close()
    cache.set(key, board, CACHE_SECONDS)
    return board


def dashboard_charts(
    organisation: Organisation,
    period: Period,
    board: Dashboard,
    *,
    event_lake: EventLake | None = None,
) -> dict[str, charts.Spec]:
    """The dashboard's followers and reach charts, cached with the dashboard they draw."""
    if not board.daily.num_rows:
        return {}
    event_lake = event_lake or lake()
    dataset = ROLLUPS_DIR if event_lake.has_data(ROLLUPS_DIR) else EVENTS_DIR
    key = _cache_key("charts", event_lake, dataset, organisation.slug, period.start, period.end)
    specs: dict[str, charts.Spec] | None = cache.get(key)
    if specs is None:
        specs = {
            "followers": charts.followers_chart(board.daily),
            "reach": charts.reach_chart(board.daily),
        }
        cache.set(key, specs, CACHE_SECONDS)
    return specs


@dataclass(frozen=True, slots=True)
class VoiceShare:
    organisation: Organisation
    mentions: int
    share: float | None


def peers_offered(organisation: Organisation, *, user: User) -> list[Organisation]:
    """Peers the team may compare itself with: the organisations the user may see, and the
    organisation's own family (parent, children, siblings: the communes of one intercommunalité).
    Others' mention counts are not shown to anyone outside that circle."""
    from beffroi.core.selectors import organisations_for_user

    family = Q(parent=organisation)
    if organisation.parent_id is not None:
        family |= Q(pk=organisation.parent_id) | Q(parent_id=organisation.parent_id)
    visible = Organisation.objects.filter(
        Q(pk__in=organisations_for_user(user=user).values("pk")) | family
    ).exclude(pk=organisation.pk)
    return sorted(visible[:500], key=lambda o: (o.kind != organisation.kind, o.name))


def share_of_voice_of(
    organisation: Organisation,
    peers: list[Organisation],
    period: Period,
    *,
    event_lake: EventLake | None = None,
) -> list[VoiceShare]:
    """The mentions of the organisation and its chosen peers over the period, from the rollups."""
    event_lake = event_lake or lake()
    everyone = {o.slug: o for o in [organisation, *peers]}
    key = _cache_key("voice", event_lake, ROLLUPS_DIR, *sorted(everyone), period.start, period.end)
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is None:
        window = rollup_window(
            event_lake, organisations=list(everyone), start=period.start, end=period.end
        )
        rows = (
            shared_duckdb()
            .run_small(
                window.select(["organisation", "mentions"]), "share-of-voice", mention_shares
            )
            .to_pylist()
        )
        cache.set(key, rows, CACHE_SECONDS)
    found = {str(r["organisation"]): r for r in rows}
    shares = [
        VoiceShare(
            organisation=org,
            mentions=int(found[slug]["mentions"] or 0) if slug in found else 0,
            share=found[slug]["share"] if slug in found else None,
        )
        for slug, org in everyone.items()
    ]
    return sorted(shares, key=lambda v: (-v.mentions, v.organisation.name))


@dataclass(frozen=True, slots=True)
class KeywordShare:
    keyword: str
    mentions: int
    share: float


def keyword_shares_of(
    organisation: Organisation, period: Period, *, event_lake: EventLake | None = None
) -> list[KeywordShare]:
    """Share of each listened keyword in the organisation's keyword mentions of the period."""
    event_lake = event_lake or lake()
    key = _cache_key(
        "keywords", event_lake, EVENTS_DIR, organisation.slug, period.start, period.end
    )
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is None:
        backend = AnalyticsBackend.duckdb()
        try:
            # Only this organisation's row groups of the period's months (compacted raw files are
            # sorted by organisation), not every event of those months.
            window = events_window(
                event_lake,
                organisations=[organisation.slug],
                start=period.start,
                end=period.end,
                columns=KEYWORD_COLUMNS,
            )
            rows = backend.to_arrow(
                keyword_share(
                    backend.register(window),
                    organisation=organisation.slug,
                    start=period.start,
                    end=period.end,
                )
            ).to_pylist()
        finally:
            backend.close()
        cache.set(key, rows, CACHE_SECONDS)
    return sorted(
        (KeywordShare(str(r["keyword"]), int(r["mentions"]), float(r["share"])) for r in rows),
        key=lambda k: (-k.mentions, k.keyword),
    )


@dataclass(frozen=True, slots=True)
class SponsoringAnswer:
    """The planner's answer: a plan, or the reason it is refused (election period)."""

    network: str
    budget_eur: float
    on: date
    plan: SponsoringPlan | None
    refusal: str = ""


HISTORY_DAYS = 365


def sponsoring_plan_for(
    organisation: Organisation,
    *,
    network: str,
    budget_eur: float,
    on: date,
    event_lake: EventLake | None = None,
) -> SponsoringAnswer:
    """What `budget_eur` would add to a post on `network`, or the election-period refusal.

    The calendar is the compliance module's (shipped elections and the organisation's own entries);
    the refusal comes before any figure, as the law forbids the purchase, not only its excess.
    """
    from beffroi.compliance.elections import sponsoring_decision
    from beffroi.compliance.selectors import calendar_for

    calendar = calendar_for(organisation=organisation)
    kind = OrganisationKind(organisation.kind)
    decision = sponsoring_decision(kind, on, calendar)
    if not decision.allowed:
        return SponsoringAnswer(network, budget_eur, on, None, decision.reason)
    event_lake = event_lake or lake()
    since = on - timedelta(days=HISTORY_DAYS)
    key = _cache_key("sponsoring", event_lake, EVENTS_DIR, organisation.slug, network, since, on)
    history: SponsoringHistory | None = cache.get(key)
    if history is None:
        backend = AnalyticsBackend.duckdb()
        try:
            window = events_window(
                event_lake,
                organisations=[organisation.slug],
                start=since,
                end=on,
                columns=HISTORY_COLUMNS,
            )
            history = load_history(
                backend,
                backend.register(window),
                organisation=organisation.slug,
                network=network,
                since=since,
            )
        finally:
            backend.close()
        cache.set(key, history, CACHE_SECONDS)
    try:
        plan = plan_sponsoring(
            history,
            budget_eur=budget_eur,
            on=on,
            is_election_period=lambda day: not sponsoring_decision(kind, day, calendar).allowed,
        )
    except SponsoringRefused as refused:
        return SponsoringAnswer(network, budget_eur, on, None, str(refused))
    return SponsoringAnswer(network, budget_eur, on, plan)


def assessments_of(
    organisation: Organisation, board: Dashboard, *, today: date
) -> list[pure.ObjectiveAssessment]:
    return [pure.assess(d, board.total, today=today) for _, d in objectives_of(organisation)]


SEVERITY_LEVELS = {
    "low": "information",
    "medium": "attention",
    "high": "attention",
    "critical": "crise",
}


def alerts_of_month(organisation: Organisation, year: int, month: int) -> list[ReportAlert]:
    """The listening module's alerts detected during the month (Paris time)."""
    from beffroi.listening.models import Alert

    period = Period.month(year, month)
    paris = timezone.get_default_timezone()
    start = datetime.combine(period.start, datetime.min.time(), tzinfo=paris)
    end = datetime.combine(period.end, datetime.max.time(), tzinfo=paris)
    return [
        ReportAlert(
            raised_at=a.detected_at,
            title=a.reason,
            level=SEVERITY_LEVELS.get(a.severity, "attention"),
        )
        for a in Alert.objects.filter(
            organisation=organisation, detected_at__gte=start, detected_at__lte=end
        ).order_by("detected_at")
    ]


def monthly_report(
    organisation: Organisation,
    *,
    year: int,
    month: int,
    alerts: list[ReportAlert] | None = None,
    event_lake: EventLake | None = None,
    now: datetime | None = None,
) -> MonthlyReport:
    event_lake = event_lake or lake()
    backend = AnalyticsBackend.duckdb()
    try:
        return build_monthly_report(
            backend,
            event_lake,
            organisation=organisation.slug,
            organisation_name=organisation.name,
            year=year,
            month=month,
            objectives=[d for _, d in objectives_of(organisation)],
            alerts=alerts if alerts is not None else alerts_of_month(organisation, year, month),
            generated_at=now or timezone.now(),
            simulated=organisation.network_accounts.filter(network=Network.SANDBOX.value).exists(),
        )
    finally:
        backend.close()
