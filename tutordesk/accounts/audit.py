"""The audit shapes of people and API tokens (audit.details explains the rules)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tutordesk.audit.details import AuditDetails, Names, OldNew
from tutordesk.audit.models import AuditAction, AuditEntity


class UserCreated(AuditDetails):
    action = AuditAction.USER_CREATED
    entity = AuditEntity.USER

    email: str
    name: str
    role: str
    timezone: str = "UTC"
    is_active: bool = True

    def words(self, names: Names) -> str:
        return f"{self.name} <{self.email}> added as {self.role}"


class UserUpdated(AuditDetails):
    action = AuditAction.USER_UPDATED
    entity = AuditEntity.USER

    changes: dict[str, OldNew] = {}
    password_changed: bool = False

    def words(self, names: Names) -> str:
        parts = [f"{field} from {change.old!r} to {change.new!r}" for field, change in self.changes.items()]
        if self.password_changed:
            parts.append("password changed")
        return "Changed " + ("; ".join(parts) if parts else "nothing")


class ApiTokenCreated(AuditDetails):
    action = AuditAction.API_TOKEN_CREATED
    entity = AuditEntity.API_TOKEN

    user_id: uuid.UUID
    name: str = ""
    prefix: str

    def people(self) -> Iterable[uuid.UUID]:
        return (self.user_id,)

    def words(self, names: Names) -> str:
        label = f" “{self.name}”" if self.name else ""
        return f"API token{label} ({self.prefix}…) created for {names(self.user_id)}"


class ApiTokenRevoked(AuditDetails):
    action = AuditAction.API_TOKEN_REVOKED
    entity = AuditEntity.API_TOKEN

    user_id: uuid.UUID
    prefix: str

    def people(self) -> Iterable[uuid.UUID]:
        return (self.user_id,)

    def words(self, names: Names) -> str:
        return f"API token {self.prefix}… of {names(self.user_id)} revoked"


class GuardianLinkAdded(AuditDetails):
    action = AuditAction.GUARDIAN_LINK_ADDED
    entity = AuditEntity.USER

    guardian_id: uuid.UUID
    student_id: uuid.UUID

    def people(self) -> Iterable[uuid.UUID]:
        return (self.guardian_id, self.student_id)

    def words(self, names: Names) -> str:
        return f"{names(self.guardian_id)} now looks after {names(self.student_id)}"
