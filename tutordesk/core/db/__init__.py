"""Transactions that survive the database's own refusals, and what a database error means.

- A deadlock or a serialization failure (PostgreSQL), or a write lock not granted in time
  (SQLite's "database is locked"), rolls the whole transaction back: running it again is safe.
  `run_in_transaction` does so a few times, with a short random pause, and logs each retry.
- A database that cannot be reached, or fails mid-request, is "unavailable": the API answers 503
  `service_unavailable` and the pages a plain 503 page (core.middleware); nothing was changed.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, transaction

logger = logging.getLogger("tutordesk.db")

T = TypeVar("T")

ATTEMPTS = 5
# SQLSTATEs of a transaction the database rolled back on its own; a retry may well succeed.
DEADLOCK = "40P01"
SERIALIZATION_FAILURE = "40001"
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout expired


def sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__ or exc.__context__
    return getattr(cause, "sqlstate", None)


def is_transient(exc: BaseException) -> bool:
    """A deadlock, a serialization failure, or SQLite's write lock not granted in time."""
    if not isinstance(exc, OperationalError):
        return False
    if sqlstate(exc) in (DEADLOCK, SERIALIZATION_FAILURE):
        return True
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


def is_lock_timeout(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and sqlstate(exc) == LOCK_NOT_AVAILABLE


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached, refused the work (overloaded, shutting down, out of
    locks or disk) or dropped the connection mid-request."""
    return isinstance(exc, OperationalError | InterfaceError)


def run_in_transaction(work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """`work()` in the outermost transaction; retried when the database rolled it back on its own.

    `work` must do nothing outside the database: it may run again after a rollback.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic(durable=True):
                return work()
        except OperationalError as exc:
            if not is_transient(exc) or attempt == attempts:
                raise
            logger.warning(
                "transaction retried: %s (attempt %d of %d)",
                sqlstate(exc) or str(exc),
                attempt,
                attempts,
                extra={"event": "transaction_retried"},
            )
            time.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")
