"""The audit shapes of session changes (audit.details explains the rules: shapes only grow)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tutordesk.accounts.models import Role
from tutordesk.audit.details import AuditDetails, FromTo, Instant, Names, when_text
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


class SessionDetailsUpdated(AuditDetails):
    """A scheduled lesson's details edited: each changed one (`meet_link`, `duration_minutes`)
    with its value before and after ({"from", "to"})."""

    action = AuditAction.SESSION_DETAILS_UPDATED
    entity = AuditEntity.SESSION

    changes: dict[str, FromTo] = {}

    def words(self, names: Names) -> str:
        parts = []
        length = self.changes.get("duration_minutes")
        if length is not None:
            parts.append(f"the length from {length.before} to {length.after} minutes")
        link = self.changes.get("meet_link")
        if link is not None:
            if link.after is None:
                parts.append("the meet link cleared")
            elif link.before is None:
                parts.append(f"the meet link set to {link.after}")
            else:
                parts.append(f"the meet link changed to {link.after}")
        return "Changed " + (" and ".join(parts) or "nothing")


class SeriesCreated(AuditDetails):
    """A series of lessons laid out from a rule (CONTRACT §12): `sessions` occurrences, the first
    at `start_at`; `replaces_series_id` when it continues another ("change this and following")."""

    action = AuditAction.SERIES_CREATED
    entity = AuditEntity.SERIES

    match_id: uuid.UUID
    rrule: str
    timezone: str
    start_at: Instant
    duration_minutes: int
    sessions: int
    meet_link: str | None = None
    replaces_series_id: uuid.UUID | None = None

    def words(self, names: Names) -> str:
        text = (
            f"Series of {self.sessions} lesson{'s' if self.sessions != 1 else ''} from "
            f"{when_text(self.start_at)}, {self.duration_minutes} minutes ({self.rrule}, {self.timezone})"
        )
        return text + (", continuing an earlier series" if self.replaces_series_id else "")


class SeriesEnded(AuditDetails):
    """A series ended from `from_at`: `ended` lessons still scheduled from then on left the schedule."""

    action = AuditAction.SERIES_ENDED
    entity = AuditEntity.SERIES

    from_at: Instant
    reason: str
    ended: int

    def words(self, names: Names) -> str:
        return (
            f"Series ended from {when_text(self.from_at)}: {self.ended} upcoming "
            f"lesson{'s' if self.ended != 1 else ''} taken off the schedule. Reason: {self.reason}"
        )


class SessionSeriesEnded(AuditDetails):
    """One occurrence taken off the schedule because its series ended (`rescheduled`, no charge,
    no replacement)."""

    action = AuditAction.SESSION_SERIES_ENDED
    entity = AuditEntity.SESSION

    series_id: uuid.UUID
    from_status: str = "scheduled"
    status: str = "rescheduled"
    reason: str

    def words(self, names: Names) -> str:
        return f"Taken off the schedule: its series ended. Reason: {self.reason}"


class SessionCancelled(StatusChangeDetails):
    """One lesson taken off the schedule by its tutor, an admin, its student or a guardian of the
    student (CONTRACT §12): `rescheduled`, nothing charged, no replacement."""

    action = AuditAction.SESSION_CANCELLED
    entity = AuditEntity.SESSION

    cancelled_by: uuid.UUID
    # The canceller's role then (a person's role may change later; the row keeps what it was).
    cancelled_by_role: str
    reason: str
    # Hours between the cancellation and the lesson's start, to one decimal.
    notice_hours: float

    def people(self) -> Iterable[uuid.UUID]:
        return (self.cancelled_by,)

    def words(self, names: Names) -> str:
        role = Role(self.cancelled_by_role).label if self.cancelled_by_role in Role.values else "someone"
        hours = f"{self.notice_hours:g}"
        notice = f"{hours} hour's notice" if hours == "1" else f"{hours} hours' notice"
        return f"Cancelled by {names(self.cancelled_by)} ({role.lower()}), {notice}: {self.reason}"


class SessionMatchEnded(StatusChangeDetails):
    """An upcoming lesson taken off the schedule because its match ended (CONTRACT §11):
    `rescheduled`, nothing charged, no replacement."""

    action = AuditAction.SESSION_MATCH_ENDED
    entity = AuditEntity.SESSION

    match_id: uuid.UUID
    reason: str = ""

    def words(self, names: Names) -> str:
        text = f"Taken off the schedule ({status_label(self.status)}): the match ended"
        return text + (f". Reason: {self.reason}" if self.reason else "")


class SessionReassigned(StatusChangeDetails):
    """An upcoming lesson moved to another tutor at the same time (CONTRACT §11): this one
    `rescheduled`, its replacement under the new match."""

    action = AuditAction.SESSION_REASSIGNED
    entity = AuditEntity.SESSION

    from_tutor_id: uuid.UUID
    tutor_id: uuid.UUID
    match_id: uuid.UUID  # the new match
    replacement_session_id: uuid.UUID
    reason: str = ""

    def people(self) -> Iterable[uuid.UUID]:
        return (self.from_tutor_id, self.tutor_id)

    def words(self, names: Names) -> str:
        text = f"Moved from {names(self.from_tutor_id)} to {names(self.tutor_id)} at the same time"
        return text + (f". Reason: {self.reason}" if self.reason else "")
