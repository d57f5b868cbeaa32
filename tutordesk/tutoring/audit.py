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

    def people(self) -> Iterable[uuid.UUID]:
        return (self.tutor_id,)

    def words(self, names: Names) -> str:
        return f"{names(self.tutor_id)} matched to the request"


class MatchEnded(AuditDetails):
    action = AuditAction.MATCH_ENDED
    entity = AuditEntity.MATCH

    request_id: uuid.UUID
    tutor_id: uuid.UUID
    status: str = "ended"

    def people(self) -> Iterable[uuid.UUID]:
        return (self.tutor_id,)

    def words(self, names: Names) -> str:
        return f"Match with {names(self.tutor_id)} ended"


class PackageCreated(AuditDetails):
    action = AuditAction.PACKAGE_CREATED
    entity = AuditEntity.PACKAGE

    request_id: uuid.UUID
    sessions_total: int

    def words(self, names: Names) -> str:
        return f"Package of {self.sessions_total} sessions added"
