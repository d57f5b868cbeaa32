"""Many enrolments in one change (an import of thousands): requests with their tutor matched at
once, and packages, each with the audit row and the events `services.request_create`,
`match_create` and `package_create` write, in a few multi-row INSERTs instead of several round
trips per row. The caller has checked the subjects and sizes by the same rules and looked the
existing requests up in one batched query."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.models import User
from tutordesk.audit.details import AuditDetails
from tutordesk.audit.services import audit_logs_write_many
from tutordesk.core.db.rows import insert_rows
from tutordesk.core.errors import ValidationError, require
from tutordesk.events.models import EventType
from tutordesk.events.services import NewEvent, events_record
from tutordesk.tutoring.audit import MatchCreated, PackageCreated, RequestCreated
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.tutoring.services import MAX_PACKAGE_SESSIONS
from tutordesk.tutoring.shapes import package_dict


@dataclass(frozen=True)
class NewMatchedRequest:
    student: User
    subject: str  # stripped, 1–200 characters
    tutor: User


@dataclass(frozen=True)
class NewPackage:
    request_id: uuid.UUID
    student_id: uuid.UUID
    sessions_total: int


@transaction.atomic(savepoint=False)
def requests_matched_create_many(*, actor: User, items: Sequence[NewMatchedRequest]) -> list[Match]:
    """New requests, each matched at once to its tutor: per item, what `request_create` then
    `match_create` make (the request `matched`, its active match) and their two audit rows."""
    require_admin(actor, "add a tutoring request")
    requests: list[TutoringRequest] = []
    matches: list[Match] = []
    audit: list[tuple[uuid.UUID, AuditDetails]] = []
    for item in items:
        require(
            item.student.is_student,
            ValidationError,
            "Only a student can have a tutoring request",
            field="student",
        )
        require(
            item.tutor.is_tutor, ValidationError, "Only a tutor can be matched to a request", field="tutor"
        )
        require(item.tutor.is_active, ValidationError, "This tutor's account is deactivated", field="tutor")
        require(
            0 < len(item.subject) <= 200, ValidationError, "subject must be 1–200 characters", field="subject"
        )
        request = TutoringRequest(
            student=item.student, subject=item.subject, status=TutoringRequest.Status.MATCHED
        )
        match = Match(request=request, tutor=item.tutor)
        requests.append(request)
        matches.append(match)
        audit.append((request.id, RequestCreated(student_id=item.student.id, subject=item.subject)))
        audit.append((match.id, MatchCreated(request_id=request.id, tutor_id=item.tutor.id)))
    insert_rows(requests)
    insert_rows(matches)
    audit_logs_write_many(actor=actor, rows=audit)
    return matches


@transaction.atomic(savepoint=False)
def packages_create_many(*, actor: User, items: Sequence[NewPackage]) -> list[Package]:
    """What `package_create` makes, for many requests: the packages, their audit rows and their
    `package.created` events."""
    require_admin(actor, "add a package")
    packages = []
    for item in items:
        require(
            1 <= item.sessions_total <= MAX_PACKAGE_SESSIONS,
            ValidationError,
            f"sessions_total must be 1–{MAX_PACKAGE_SESSIONS}",
            field="sessions_total",
        )
        packages.append(Package(request_id=item.request_id, sessions_total=item.sessions_total))
    insert_rows(packages)
    audit_logs_write_many(
        actor=actor,
        rows=[
            (package.id, PackageCreated(request_id=package.request_id, sessions_total=package.sessions_total))
            for package in packages
        ],
    )
    events = []
    for package, item in zip(packages, items, strict=True):
        data = package_dict(package)
        events.append(
            NewEvent(
                EventType.PACKAGE_CREATED,
                {"package": data, "request_id": data["request_id"], "student_id": str(item.student_id)},
            )
        )
    events_record(changes=events)
    return packages
