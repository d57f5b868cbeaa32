"""Every write to users and API tokens, each with its audit row."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.audit import ApiTokenCreated, ApiTokenRevoked, UserCreated, UserUpdated
from tutordesk.accounts.models import ApiToken, Role, User, known_timezones
from tutordesk.audit.details import OldNew
from tutordesk.audit.services import audit_log_write
from tutordesk.core import clock
from tutordesk.core.db.rows import fetch_models, select_list
from tutordesk.core.errors import NotFound, ValidationError, require
from tutordesk.core.idempotency import (
    STORED_ANSWER_COLUMNS,
    StoredAnswer,
    stored_answer_from_row,
    stored_answer_join,
)
from tutordesk.core.validation import clean_text

TOKEN_PREFIX = "td_"
# Fields an admin may change on a user; the password is set, never shown, and audited as changed.
USER_FIELDS = ("email", "name", "role", "timezone", "is_active")


def token_hash(raw: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic(savepoint=False)
def user_create(
    *, email: str, name: str, role: str, actor: User, timezone_name: str = "UTC", password: str | None = None
) -> User:
    """An admin adds a person. Without a password they cannot log in until one is set."""
    require_admin(actor, "add users")
    fields = clean_user_fields(
        {"email": email, "name": name, "role": role, "timezone": timezone_name, "is_active": True}
    )
    user = User(**fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_log_write(
        actor=actor,
        entity_id=user.id,
        details=UserCreated(**fields),
    )
    return user


@transaction.atomic(savepoint=False)
def user_update(*, user_id: Any, changes: dict[str, Any], actor: User, password: str | None = None) -> User:
    """An admin changes a user's email, name, role, time zone, active flag or password.

    The audit row holds every changed field's old and new value (a password only as "changed").
    Nothing changed: nothing written.
    """
    require_admin(actor, "change users")
    unknown = set(changes) - set(USER_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}")
    try:
        user = User.objects.select_for_update().get(pk=user_id)
    except (User.DoesNotExist, ValueError) as exc:
        raise NotFound("No such user") from exc
    cleaned = clean_user_fields({**{f: getattr(user, f) for f in USER_FIELDS}, **changes}, exclude=user)
    diff = {
        field: {"old": getattr(user, field), "new": value}
        for field, value in cleaned.items()
        if getattr(user, field) != value
    }
    for field in diff:
        setattr(user, field, cleaned[field])
    update_fields = list(diff)
    if password:
        user.set_password(password)
        update_fields.append("password")
    if not update_fields:
        return user
    user.save(update_fields=update_fields)
    audit_log_write(
        actor=actor,
        entity_id=user.id,
        details=UserUpdated(
            changes={field: OldNew(old=change["old"], new=change["new"]) for field, change in diff.items()},
            password_changed=bool(password),
        ),
    )
    return user


@transaction.atomic(savepoint=False)
def api_token_create(*, email: str, name: str = "", actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token for the user with this email; return it with the raw token (shown once).

    `actor` is the admin who asked for it, or None for the operator at the command line.
    """
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_active:
        raise NotFound(f"No active user with email {email!r}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], token_hash=token_hash(raw))
    audit_log_write(
        actor=actor,
        entity_id=token.id,
        details=ApiTokenCreated(user_id=user.id, name=name, prefix=token.prefix),
    )
    return token, raw


def api_token_authenticate(raw: str) -> User | None:
    """The active user a raw token belongs to, or None."""
    return api_token_lookup(raw).user


@dataclass(frozen=True)
class TokenLookup:
    user: User | None
    # With an Idempotency-Key: the caller's stored answer under it (None when there is none).
    stored_answer: StoredAnswer | None = None


# The hot path of every API request, written by hand: the token's user and, for a keyed POST, the
# caller's stored answer under the key (core.idempotency's join), in one statement.
_TOKEN_LOOKUP_SQL = f"""
SELECT {select_list(User, "u")}, {STORED_ANSWER_COLUMNS}
  FROM api_tokens t
  JOIN users u ON u.id = t.user_id
  {stored_answer_join("t.user_id")}
 WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active
"""  # noqa: S608 (model columns only)


def api_token_lookup(raw: str, *, idempotency_key: str | None = None) -> TokenLookup:
    """The active user a raw token belongs to and, given a key, that user's stored answer for it.

    One statement for both, so an idempotent replay costs a single round trip to the database.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return TokenLookup(user=None)
    # Without a key, look for one no user can have sent (keys are printable ASCII only).
    rows = fetch_models(User, _TOKEN_LOOKUP_SQL, [idempotency_key or "\n", token_hash(raw)])
    if not rows:
        return TokenLookup(user=None)
    user, answer = rows[0]
    if idempotency_key is None:
        return TokenLookup(user=user)
    return TokenLookup(user=user, stored_answer=stored_answer_from_row(answer))


@transaction.atomic(savepoint=False)
def api_token_revoke(*, token_id: Any, actor: User) -> bool:
    """Revoke a token (an admin, or the token's own user). False when it was revoked already."""
    try:
        token = ApiToken.objects.select_for_update().get(pk=token_id)
    except (ApiToken.DoesNotExist, ValueError) as exc:
        raise NotFound("No such API token") from exc
    require(actor.is_admin or token.user_id == actor.pk, NotFound, "No such API token")
    if token.revoked_at is not None:
        return False
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit_log_write(
        actor=actor,
        entity_id=token.id,
        details=ApiTokenRevoked(user_id=token.user_id, prefix=token.prefix),
    )
    return True


def clean_user_fields(fields: dict[str, Any], *, exclude: User | None = None) -> dict[str, Any]:
    """The rules of a user's fields (the email unique ignoring case); forms may check early with it."""
    email = clean_text(fields["email"], field="email", max_length=254, required=True).strip().lower()
    if "@" not in email:
        raise ValidationError("email must be an email address", field="email")
    others = User.objects.filter(email__iexact=email)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        raise ValidationError("A user with this email already exists (emails ignore case)", field="email")
    role = fields["role"]
    if role not in Role.values:
        raise ValidationError(f"role must be one of {', '.join(Role.values)}", field="role")
    tz = fields["timezone"]
    if not isinstance(tz, str) or tz not in known_timezones():
        raise ValidationError(f"{tz!r} is not a known time zone", field="timezone")
    return {
        "email": email,
        "name": clean_text(fields["name"], field="name", max_length=200, required=True).strip(),
        "role": role,
        "timezone": tz,
        "is_active": bool(fields["is_active"]),
    }
