"""Feed tokens: random, or derived from a request's idempotency key so a replayed answer can
show the same link again without the link ever being stored (only its hash is)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

from django.conf import settings

TOKEN_BYTES = 32


def new_feed_token(*, user_id: uuid.UUID, idempotency_key: str | None) -> str:
    """43 URL-safe characters. With a key, HMAC(SECRET_KEY, user and key): the same request
    replayed yields the same link, and nobody without the server's secret can compute it. A key
    names one request (clients send it again only to retry), so one key is one link."""
    if idempotency_key is None:
        return secrets.token_urlsafe(TOKEN_BYTES)
    message = f"tutordesk.calendar-feed\x00{user_id}\x00{idempotency_key}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
