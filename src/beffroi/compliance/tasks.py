"""Background work of the compliance app: the nightly retention purge."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from beffroi.compliance import services
from beffroi.core.models import Organisation


@db_periodic_task(crontab(hour="3", minute="30"))
def compliance_purge_all() -> int:
    """Purge every organisation's expired personal data, then the lake's old events."""
    total = 0
    for organisation in Organisation.objects.all():
        total += services.retention_purge(organisation=organisation, actor=None).total
    return total + services.lake_retention_purge()
