"""What the session page shows about a lesson's meeting link."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tutordesk.events.models import Job
from tutordesk.meetings.models import LinkState, MeetingLink
from tutordesk.meetings.services import JOB_KIND


@dataclass(frozen=True)
class LinkStatus:
    provider: str  # jitsi | google
    provider_label: str
    state: str  # models.LinkState
    link: str | None
    error: str  # why the last try failed ("" if none did)
    attempts: int
    next_attempt_at: datetime | None

    @property
    def can_retry(self) -> bool:
        return self.state == LinkState.FAILED


def link_status(session_id: uuid.UUID) -> LinkStatus | None:
    """None: nobody but a person gave this lesson its link (or it has none)."""
    row = MeetingLink.objects.filter(session_id=session_id).first()
    if row is None:
        return None
    job = Job.objects.filter(kind=JOB_KIND, key=row.event_id).first() if row.event_id else None
    return LinkStatus(
        provider=row.provider,
        provider_label=row.get_provider_display(),
        state=row.state,
        link=row.link,
        error=job.last_error if job is not None else "",
        attempts=job.attempts if job is not None else 0,
        next_attempt_at=job.next_attempt_at if job is not None and row.state == LinkState.PREPARING else None,
    )
