"""The bare reference of `python -m bench write_path` (never part of the product).

The thinnest Python HTTP service that does Tutordesk's keyed `done` with the same write: one WSGI
function and psycopg 3, one connection per worker, every statement prepared. It answers only
`POST /api/v1/sessions/{id}/status {"status": "done"}` with a Bearer token and an Idempotency-Key,
and skips what a product must check (admins, guardians, other statuses, notes, validation): the
token with the caller's stored answer under the key (one statement), then in one transaction the
session locked with its request, the oldest active package charged, the session updated, and its
audit row, event and stored answer inserted in one statement, as Tutordesk sends them.

    DATABASE_URL=postgres://… gunicorn -c gunicorn.conf.py bench.bare_wsgi:application
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from typing import Any

import psycopg

_PATH = re.compile(r"^/api/v1/sessions/([0-9a-f-]{36})/status$")
_TOKEN = """SELECT u.id, k.fingerprint, k.status_code, k.response_body FROM api_tokens t
  JOIN users u ON u.id = t.user_id LEFT JOIN idempotency_keys k ON k.user_id = t.user_id AND k.key = %s
 WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active"""
_LOCK = """SELECT s.tutor_id, s.status, s.request_id, s.scheduled_start_at <= now() FROM sessions s
  JOIN requests r ON r.id = s.request_id WHERE s.id = %s FOR NO KEY UPDATE OF s, r"""
_CHARGE = """UPDATE packages SET sessions_used = sessions_used + 1, updated_at = now(),
       status = CASE WHEN sessions_used + 1 = sessions_total THEN 'exhausted' ELSE status END
 WHERE id = (SELECT id FROM packages WHERE request_id = %s AND status = 'active'
              AND sessions_used < sessions_total ORDER BY created_at, id LIMIT 1)
   AND status = 'active' AND sessions_used < sessions_total
RETURNING id::text, request_id::text, sessions_total, sessions_used, status, created_at, updated_at"""
_UPDATE = """UPDATE sessions SET status = 'done', package_id = %s, updated_by_user_id = %s, updated_at = now()
 WHERE id = %s AND status = 'scheduled'
RETURNING id::text, match_id::text, request_id::text, tutor_id::text, student_id::text, scheduled_start_at,
          duration_minutes, meet_link, status, tutor_notes, package_id::text, rescheduled_from_id::text,
          updated_by_user_id::text, updated_at, created_at"""
_ADD = """WITH a AS (INSERT INTO audit_logs (id, created_at, actor_user_id, action, entity_type, entity_id, details)
              VALUES (%(audit)s, now(), %(user)s, 'session_status_updated', 'session', %(session)s, %(details)s)),
     e AS (INSERT INTO events (id, type, created_at, data) VALUES (%(event)s, 'session.status_updated', now(), %(body)s))
INSERT INTO idempotency_keys (user_id, key, fingerprint, status_code, response_body, created_at)
VALUES (%(user)s, %(key)s, %(fingerprint)s, 200, %(body)s, now())"""
_SESSION: tuple[str, ...] = (
    "id",
    "match_id",
    "request_id",
    "tutor_id",
    "student_id",
    "scheduled_start_at",
    "duration_minutes",
)
_SESSION += ("meet_link", "status", "tutor_notes", "package_id", "rescheduled_from_id", "updated_by_user_id")
_SESSION += ("updated_at", "created_at")
_db: psycopg.Connection[Any] | None = None


def _answer(start: Any, status: str, body: bytes, replayed: bool = False) -> list[bytes]:
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start(status, headers + ([("Idempotent-Replayed", "true")] if replayed else []))
    return [body]


def _text(row: tuple[Any, ...], names: tuple[str, ...]) -> dict[str, Any]:
    return {n: v.isoformat() if hasattr(v, "isoformat") else v for n, v in zip(names, row, strict=False)}


def application(environ: dict[str, Any], start: Any) -> list[bytes]:
    global _db
    if _db is None:
        _db = psycopg.connect(os.environ["DATABASE_URL"], prepare_threshold=0, autocommit=True)
    if environ["PATH_INFO"] == "/healthz":
        return _answer(start, "200 OK", b'{"status": "ok"}')
    match = _PATH.match(environ["PATH_INFO"])
    token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
    key = environ.get("HTTP_IDEMPOTENCY_KEY")
    if environ["REQUEST_METHOD"] != "POST" or match is None or not key:
        return _answer(start, "404 Not Found", b'{"code": "not_found"}')
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    fingerprint = hashlib.sha256(f"POST\n{environ['PATH_INFO']}\n{canonical}".encode()).hexdigest()
    found = _db.execute(_TOKEN, (key, hashlib.sha256(token.encode()).hexdigest())).fetchone()
    if found is None:
        return _answer(start, "401 Unauthorized", b'{"code": "not_authenticated"}')
    user, stored_fingerprint, stored_status, stored_body = found
    if stored_status is not None and stored_fingerprint != fingerprint:
        return _answer(start, "422 Unprocessable Entity", b'{"code": "idempotency_key_reused"}')
    if stored_status is not None:
        return _answer(start, f"{stored_status} OK", stored_body.encode(), replayed=True)
    with _db.transaction():
        session = _db.execute(_LOCK, (match[1],)).fetchone()
        if session is None or session[0] != user or session[1] != "scheduled" or not session[3]:
            return _answer(start, "409 Conflict", b'{"code": "invalid_transition"}')
        package = _db.execute(_CHARGE, (session[2],)).fetchone()
        assert package is not None
        updated = _db.execute(_UPDATE, (package[0], user, match[1])).fetchone()
        assert updated is not None
        out = _text(package, ("id", "request_id", "sessions_total", "sessions_used", "status"))
        out.update(
            _text(package[5:], ("created_at", "updated_at")), sessions_remaining=package[2] - package[3]
        )
        body = json.dumps({"session": _text(updated, _SESSION), "package": out, "replacement_session": None})
        details = {"from_status": "scheduled", "status": "done", "package_id": package[0]}
        details |= {"sessions_used_after": package[3], "tutor_notes": updated[9]}
        _db.execute(
            _ADD,
            {"audit": uuid.uuid4(), "event": uuid.uuid4(), "user": user, "session": match[1]}
            | {"details": json.dumps(details), "body": body, "key": key, "fingerprint": fingerprint},
        )
    return _answer(start, "200 OK", body.encode())
