"""The audit shapes of requests, matches and packages (audit.details explains the rules)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tutordesk.audit.details import AuditDetails, Names
from tutordesk.audit.models import AuditAction, AuditEntity


class RequestCreated(AuditDetails):
    action = AuditAction.REQUEST_CREATED
    entity = AuditEntity.REQUEST

    student_id: uuid.UUID
    subject: str

    def people(self) -> Iterable[uuid.UUID]:
        return (self.student_id,)

    def words(self, names: Names) -> str:
        return f"Request for {self.subject} added for {names(self.student_id)}"


class MatchCreated(AuditDetails):
    action = AuditAction.MATCH_CREATED
    entity = AuditEntity.MATCH

    request_id: uuid.UUID
    tutor_id: uuid.UUID
    # A reassignment: the match this one took over from, its tutor, and why (None otherwise).
    replaces_match_id: uuid.UUID | None = None
    replaces_tutor_id: uuid.UUID | None = None
    reason: str | None = None

    def people(self) -> Iterable[uuid.UUID]:
        return (self.tutor_id,) + ((self.replaces_tutor_id,) if self.replaces_tutor_id else ())

    def words(self, names: Names) -> str:
        text = f"{names(self.tutor_id)} matched to the request"
        if self.replaces_match_id is not None:
            text += f", taking over from {names(self.replaces_tutor_id)}"
        return text + (f". Reason: {self.reason}" if self.reason else "")


class MatchEnded(AuditDetails):
    action = AuditAction.MATCH_ENDED
    entity = AuditEntity.MATCH

    request_id: uuid.UUID
    tutor_id: uuid.UUID
    status: str = "ended"
    # Why it ended, and how many future lessons left the schedule with it (None: not recorded).
    reason: str | None = None
    sessions_taken_off: int | None = None

    def people(self) -> Iterable[uuid.UUID]:
        return (self.tutor_id,)

    def words(self, names: Names) -> str:
        text = f"Match with {names(self.tutor_id)} ended"
        if self.sessions_taken_off:
            plural = "s" if self.sessions_taken_off != 1 else ""
            text += f"; {self.sessions_taken_off} upcoming lesson{plural} left the schedule"
        return text + (f". Reason: {self.reason}" if self.reason else "")


class PackageCreated(AuditDetails):
    action = AuditAction.PACKAGE_CREATED
    entity = AuditEntity.PACKAGE

    request_id: uuid.UUID
    sessions_total: int

    def words(self, names: Names) -> str:
        return f"Package of {self.sessions_total} sessions added"
