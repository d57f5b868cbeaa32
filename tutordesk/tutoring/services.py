"""Every write to requests, matches and packages. `sessions_used` moves only here."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from tutordesk.accounts.models import User
from tutordesk.audit.services import audit_log_write
from tutordesk.core.errors import Forbidden, NotFound, ValidationError
from tutordesk.core.validation import clean_int, clean_text
from tutordesk.tutoring.models import Match, Package, TutoringRequest

MAX_PACKAGE_SESSIONS = 500


@transaction.atomic(savepoint=False)
def request_create(*, student: User, subject: str, actor: User) -> TutoringRequest:
    """An admin records a student's request for tutoring in one subject."""
    if not actor.is_admin:
        raise Forbidden("Only an admin can add a tutoring request")
    if not student.is_student:
        raise ValidationError("Only a student can have a tutoring request", field="student")
    subject = clean_text(subject, field="subject", max_length=200, required=True).strip()
    request = TutoringRequest.objects.create(student=student, subject=subject)
    audit_log_write(
        actor=actor,
        action="request_created",
        entity_type="request",
        entity_id=request.id,
        details={"student_id": str(student.id), "subject": subject},
    )
    return request


@transaction.atomic(savepoint=False)
def match_create(*, request: TutoringRequest, tutor: User, actor: User) -> Match:
    """An admin assigns a tutor to a request; a request has one active match at a time."""
    if not actor.is_admin:
        raise Forbidden("Only an admin can match a tutor to a request")
    if not tutor.is_tutor:
        raise ValidationError("Only a tutor can be matched to a request", field="tutor")
    request = TutoringRequest.objects.select_for_update().get(pk=request.pk)
    if Match.objects.filter(request=request, status=Match.Status.ACTIVE).exists():
        raise ValidationError("This request already has an active match; end it first", field="request")
    match = Match.objects.create(request=request, tutor=tutor)
    TutoringRequest.objects.filter(pk=request.pk).update(status=TutoringRequest.Status.MATCHED)
    audit_log_write(
        actor=actor,
        action="match_created",
        entity_type="match",
        entity_id=match.id,
        details={"request_id": str(request.id), "tutor_id": str(tutor.id)},
    )
    return match


@transaction.atomic(savepoint=False)
def package_create(*, request_id: uuid.UUID, sessions_total: int, actor: User) -> Package:
    """An admin sells a package of prepaid sessions for a request."""
    if not actor.is_admin:
        raise Forbidden("Only an admin can add a package")
    sessions_total = clean_int(
        sessions_total, field="sessions_total", minimum=1, maximum=MAX_PACKAGE_SESSIONS
    )
    try:
        exists = TutoringRequest.objects.filter(pk=request_id).exists()
    except (DjangoValidationError, ValueError):
        exists = False
    if not exists:
        raise NotFound("No such request")
    package = Package.objects.create(request_id=request_id, sessions_total=sessions_total)
    audit_log_write(
        actor=actor,
        action="package_created",
        entity_type="package",
        entity_id=package.id,
        details={"request_id": str(request_id), "sessions_total": sessions_total},
    )
    return package


def package_for_charge(*, request_id: uuid.UUID) -> Package | None:
    """The request's oldest active package with a session left (FIFO by creation)."""
    return (
        Package.objects.filter(
            request_id=request_id, status=Package.Status.ACTIVE, sessions_used__lt=F("sessions_total")
        )
        .order_by("created_at", "id")
        .first()
    )


def increment_sessions_used(*, package: Package) -> Package:
    """Charge one session of `package`; return it with the counter and status after the charge.

    The caller holds the lock that serialises charges of this package's request (see
    scheduling.services); the conditional update still refuses to pass `sessions_total`,
    so a missing lock shows up as an error, never as an overdraft.
    """
    now = timezone.now()
    updated = Package.objects.filter(
        pk=package.pk, status=Package.Status.ACTIVE, sessions_used__lt=F("sessions_total")
    ).update(
        sessions_used=F("sessions_used") + 1,
        status=Case(
            When(sessions_used=F("sessions_total") - 1, then=Value(Package.Status.EXHAUSTED)),
            default=F("status"),
        ),
        updated_at=now,
    )
    if updated != 1:
        raise RuntimeError(f"package {package.pk} changed under a charge that held its request lock")
    package.sessions_used += 1
    if package.sessions_used == package.sessions_total:
        package.status = Package.Status.EXHAUSTED
    package.updated_at = now
    return package


def decrement_sessions_used(*, package_id: uuid.UUID) -> Package:
    """Refund one session; an exhausted package becomes active again. Returns the package after."""
    now = timezone.now()
    updated = Package.objects.filter(pk=package_id, sessions_used__gt=0).update(
        sessions_used=F("sessions_used") - 1,
        status=Case(
            When(status=Package.Status.EXHAUSTED, then=Value(Package.Status.ACTIVE)),
            default=F("status"),
        ),
        updated_at=now,
    )
    if updated != 1:
        raise RuntimeError(f"package {package_id} has no used session to refund")
    return Package.objects.get(pk=package_id)
