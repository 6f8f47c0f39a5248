"""Huey tasks of publishing: thin, idempotent, each calls a service."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from beffroi.publishing import services


@db_periodic_task(crontab(minute="*"))
def publishing_publish_due() -> int:
    """Every minute: publish what is due (intents claimed with a lease, so overlapping runs are safe)."""
    return services.publish_due()


@db_task()
def publishing_publish_now() -> int:
    """Queued after « publier maintenant » commits, so that nobody waits for the next minute."""
    return services.publish_due(limit=100)


@db_periodic_task(crontab(hour="4", minute="17"))
def publishing_learn_best_times() -> int:
    """Every night: the best posting times of each account, from its own recent posts."""
    return services.editorial_lines_learn_all(since=timezone.now() - timedelta(days=180))
