"""Every write to requests, matches and packages. `sessions_used` moves only here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.models import Role, User
from tutordesk.audit.services import audit_log_write
from tutordesk.core.db.rows import fetch_models, select_list, stamp_assignments, stamp_values
from tutordesk.core.errors import NotFound, RequestAlreadyMatched, ValidationError, require
from tutordesk.core.validation import clean_int, clean_text
from tutordesk.events.models import EventType
from tutordesk.events.services import NewEvent, events_record
from tutordesk.tutoring.audit import MatchCreated, MatchEnded, PackageCreated, RequestCreated
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.tutoring.shapes import package_dict

MAX_PACKAGE_SESSIONS = 500


@transaction.atomic(savepoint=False)
def request_create(*, student: User, subject: str, actor: User) -> TutoringRequest:
    """An admin records a student's request for tutoring in one subject."""
    require_admin(actor, "add a tutoring request")
    require(
        student.is_student, ValidationError, "Only a student can have a tutoring request", field="student_id"
    )
    subject = clean_text(subject, field="subject", max_length=200, required=True).strip()
    request = TutoringRequest.objects.create(student=student, subject=subject)
    audit_log_write(
        actor=actor,
        entity_id=request.id,
        details=RequestCreated(student_id=student.id, subject=subject),
    )
    return request


@transaction.atomic(savepoint=False)
def match_create(
    *,
    request: TutoringRequest,
    tutor: User,
    actor: User,
    replaces: Match | None = None,
    reason: str | None = None,
) -> Match:
    """An admin assigns a tutor to a request; a request has one active match at a time
    (`request_already_matched`). `replaces`: the match this one takes over from (a reassignment)."""
    require_admin(actor, "match a tutor to a request")
    require(tutor.is_tutor, ValidationError, "Only a tutor can be matched to a request", field="tutor_id")
    require(tutor.is_active, ValidationError, "This tutor's account is deactivated", field="tutor_id")
    request = TutoringRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
    require(
        not Match.objects.filter(request=request, status=Match.Status.ACTIVE).exists(),
        RequestAlreadyMatched,
        "This request already has an active match; end it first",
    )
    match = Match.objects.create(request=request, tutor=tutor)
    TutoringRequest.objects.filter(pk=request.pk).update(status=TutoringRequest.Status.MATCHED)
    audit_log_write(
        actor=actor,
        entity_id=match.id,
        details=MatchCreated(
            request_id=request.id,
            tutor_id=tutor.id,
            replaces_match_id=replaces.id if replaces else None,
            replaces_tutor_id=replaces.tutor_id if replaces else None,
            reason=reason,
        ),
    )
    return match


