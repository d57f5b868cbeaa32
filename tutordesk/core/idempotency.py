"""Idempotency keys: run a change once per (user, key) and replay its first completed response.

Hand-written on purpose: the public Django/ninja idempotency packages keep keys in process
memory or a per-process cache, which is wrong with several gunicorn workers or hosts and cannot
commit the stored response atomically with the change. Here everything lives in PostgreSQL (or
SQLite) transactions:

- The response is stored in the `idempotency_keys` table in the same transaction as the change,
  so a stored response always describes a committed change and a crash loses both or neither.
- While a request holds a key, retries get `idempotency_key_in_use` (409). On PostgreSQL the
  first request takes a transaction-scoped advisory lock on a hash of (user, key) with the
  non-blocking `pg_try_advisory_xact_lock`; the lock is released by its COMMIT or ROLLBACK, and a
  retry that gets the lock afterwards looks the key up again and sees the committed row (READ
  COMMITTED: every statement takes a fresh snapshot). A key already stored is replayed without
  the lock, so concurrent retries of a finished request never report it in flight. SQLite transactions are IMMEDIATE, so writers are serialised and a
  retry simply waits for the first to finish, then replays it.
- A different request (method, path or body) under a stored key is `idempotency_key_reused` (422).
- A domain error rolls the whole transaction back (services join it), so an error response is
  stored in a second, fresh transaction. In the gap between the two, a retry may take the key
  and run; the second transaction therefore waits for the key's lock, and if a response was
  stored meanwhile, that first stored response is the key's answer and is returned (replayed).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from tutordesk.accounts.models import User
from tutordesk.core.errors import DomainError, IdempotencyKeyInUse, IdempotencyKeyReused
from tutordesk.core.models import IdempotencyKey

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 255
# How long the error path waits for a retry that took the key between its two transactions.
ERROR_STORE_LOCK_TIMEOUT = "10s"


@dataclass(frozen=True)
class IdempotentResult:
    status_code: int
    body: Any
    content: str  # the exact JSON text: send this, so first response and replays are identical
    replayed: bool


def is_valid_key(key: str) -> bool:
    """1–255 printable ASCII characters (CONTRACT §4)."""
    return 1 <= len(key) <= MAX_KEY_LENGTH and all(" " <= ch <= "~" for ch in key)


def request_fingerprint(method: str, path: str, payload: bytes | str | Any) -> str:
    """SHA-256 of a request. A JSON payload is canonicalised (key order and spacing do not count);
    anything else is hashed as it is. Pass a dict for a form (e.g. its cleaned data)."""
    head = f"{method.upper()}\n{path}\n".encode()
    if isinstance(payload, bytes | str):
        raw = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
        try:
            payload = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            return hashlib.sha256(head + raw).hexdigest()
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(head + canonical.encode("utf-8", "surrogatepass")).hexdigest()


def idempotent_call(
    *,
    user: User,
    key: str | None,
    fingerprint: str,
    run: Callable[[], tuple[int, Any]],
    on_error: Callable[[DomainError], tuple[int, Any]],
) -> IdempotentResult:
    """Run `run` once for (user, key) and return its response; replay that response afterwards.

    - `run()` is called inside the outermost transaction (`atomic(durable=True)`, so the caller
      must not be in a transaction) and returns `(status_code, body)`, body JSON-serialisable.
    - A DomainError raised by `run` rolls its transaction back; `on_error(error)` turns it into
      `(status_code, body)`, which is stored for the key too (errors are replayed like successes).
    - `key=None` runs without idempotency (no row stored), still in one durable transaction.
    - Raises IdempotencyKeyInUse while another request holds the key, IdempotencyKeyReused when
      the key was stored for a request with another fingerprint (see `request_fingerprint`), and
      ValueError for a key that is not 1–255 printable characters (check with `is_valid_key`).
    Other exceptions propagate with everything rolled back and nothing stored.
    """
    if key is None:
        try:
            with transaction.atomic(durable=True):
                status_code, body = run()
        except DomainError as error:
            status_code, body = on_error(error)
        return _fresh(status_code, body)
    if not is_valid_key(key):
        raise ValueError("an idempotency key is 1–255 printable ASCII characters")

    try:
        with transaction.atomic(durable=True):
            # A stored response is final: replay it without touching the lock, so concurrent
            # retries of a completed request all replay instead of seeing each other as in flight.
            stored = _stored(user, key, fingerprint)
            if stored is None and connection.vendor == "postgresql":
                if not _try_lock(user, key):
                    raise IdempotencyKeyInUse(
                        "A request with this Idempotency-Key is still being processed; retry shortly"
                    )
                # Look again: the holder may have committed between the first look and the lock.
                stored = _stored(user, key, fingerprint)
            if stored is None:
                status_code, body = run()
                result = _fresh(status_code, body)
                _store(user, key, fingerprint, result)
                return result
        return _replay(stored)
    except (IdempotencyKeyInUse, IdempotencyKeyReused):
        raise
    except DomainError as error:
        status_code, body = on_error(error)
    return _store_error(user, key, fingerprint, _fresh(status_code, body))


def purge_expired_keys(*, now: Any = None, batch_size: int = 5000) -> int:
    """Delete keys older than settings.IDEMPOTENCY_KEY_TTL_HOURS, in short batches; return the count."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return deleted
            deleted += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]


def _fresh(status_code: int, body: Any) -> IdempotentResult:
    content = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)
    return IdempotentResult(status_code=status_code, body=body, content=content, replayed=False)


def _replay(stored: IdempotencyKey) -> IdempotentResult:
    return IdempotentResult(
        status_code=stored.status_code,
        body=json.loads(stored.response_body),
        content=stored.response_body,
        replayed=True,
    )


def _lock_id(user: User, key: str) -> int:
    digest = hashlib.sha256(f"{user.pk}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _try_lock(user: User, key: str) -> bool:
    """PostgreSQL only. (SQLite needs no lock: its IMMEDIATE transaction holds the database's
    write lock from BEGIN, so the first look above is already serialised with every writer.)"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_id(user, key)])
        return bool(cursor.fetchone()[0])


def _wait_for_lock(user: User, key: str) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{ERROR_STORE_LOCK_TIMEOUT}'")
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(user, key)])


def _stored(user: User, key: str, fingerprint: str) -> IdempotencyKey | None:
    """The live stored response for (user, key), or None; an expired one is dropped."""
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is None:
        return None
    ttl = timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    if stored.created_at < timezone.now() - ttl:
        stored.delete()
        return None
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request; use a new key"
        )
    return stored


def _store(user: User, key: str, fingerprint: str, result: IdempotentResult) -> None:
    IdempotencyKey.objects.create(
        user=user,
        key=key,
        fingerprint=fingerprint,
        status_code=result.status_code,
        response_body=result.content,
    )


def _store_error(user: User, key: str, fingerprint: str, result: IdempotentResult) -> IdempotentResult:
    """Store an error response after its change rolled back, unless a retry got there first."""
    try:
        with transaction.atomic(durable=True):
            _wait_for_lock(user, key)
            stored = _stored(user, key, fingerprint)
            if stored is not None:
                return _replay(stored)
            _store(user, key, fingerprint, result)
    except OperationalError:
        # The key stayed busy past the lock timeout. Nothing changed for this request, so its
        # own error is still true; it is just not stored, and a retry will run afresh.
        logger.warning("idempotency: could not store an error response for key %r", key, exc_info=True)
    return result
