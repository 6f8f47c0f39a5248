"""Background work of the measurement app: nightly rollups, the monthly report by e-mail."""

from __future__ import annotations

from datetime import date, timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from beffroi.analytics import selectors, services
from beffroi.core.models import Organisation


@on_startup()
def analytics_lake_recover() -> None:
    """A worker starting after a crash or a full disk finishes or undoes the lake's interrupted
    writes (hidden partial files, half-swapped months) before any task appends to it."""
    selectors.lake().recover()


@db_periodic_task(crontab(hour="4", minute="15"))
def analytics_rollups_refresh() -> int:
    """Daily rollups of the current and previous month, after the night's metric snapshots."""
    return services.rollups_refresh()


@db_periodic_task(crontab(day="1", hour="7", minute="0"))
def analytics_monthly_reports() -> int:
    """On the first of the month, last month's report to each organisation's administrators."""
    last_month = date.today().replace(day=1) - timedelta(days=1)
    sent = 0
    for organisation in Organisation.objects.all():
        sent += services.monthly_report_send(
            organisation=organisation, year=last_month.year, month=last_month.month
        )
    return sent
