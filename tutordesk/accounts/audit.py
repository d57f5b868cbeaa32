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


# ---------------------------------------------------------------- people (CONTRACT §11)


class UserInvited(AuditDetails):
    """An admin added a person who sets their own password from the invitation's link."""

    action = AuditAction.USER_INVITED
    entity = AuditEntity.USER

    email: str
    name: str
    role: str
    timezone: str
    student_ids: list[uuid.UUID] = []
    invitation_sent: bool = True

    def people(self) -> Iterable[uuid.UUID]:
        return tuple(self.student_ids)

    def words(self, names: Names) -> str:
        text = f"{self.name} <{self.email}> invited as {self.role}"
        if self.student_ids:
            text += ", looking after " + ", ".join(names(student_id) for student_id in self.student_ids)
        if not self.invitation_sent:
            text += " (no invitation email)"
        return text


class UserDeactivated(AuditDetails):
    action = AuditAction.USER_DEACTIVATED
    entity = AuditEntity.USER

    email: str

    def words(self, names: Names) -> str:
        return f"{self.email} deactivated: can no longer log in"


class UserReactivated(AuditDetails):
    action = AuditAction.USER_REACTIVATED
    entity = AuditEntity.USER

    email: str

    def words(self, names: Names) -> str:
        return f"{self.email} reactivated"


class GuardianStudentsSet(AuditDetails):
    """The students a guardian looks after, before and after."""

    action = AuditAction.GUARDIAN_STUDENTS_SET
    entity = AuditEntity.USER

    added: list[uuid.UUID] = []
    removed: list[uuid.UUID] = []

    def people(self) -> Iterable[uuid.UUID]:
        return (*self.added, *self.removed)

    def words(self, names: Names) -> str:
        parts = []
        if self.added:
            parts.append("now looks after " + ", ".join(names(i) for i in self.added))
        if self.removed:
            parts.append("no longer looks after " + ", ".join(names(i) for i in self.removed))
        return "; ".join(parts) if parts else "Students unchanged"


class PasswordSet(AuditDetails):
    """A person set their password: from an invitation or reset link, or on their settings page."""

    action = AuditAction.PASSWORD_SET
    entity = AuditEntity.USER

    via: str  # "link" (invitation or reset) or "settings"

    def words(self, names: Names) -> str:
        return "Password set from an emailed link" if self.via == "link" else "Password changed in settings"


class PasswordResetRequested(AuditDetails):
    """Someone asked for a reset link for this person (the email goes out unless rate-limited)."""

    action = AuditAction.PASSWORD_RESET_REQUESTED
    entity = AuditEntity.USER

    sent: bool = True

    def words(self, names: Names) -> str:
        return "Password reset link asked for" + ("" if self.sent else " (not sent: too many asks)")


class GuardianLinkAdded(AuditDetails):
    action = AuditAction.GUARDIAN_LINK_ADDED
    entity = AuditEntity.USER

    guardian_id: uuid.UUID
    student_id: uuid.UUID

    def people(self) -> Iterable[uuid.UUID]:
        return (self.guardian_id, self.student_id)

    def words(self, names: Names) -> str:
        return f"{names(self.guardian_id)} now looks after {names(self.student_id)}"
