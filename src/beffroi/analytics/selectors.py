"""Reads of the analytics app: the lake behind the settings, dashboards, objectives, reports."""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from beffroi.analytics import objectives as pure
from beffroi.analytics.kpis import (
    AnalyticsBackend,
    Dashboard,
    Period,
    dashboard,
    raw_daily,
)
from beffroi.analytics.lake import PSEUDONYM_KEY_ENV, ROLLUPS_DIR, EventLake, Pseudonymiser
from beffroi.analytics.models import Objective
from beffroi.analytics.report import MonthlyReport, ReportAlert, build_monthly_report
from beffroi.core.domain import Network
from beffroi.core.models import Organisation


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


def organisation_dashboard(
    organisation: Organisation, period: Period, *, event_lake: EventLake | None = None
) -> Dashboard:
    """From the daily rollups when they exist, else from the raw events (a new deployment)."""
    event_lake = event_lake or lake()
    backend = AnalyticsBackend.duckdb()
    try:
        if event_lake.has_data(ROLLUPS_DIR):
            source = backend.rollups(event_lake)
        else:
            source = raw_daily(
                backend.events(event_lake), organisation=organisation.slug, period=period
            )
        return dashboard(backend, source, organisation=organisation.slug, period=period)
    finally:
        backend.close()


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
