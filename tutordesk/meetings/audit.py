"""The audit shapes of meeting links (audit.details explains the rules: shapes only grow).

The worker makes a Google link after the lesson's change committed, so `meeting_link_ready` and
`meeting_link_failed` are written with no actor ("Tutordesk" on the pages); trying again is a
person's change.
"""

from __future__ import annotations

from tutordesk.audit.details import AuditDetails, Names
from tutordesk.audit.models import AuditAction, AuditEntity

PROVIDER_WORDS = {"google": "Google Meet", "jitsi": "Jitsi"}


def _provider(name: str) -> str:
    return PROVIDER_WORDS.get(name, name)


class MeetingLinkReady(AuditDetails):
    action = AuditAction.MEETING_LINK_READY
    entity = AuditEntity.SESSION

    provider: str
    link: str
    event_id: str | None = None  # the Google Calendar event

    def words(self, names: Names) -> str:
        return f"The {_provider(self.provider)} link is ready: {self.link}"


class MeetingLinkFailed(AuditDetails):
    action = AuditAction.MEETING_LINK_FAILED
    entity = AuditEntity.SESSION

    provider: str
    error: str = ""
    event_id: str | None = None

    def words(self, names: Names) -> str:
        return f"The {_provider(self.provider)} link could not be made: {self.error}"


class MeetingLinkRetried(AuditDetails):
    action = AuditAction.MEETING_LINK_RETRIED
    entity = AuditEntity.SESSION

    provider: str
    event_id: str | None = None
    error_before: str = ""  # why the last try failed

    def words(self, names: Names) -> str:
        return f"Asked for the {_provider(self.provider)} link again"
