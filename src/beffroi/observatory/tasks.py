"""Background work of the observatory: the activity snapshot, refreshed every night."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from beffroi.observatory.services import activity_refresh


@db_periodic_task(crontab(hour="4", minute="30"))
def observatory_activity_refresh() -> None:
    activity_refresh(actor=None)
