"""Idempotency keys: run a change once per (user, key) and replay its first completed response.

Hand-written on purpose: the public Django/ninja idempotency packages keep keys in process
memory or a per-process cache, which is wrong with several gunicorn workers or hosts and cannot
commit the stored response atomically with the change. Here everything lives in database
transactions (PostgreSQL, or SQLite):

- A stored response is final: it is replayed (`replayed=True`) for every later request with the
  same key and the same fingerprint; another fingerprint is `idempotency_key_reused` (422).
- A first request runs its change and stores its response in the same transaction, with a plain
  INSERT guarded by the unique index on (user, key), so a stored response always describes a
  committed change and a crash loses both or neither.
- Two requests with one key at once: both find nothing stored and run. The second's change waits
  on the rows the first locked (or runs into the first's result: `invalid_transition`,
  `tutor_double_booked`), and its INSERT of the key waits on the unique index until the first
  commits, then fails; its transaction rolls back entirely and the first's stored response is
  replayed to it. So nothing runs twice and every caller gets the key's one answer. A wait longer
  than the database's lock timeout answers `idempotency_key_in_use` (409), with nothing changed.
- A domain error rolls the change back (services join the caller's transaction); its error
  response is then stored in a fresh transaction, and if another request stored an answer for the
  key in between, that answer is the key's and is replayed instead. An answer that cannot be
  stored is never given as final: the database error propagates (503, CONTRACT §7).
- Deadlocks and serialization failures roll the whole transaction back and are retried here, a
  few times with a short random pause (core.db.run_in_transaction).

Everything about keys lives here: the key rule, the fingerprint, the store, the replay, the stored
answer (`StoredAnswer`, read from a row, never a model built elsewhere) and the SQL that joins the
caller's stored answer into another look-up (`stored_answer_join`: the API's token look-up uses
it, so a replay costs one round trip). The API (api.idempotent) and the pages (web.once) adapt it.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, OperationalError
from django.utils.dateparse import parse_datetime

from tutordesk.core import clock
from tutordesk.core.db import is_lock_timeout, run_in_transaction
from tutordesk.core.db.rows import batched_inserts, insert_rows
from tutordesk.core.errors import DomainError, IdempotencyKeyInUse, IdempotencyKeyReused
from tutordesk.core.models import IdempotencyKey

MAX_KEY_LENGTH = 255
KEY_CONSTRAINT = "idempotency_keys_user_key_uniq"
# 1–255 printable ASCII characters, without surrounding spaces (HTTP trims those anyway).
KEY_PATTERN = r"^[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?$"
_KEY_RE = re.compile(KEY_PATTERN)
KEY_RULE = "1–255 printable ASCII characters, without leading or trailing spaces"


@dataclass(frozen=True)
class StoredAnswer:
    """The answer stored under one (user, key): the response replayed for every retry."""

    id: int
    fingerprint: str
    status_code: int
    content: str  # the exact JSON text sent the first time
    created_at: datetime


class _NotLookedUp(enum.Enum):
    NOT_LOOKED_UP = "not looked up"


# What a caller knows of a key's stored answer: the answer, None (looked up: there is none), or
# NOT_LOOKED_UP (`idempotent_call` looks it up itself).
NOT_LOOKED_UP: Final = _NotLookedUp.NOT_LOOKED_UP
StoredLookup = StoredAnswer | None | Literal[_NotLookedUp.NOT_LOOKED_UP]

# The columns `stored_answer_join` adds to a SELECT, in the order `stored_answer_from_row` reads them.
STORED_ANSWER_COLUMNS = "k.id, k.fingerprint, k.status_code, k.response_body, k.created_at"


def stored_answer_join(user_id_column: str) -> str:
    """A LEFT JOIN of the stored answer of `user_id_column`'s user under the key given as the
    next parameter (on the unique (user, key) index), as `k`: select STORED_ANSWER_COLUMNS too."""
    return f"LEFT JOIN idempotency_keys k ON k.user_id = {user_id_column} AND k.key = %s"


def stored_answer_from_row(columns: Sequence[Any]) -> StoredAnswer | None:
    """The stored answer from a row's STORED_ANSWER_COLUMNS; None when the join found none."""
    answer_id, fingerprint, status_code, content, created_at = columns
    if answer_id is None:
        return None
    return StoredAnswer(
        id=answer_id,
        fingerprint=fingerprint,
        status_code=status_code,
        content=content,
        created_at=_aware(created_at),
    )


@dataclass(frozen=True)
class IdempotentResult:
    status_code: int
    body: Any
    content: str  # the exact JSON text: send this, so first response and replays are identical
    replayed: bool


def is_valid_key(key: str) -> bool:
    """The one rule for an Idempotency-Key (CONTRACT §4), for the API header and the pages' forms."""
    # fullmatch: `$` alone would let a final newline through, which the API header's check
    # (pydantic's regex, where `$` is the very end) refuses.
    return _KEY_RE.fullmatch(key) is not None


def request_fingerprint(method: str, path: str, payload: bytes | str | Any) -> str:
    """SHA-256 of a request. A JSON payload is canonicalised (key order and spacing do not count);
    anything else is hashed as it is. Pass a dict for a form (e.g. its cleaned data)."""
    head = f"{method.upper()}\n{path}\n".encode()
    if isinstance(payload, bytes | str):
        raw = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
        try:
            payload = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError, RecursionError):  # not JSON, or nested too deep to read
            return hashlib.sha256(head + raw).hexdigest()
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(head + canonical.encode("utf-8", "surrogatepass")).hexdigest()


