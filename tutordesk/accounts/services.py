"""Every write to users and API tokens, each with its audit row."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from tutordesk.accounts import hooks
from tutordesk.accounts.access import require_admin
from tutordesk.accounts.audit import (
    ApiTokenCreated,
    ApiTokenRevoked,
    GuardianStudentsSet,
    PasswordResetRequested,
    PasswordSet,
    UserCreated,
    UserDeactivated,
    UserInvited,
    UserReactivated,
    UserUpdated,
)
from tutordesk.accounts.hooks import PersonEvent, check_deactivation, person_events
from tutordesk.accounts.models import ApiToken, Guardianship, PasswordResetAsk, Role, User, known_timezones
from tutordesk.accounts.selectors import student_ids_of_guardians
from tutordesk.accounts.shapes import user_dict
from tutordesk.audit.details import OldNew
from tutordesk.audit.services import audit_log_write
from tutordesk.core import clock
from tutordesk.core.db.rows import fetch_models, select_list
from tutordesk.core.errors import EmailTaken, Forbidden, NotFound, ValidationError, require
from tutordesk.core.idempotency import (
    STORED_ANSWER_COLUMNS,
    StoredAnswer,
    stored_answer_from_row,
    stored_answer_join,
)
from tutordesk.core.validation import clean_text

TOKEN_PREFIX = "td_"
# An email address: printable ASCII without spaces, one "@" with text on both sides (the API's
# JSON Schema pattern too). Stored in lower case.
EMAIL_PATTERN = r"^[!-?A-~]+@[!-?A-~]+$"
_EMAIL = re.compile(EMAIL_PATTERN)
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
    if not _EMAIL.match(email):
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


# ---------------------------------------------------------------- people (CONTRACT §11)

# Keeps a keyword's "not given" apart from an empty value.
UNCHANGED: Any = object()


def _person_data(user: User, student_ids: list[uuid.UUID] | None = None) -> dict[str, Any]:
    if student_ids is None and user.is_guardian:
        student_ids = student_ids_of_guardians([user.pk])[user.pk]
    return {"user": dict(user_dict(user, student_ids))}


def clean_timezone(value: object) -> str:
    """An IANA time zone name; empty (or None) is the business default (settings.TIME_ZONE)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return str(settings.TIME_ZONE)
    if not isinstance(value, str) or value.strip() not in zoneinfo.available_timezones():
        raise ValidationError(
            f"{value!r} is not a known time zone", field="timezone", reason="unknown_timezone"
        )
    return value.strip()


def clean_student_ids(student_ids: Iterable[object]) -> list[uuid.UUID]:
    """Ids that must all be students' (each once), or a ValidationError naming `student_ids`."""
    if isinstance(student_ids, str | bytes) or not isinstance(student_ids, Iterable):
        raise ValidationError("student_ids must be a list of student ids", field="student_ids")
    ids: list[uuid.UUID] = []
    for value in student_ids:
        try:
            student_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        except ValueError as exc:
            raise ValidationError(
                f"{value!r} is not a student id", field="student_ids", reason="not_students"
            ) from exc
        if student_id not in ids:
            ids.append(student_id)
    found = set(User.objects.filter(pk__in=ids, role=Role.STUDENT).values_list("pk", flat=True))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationError(
            f"These are not students: {', '.join(missing)}", field="student_ids", reason="not_students"
        )
    return ids


@transaction.atomic(savepoint=False)
def person_invite(
    *,
    actor: User,
    email: str,
    name: str,
    role: str,
    timezone: str | None = None,
    student_ids: Iterable[object] = (),
    send_invitation: bool = True,
) -> User:
    """An admin adds a person, who sets their own password from the invitation's single-use link.

    No usable password is made, sent or shown. The email is unique ignoring case (`email_taken`).
    A guardian's `student_ids` must all be students; nobody else has any. The invitation email is
    queued in this transaction (the `user.invited` event; events.account_emails builds the email).
    """
    require_admin(actor, "invite people")
    email_text = clean_text(email, field="email", max_length=254, required=True).strip().lower()
    if User.objects.filter(email__iexact=email_text).exists():
        raise EmailTaken("Someone already uses this email address", field="email")
    fields = clean_user_fields(
        {
            "email": email_text,
            "name": name,
            "role": role,
            "timezone": clean_timezone(timezone),
            "is_active": True,
        }
    )
    students = clean_student_ids(student_ids)
    if students and fields["role"] != Role.GUARDIAN:
        raise ValidationError(
            "Only a guardian looks after students", field="student_ids", reason="not_guardian"
        )
    user = User(**fields)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as exc:  # the same email invited at the same moment
        raise EmailTaken("Someone already uses this email address", field="email") from exc
    Guardianship.objects.bulk_create(Guardianship(guardian=user, student_id=i) for i in students)
    audit_log_write(
        actor=actor,
        entity_id=user.id,
        details=UserInvited(**fields, student_ids=students, invitation_sent=bool(send_invitation)),
    )
    person_events(
        PersonEvent(
            hooks.USER_INVITED,
            {
                **_person_data(user, students),
                "invited_by_user_id": str(actor.pk),
                "send_invitation": bool(send_invitation),
            },
        )
    )
    return user


def _lock_person(user_id: Any) -> User:
    try:
        return User.objects.select_for_update().get(pk=user_id)
    except (User.DoesNotExist, ValueError, DjangoValidationError) as exc:
        raise NotFound("No such person") from exc


