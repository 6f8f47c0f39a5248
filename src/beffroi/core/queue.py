"""Queueing a task after a commit, with the task queue (Redis) possibly gone for a moment.

Ingestion stores an item, then queues its follow-up (the charter's automatic hiding of an insult,
the reading of an Instagram mention) once the transaction commits. If Redis does not answer at that
instant, a bare `on_commit(task)` raises after the commit: the item is stored but its follow-up is
lost, and a webhook sender gets a 500. Here the follow-up then runs at once, in this process: every
such task is idempotent and quick (one call to a network), and doing it now beats doing it never.
"""

from __future__ import annotations

import logging
import sqlite3
from functools import partial
from typing import Any

from django.db import transaction
from huey.api import TaskWrapper

logger = logging.getLogger(__name__)


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError, sqlite3.OperationalError]
    try:
        import redis.exceptions

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # Redis is optional (SQLite queue by default)
        pass
    return tuple(errors)


QUEUE_UNREACHABLE = _unreachable_errors()


def enqueue_or_run(task: TaskWrapper, *args: Any) -> None:
    """Queue the task; if the queue does not answer, run it here and now."""
    try:
        task(*args)
    except QUEUE_UNREACHABLE as exc:
        logger.warning(
            "file de tâches injoignable (%s) : %s exécutée sur place", type(exc).__name__, task.name
        )
        task.call_local(*args)


def enqueue_after_commit(task: TaskWrapper, *args: Any) -> None:
    """`enqueue_or_run` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(enqueue_or_run, task, *args))