@transaction.atomic(savepoint=False)
def match_end(
    *,
    match_id: uuid.UUID | str,
    actor: User,
    reason: str | None = None,
    sessions_taken_off: int | None = None,
) -> bool:
    """An admin ends a match: no new sessions for it, and its request is open for a new tutor.

    Its lessons are not touched here: `scheduling.matches` takes the upcoming ones off the schedule
    (or moves them to the new tutor) in the same transaction and says how many. Returns False when
    the match had ended already (nothing written).
    """
    require_admin(actor, "end a match")
    try:
        # Lock order: the match row first, as every booking on it does (docs/architecture.md).
        match = (
            Match.objects.select_related("request")
            .select_for_update(no_key=True, of=("self",))
            .get(pk=match_id)
        )
    except (Match.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such match") from exc
    # Then the request, as every change of a request's lessons does.
    TutoringRequest.objects.select_for_update(no_key=True).filter(pk=match.request_id).exists()
    if not Match.objects.filter(pk=match.pk, status=Match.Status.ACTIVE).update(status=Match.Status.ENDED):
        return False
    TutoringRequest.objects.filter(pk=match.request_id, status=TutoringRequest.Status.MATCHED).update(
        status=TutoringRequest.Status.OPEN
    )
    audit_log_write(
        actor=actor,
        entity_id=match.id,
        details=MatchEnded(
            request_id=match.request_id,
            tutor_id=match.tutor_id,
            reason=reason,
            sessions_taken_off=sessions_taken_off,
        ),
    )
    return True


def person_for(*, user_id: uuid.UUID | str, field: str, role: str) -> User:
    """The user a request body names in `field`, who must have `role`: nobody by that id is
    `not_found` (as for any id), someone of another role a validation error naming the field."""
    try:
        user = User.objects.filter(pk=user_id).first()
    except (DjangoValidationError, ValueError):
        user = None
    require(user is not None, NotFound, f"No such {role}")
    assert user is not None
    require(user.role == role, ValidationError, f"{field} must name a {role}", field=field)
    return user


@transaction.atomic(savepoint=False)
def request_create_for(*, student_id: uuid.UUID | str, subject: str, actor: User) -> TutoringRequest:
    """`request_create` for the student a form or an API body names by id."""
    require_admin(actor, "add a tutoring request")
    student = person_for(user_id=student_id, field="student_id", role=Role.STUDENT)
    return request_create(student=student, subject=subject, actor=actor)


@transaction.atomic(savepoint=False)
def match_create_for(*, request_id: uuid.UUID | str, tutor_id: uuid.UUID | str, actor: User) -> Match:
    """`match_create` for the request and tutor a form or an API body names by id."""
    require_admin(actor, "match a tutor to a request")
    try:
        request = TutoringRequest.objects.filter(pk=request_id).first()
    except (DjangoValidationError, ValueError):
        request = None
    require(request is not None, NotFound, "No such request")
    assert request is not None
    tutor = person_for(user_id=tutor_id, field="tutor_id", role=Role.TUTOR)
    return match_create(request=request, tutor=tutor, actor=actor)


@transaction.atomic(savepoint=False)
def package_create(*, request_id: uuid.UUID, sessions_total: int, actor: User) -> Package:
    """An admin sells a package of prepaid sessions for a request."""
    require_admin(actor, "add a package")
    sessions_total = clean_int(
        sessions_total, field="sessions_total", minimum=1, maximum=MAX_PACKAGE_SESSIONS
    )
    try:
        student_id = (
            TutoringRequest.objects.filter(pk=request_id).values_list("student_id", flat=True).first()
        )
    except (DjangoValidationError, ValueError):
        student_id = None
    require(student_id is not None, NotFound, "No such request")
    package = Package.objects.create(request_id=request_id, sessions_total=sessions_total)
    audit_log_write(
        actor=actor,
        entity_id=package.id,
        details=PackageCreated(request_id=request_id, sessions_total=sessions_total),
    )
    package_data = package_dict(package)
    events_record(
        changes=[
            NewEvent(
                EventType.PACKAGE_CREATED,
                {
                    "package": package_data,
                    "request_id": package_data["request_id"],
                    "student_id": str(student_id),
                },
            )
        ]
    )
    return package


@dataclass(frozen=True)
class Charge:
    """One session charged to a package or refunded to it."""

    package: Package  # as it is after the change
    request_sessions_left: int  # what the request's active packages hold after it, all together


# What the request holds on its active packages after a charge or refund: the other packages as
# they are, plus the changed one as RETURNING sees it (after the change), on both databases.
_REQUEST_LEFT = """(SELECT COALESCE(SUM(other.sessions_total - other.sessions_used), 0) FROM packages other
            WHERE other.request_id = packages.request_id AND other.status = %(active)s AND other.id <> packages.id)
          + CASE WHEN status = %(active)s THEN sessions_total - sessions_used ELSE 0 END"""
_RETURNING = f"RETURNING {select_list(Package)}, {_REQUEST_LEFT}"

# One statement picks the request's oldest active package with a session left (FIFO by creation)
# and charges it; RETURNING gives the package as it is after the charge. The outer WHERE repeats
# the guard, so even a charge that raced without the request's lock could never overdraw.
# Written by hand: the ORM's UPDATE returns no rows, and reading the package back would cost a
# statement more on every consuming status update (docs/architecture.md, "Written by hand").
_CHARGE_SQL = f"""
UPDATE packages
   SET sessions_used = sessions_used + 1,
       status = CASE WHEN sessions_used + 1 = sessions_total THEN %(exhausted)s ELSE status END,
       {stamp_assignments(Package)}
 WHERE id = (SELECT id FROM packages
              WHERE request_id = %(row)s AND status = %(active)s AND sessions_used < sessions_total
              ORDER BY created_at, id LIMIT 1)
   AND status = %(active)s AND sessions_used < sessions_total
{_RETURNING}
"""  # noqa: S608 (built from constants only)

_REFUND_SQL = f"""
UPDATE packages
   SET sessions_used = sessions_used - 1,
       status = CASE WHEN status = %(exhausted)s THEN %(active)s ELSE status END,
       {stamp_assignments(Package)}
 WHERE id = %(row)s AND sessions_used > 0
{_RETURNING}
"""  # noqa: S608 (built from constants only)


def increment_sessions_used(*, request_id: uuid.UUID) -> Charge | None:
    """Charge one session to the request's oldest active package that has one left (CONTRACT §3
    rule 3); None when no package has a session left. A package charged its last session becomes
    exhausted.

    The caller holds the lock that serialises charges of this request (scheduling.services locks
    the request row), so the package picked is the one FIFO names, whatever runs at once.
    """
    return _package_update(_CHARGE_SQL, request_id)


def decrement_sessions_used(*, package_id: uuid.UUID) -> Charge:
    """Refund one session; an exhausted package becomes active again."""
    charge = _package_update(_REFUND_SQL, package_id)
    if charge is None:
        raise RuntimeError(f"package {package_id} has no used session to refund")
    return charge


def _package_update(sql: str, row_id: uuid.UUID) -> Charge | None:
    params = {
        "row": Package._meta.pk.get_db_prep_value(row_id, connection),
        "active": Package.Status.ACTIVE.value,
        "exhausted": Package.Status.EXHAUSTED.value,
        **stamp_values(Package),
    }
    rows = fetch_models(Package, sql, params)
    if not rows:
        return None
    package, (left,) = rows[0]
    return Charge(package=package, request_sessions_left=left)