@transaction.atomic(savepoint=False)
def person_update(*, actor: User, user_id: object, name: Any = UNCHANGED, timezone: Any = UNCHANGED) -> User:
    """A person changes their own name or time zone, or an admin anyone's. Nothing changed: nothing written."""
    require(
        actor.is_admin or str(actor.pk) == str(user_id), Forbidden, "Only an admin can change other people"
    )
    user = _lock_person(user_id)
    wanted: dict[str, Any] = {}
    if name is not UNCHANGED:
        wanted["name"] = clean_text(name, field="name", max_length=200, required=True).strip()
        if not wanted["name"]:
            raise ValidationError("name must not be empty", field="name")
    if timezone is not UNCHANGED:
        wanted["timezone"] = clean_timezone(timezone)
    diff = {
        field: OldNew(old=getattr(user, field), new=value)
        for field, value in wanted.items()
        if getattr(user, field) != value
    }
    if not diff:
        return user
    for field, change in diff.items():
        setattr(user, field, change.new)
    user.save(update_fields=list(diff))
    audit_log_write(actor=actor, entity_id=user.id, details=UserUpdated(changes=diff))
    person_events(PersonEvent(hooks.USER_UPDATED, _person_data(user)))
    return user


@transaction.atomic(savepoint=False)
def person_deactivate(*, actor: User, user_id: object) -> User:
    """An admin turns a person off: no login, no API token, no calendar feed; history stays.

    A tutor with upcoming scheduled lessons is refused (`has_upcoming_sessions`, by scheduling's
    check). Already inactive: nothing written.
    """
    require_admin(actor, "deactivate people")
    user = _lock_person(user_id)
    require(
        user.pk != actor.pk, ValidationError, "You cannot deactivate yourself", reason="self_deactivation"
    )
    if not user.is_active:
        return user
    check_deactivation(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_log_write(actor=actor, entity_id=user.id, details=UserDeactivated(email=user.email))
    person_events(PersonEvent(hooks.USER_DEACTIVATED, _person_data(user)))
    return user


@transaction.atomic(savepoint=False)
def person_reactivate(*, actor: User, user_id: object) -> User:
    """An admin undoes a deactivation. Already active: nothing written."""
    require_admin(actor, "reactivate people")
    user = _lock_person(user_id)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_log_write(actor=actor, entity_id=user.id, details=UserReactivated(email=user.email))
    person_events(PersonEvent(hooks.USER_REACTIVATED, _person_data(user)))
    return user


@transaction.atomic(savepoint=False)
def guardian_students_set(*, actor: User, guardian_id: object, student_ids: Iterable[object]) -> User:
    """An admin sets the students a guardian looks after (the whole list). Same list: nothing written."""
    require_admin(actor, "change whom a guardian looks after")
    guardian = _lock_person(guardian_id)
    require(
        guardian.is_guardian,
        ValidationError,
        "Only a guardian looks after students",
        field="student_ids",
        reason="not_guardian",
    )
    wanted = clean_student_ids(student_ids)
    current = set(Guardianship.objects.filter(guardian_id=guardian.pk).values_list("student_id", flat=True))
    added = [i for i in wanted if i not in current]
    removed = sorted(current - set(wanted), key=str)
    if not added and not removed:
        return guardian
    if removed:
        Guardianship.objects.filter(guardian_id=guardian.pk, student_id__in=removed).delete()
    Guardianship.objects.bulk_create(Guardianship(guardian=guardian, student_id=i) for i in added)
    audit_log_write(
        actor=actor, entity_id=guardian.id, details=GuardianStudentsSet(added=added, removed=removed)
    )
    person_events(PersonEvent(hooks.USER_STUDENTS_CHANGED, _person_data(guardian)))
    return guardian


@transaction.atomic(savepoint=False)
def password_set(*, user: User, password: str, via: str) -> User:
    """A person sets their own password (`via` "link" from an invitation or reset, or "settings").

    The password's rules are the forms' (Django's validators); this writes it and its audit row.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_log_write(actor=user, entity_id=user.id, details=PasswordSet(via=via))
    return user


@transaction.atomic(savepoint=False)
def password_reset_request(*, email: str, client_ip: str) -> str:
    """Someone asked for a reset link ("Forgot password?"). Returns what happened:

    `limited_ip` (too many asks from this address this hour: refused, say so), or for everyone else
    the same answer whether or not the email belongs to anybody: `sent` (an active person's email:
    the `user.password_reset_requested` event makes the email), `limited_email` (too many for this
    email this hour: nothing sent), `unknown` (nobody, or not active: nothing sent).
    """
    now = clock.now()
    email = (email or "").strip().lower()[:254]
    client_ip = (client_ip or "")[:64]
    hour_ago = now - timedelta(hours=1)
    if PasswordResetAsk.objects.filter(client_ip=client_ip, created_at__gt=hour_ago).count() >= (
        settings.PASSWORD_RESET_ASKS_PER_IP
    ):
        return "limited_ip"
    limited = (
        PasswordResetAsk.objects.filter(email=email, created_at__gt=hour_ago).count()
        >= settings.PASSWORD_RESET_ASKS_PER_EMAIL
    )
    PasswordResetAsk.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    PasswordResetAsk.objects.create(email=email, client_ip=client_ip)
    user = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
    if user is None:
        return "unknown"
    audit_log_write(actor=None, entity_id=user.id, details=PasswordResetRequested(sent=not limited))
    if limited:
        return "limited_email"
    person_events(PersonEvent(hooks.USER_PASSWORD_RESET_REQUESTED, {"user_id": str(user.pk)}))
    return "sent"
