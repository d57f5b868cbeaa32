from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from tutordesk.accounts.models import ApiToken, User
from tutordesk.core.errors import NotFound

TOKEN_PREFIX = "td_"


def token_hash(raw: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, email: str, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for the user with this email; return it with the raw token (shown once)."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_active:
        raise NotFound(f"No active user with email {email!r}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], token_hash=token_hash(raw))
    return token, raw


def api_token_authenticate(raw: str) -> User | None:
    """The active user a raw token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    return token.user


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
