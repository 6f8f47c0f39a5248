"""Huey tasks of participation: thin, idempotent, each calls a service."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from beffroi.participation import services
from beffroi.participation.models import Consultation

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="23"))
def participation_collect_open() -> int:
    """Every hour: read the new answers of the open consultations (already known ones are skipped)."""
    now = timezone.now()
    collected = 0
    for consultation in Consultation.objects.filter(
        closed_at__isnull=True, starts_at__lte=now, ends_at__gte=now
    ):
        report = services.consultation_collect(consultation=consultation, actor=None)
        collected += report.new
        for error in report.errors:
            logger.warning("consultation %s: %s", consultation.pk, error)
    return collected


@db_periodic_task(crontab(hour="3", minute="41"))
def participation_purge_expired() -> int:
    """Every night: delete the answers kept longer than their consultation promised."""
    return services.answers_purge_expired()


@db_task()
def participation_group(consultation_id: int, actor_id: int | None) -> int:
    """Grouping with embeddings takes minutes for thousands of answers: the page queues it here."""
    from beffroi.core.models import User

    consultation = Consultation.objects.get(pk=consultation_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return services.consultation_group(consultation=consultation, actor=actor).ideas
