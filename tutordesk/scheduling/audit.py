"""The audit shapes of session changes (audit.details explains the rules: shapes only grow)."""

from __future__ import annotations

import uuid

from tutordesk.audit.details import AuditDetails, Instant, Names, when_text
from tutordesk.audit.models import AuditAction, AuditEntity
from tutordesk.scheduling.status import PackageMove, package_move, status_label


class SessionCreated(AuditDetails):
    action = AuditAction.SESSION_CREATED
    entity = AuditEntity.SESSION

    match_id: uuid.UUID
    scheduled_start_at: Instant
    duration_minutes: int
    meet_link: str | None = None

    def words(self, names: Names) -> str:
        return f"Scheduled for {when_text(self.scheduled_start_at)}, {self.duration_minutes} minutes"


class StatusChangeDetails(AuditDetails):
    """What a status update and a correction both hold."""

    from_status: str
    status: str
    package_id: uuid.UUID | None = None
    # The package's sessions_used after this change (None: the change charged and refunded nothing).
    sessions_used_after: int | None = None

    @property
    def package_move(self) -> PackageMove | None:
        """Whether this change charged or refunded a session (None: neither)."""
        if self.package_id is None:
            return None
        return package_move(self.from_status, self.status)

    def _package_words(self) -> str:
        move = self.package_move
        if move is None:
            return ""
        used = (
            f" ({self.sessions_used_after} used of that package after it)"
            if self.sessions_used_after is not None
            else ""
        )
        return f"; 1 session {move}{used}"


class SessionStatusUpdated(StatusChangeDetails):
    action = AuditAction.SESSION_STATUS_UPDATED
    entity = AuditEntity.SESSION

    tutor_notes: str | None = None
    replacement_session_id: uuid.UUID | None = None
    new_start_at: Instant | None = None

    def words(self, names: Names) -> str:
        if self.new_start_at is not None:
            text = f"Rescheduled to {when_text(self.new_start_at)}"
        else:
            text = f"Recorded {status_label(self.status)} (was {status_label(self.from_status)})"
        return text + self._package_words()


class SessionStatusCorrected(StatusChangeDetails):
    action = AuditAction.SESSION_STATUS_CORRECTED
    entity = AuditEntity.SESSION

    reason: str = ""

    def words(self, names: Names) -> str:
        text = f"Corrected from {status_label(self.from_status)} to {status_label(self.status)}"
        return text + self._package_words() + (f". Reason: {self.reason}" if self.reason else "")
