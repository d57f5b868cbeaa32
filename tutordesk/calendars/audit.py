"""The audit shapes of calendar links (audit.details explains the rules)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tutordesk.audit.details import AuditDetails, Names
from tutordesk.audit.models import AuditAction, AuditEntity


class CalendarFeedIssued(AuditDetails):
    action = AuditAction.CALENDAR_FEED_ISSUED
    entity = AuditEntity.CALENDAR_FEED

    user_id: uuid.UUID
    replaced_earlier_link: bool = False

    def people(self) -> Iterable[uuid.UUID]:
        return (self.user_id,)

    def words(self, names: Names) -> str:
        again = " (the earlier link stopped working)" if self.replaced_earlier_link else ""
        return f"Calendar link issued to {names(self.user_id)}{again}"


class CalendarFeedRevoked(AuditDetails):
    action = AuditAction.CALENDAR_FEED_REVOKED
    entity = AuditEntity.CALENDAR_FEED

    user_id: uuid.UUID

    def people(self) -> Iterable[uuid.UUID]:
        return (self.user_id,)

    def words(self, names: Names) -> str:
        return f"Calendar link of {names(self.user_id)} turned off"
