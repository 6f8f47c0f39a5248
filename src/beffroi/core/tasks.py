"""Background work of the core: thin tasks that call services."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from beffroi.core.health import health_check_all, health_digest_send
from beffroi.core.metrics import task_signals_connect
from beffroi.core.models import Organisation

# The worker autodiscovers tasks modules: its task errors are counted for /metrics/ from here.
task_signals_connect()


@db_periodic_task(crontab(minute="15", hour="5"))
def token_health_daily() -> None:
    """Every morning: check every account's token, then tell each organisation what needs doing."""
    health_check_all()
    for organisation in Organisation.objects.all():
        health_digest_send(organisation=organisation)