def idempotent_call(
    *,
    user_id: uuid.UUID,
    key: str | None,
    fingerprint: str,
    run: Callable[[], tuple[int, Any]],
    on_error: Callable[[DomainError], tuple[int, Any]],
    stored_answer: StoredLookup = NOT_LOOKED_UP,
) -> IdempotentResult:
    """Run `run` once for (user, key) and return its response; replay that response afterwards.

    - `run()` is called inside the outermost transaction (so the caller must not be in one) and
      returns `(status_code, body)`, body JSON-serialisable. It may be called again after a
      deadlock rolled everything back, so it must do nothing outside the database.
    - A DomainError raised by `run` rolls its transaction back; `on_error(error)` turns it into
      `(status_code, body)`, which is stored for the key too (errors are replayed like successes).
    - `key=None` runs without idempotency (no row stored), still in one transaction.
    - `stored_answer`: the stored answer for (user, key) when the caller already looked it up
      (None when there is none; see `stored_answer_join`), which saves this function the look-up.
    - Raises IdempotencyKeyReused when the key was stored for a request with another fingerprint
      (see `request_fingerprint`), IdempotencyKeyInUse when another request held the key past the
      lock timeout, and ValueError for a key that breaks the rule (check with `is_valid_key`).
    Other exceptions (a database that fails) propagate with nothing stored.
    """
    if key is not None and not is_valid_key(key):
        raise ValueError(f"an idempotency key is {KEY_RULE}")
    if key is not None:
        if stored_answer is NOT_LOOKED_UP:
            stored = _stored(user_id, key, fingerprint)
        else:
            stored = _live(stored_answer, fingerprint)
        if stored is not None:
            return _replay(stored)

    def attempt() -> IdempotentResult:
        # The change's own rows (audit, events) and its stored answer reach the database together.
        with batched_inserts():
            status_code, body = run()
            result = _fresh(status_code, body)
            if key is not None:
                _store(user_id, key, fingerprint, result)
        return result

    try:
        return run_in_transaction(attempt)
    except DomainError as error:
        status_code, body = on_error(error)
        result = _fresh(status_code, body)
    except IntegrityError as exc:
        if key is None or not _is_key_conflict(exc):
            raise
        # Another request stored an answer for this key while this one ran: that answer is final.
        return _replay_winner(user_id, key, fingerprint)
    except OperationalError as exc:
        if key is not None and is_lock_timeout(exc):
            raise IdempotencyKeyInUse(
                "A request with this Idempotency-Key is still being processed; retry shortly"
            ) from exc
        raise
    if key is None:
        return result
    try:
        run_in_transaction(lambda: _store(user_id, key, fingerprint, result))
    except IntegrityError:
        return _replay_winner(user_id, key, fingerprint)
    return result


def purge_expired_keys(*, now: Any = None, batch_size: int = 5000) -> int:
    """Delete keys older than settings.IDEMPOTENCY_KEY_TTL_HOURS, in short batches; return the count."""
    cutoff = (now or clock.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted = 0
    while True:
        ids = list(
            IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        deleted += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]


def _fresh(status_code: int, body: Any) -> IdempotentResult:
    content = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)
    return IdempotentResult(status_code=status_code, body=body, content=content, replayed=False)


def _replay(stored: StoredAnswer) -> IdempotentResult:
    return IdempotentResult(
        status_code=stored.status_code,
        body=json.loads(stored.content),
        content=stored.content,
        replayed=True,
    )


def _is_key_conflict(exc: IntegrityError) -> bool:
    """The unique index on (user, key) refused the row: another request holds this key."""
    cause = exc.__cause__
    constraint = getattr(getattr(cause, "diag", None), "constraint_name", None)
    if constraint is not None:  # PostgreSQL names it
        return bool(constraint == KEY_CONSTRAINT)
    return "idempotency_keys.user_id, idempotency_keys.key" in str(exc)  # SQLite names the columns


def _replay_winner(user_id: uuid.UUID, key: str | None, fingerprint: str) -> IdempotentResult:
    stored = _stored(user_id, key, fingerprint) if key is not None else None
    if stored is None:  # the unique index refused the row, so it was there a moment ago
        raise IdempotencyKeyInUse(
            "A request with this Idempotency-Key is still being processed; retry shortly"
        )
    return _replay(stored)


def _stored(user_id: uuid.UUID, key: str, fingerprint: str) -> StoredAnswer | None:
    """The live stored response for (user, key), or None; an expired one is dropped."""
    row = (
        IdempotencyKey.objects.filter(user_id=user_id, key=key)
        .values_list("id", "fingerprint", "status_code", "response_body", "created_at")
        .first()
    )
    return _live(stored_answer_from_row(row) if row is not None else None, fingerprint)


def _live(stored: StoredAnswer | None, fingerprint: str) -> StoredAnswer | None:
    if stored is None:
        return None
    ttl = timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    if stored.created_at < clock.now() - ttl:
        IdempotencyKey.objects.filter(pk=stored.id, created_at=stored.created_at).delete()
        return None
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request; use a new key"
        )
    return stored


def _store(user_id: uuid.UUID, key: str, fingerprint: str, result: IdempotentResult) -> None:
    insert_rows(
        [
            IdempotencyKey(
                user_id=user_id,
                key=key,
                fingerprint=fingerprint,
                status_code=result.status_code,
                response_body=result.content,
            )
        ]
    )


def _aware(value: datetime | str) -> datetime:
    """A time read by hand: PostgreSQL gives it aware; SQLite gives UTC text without an offset."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(f"not a time: {value!r}")
        value = parsed
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
