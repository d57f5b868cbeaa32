"""Will the prepaid sessions cover the lessons booked? A forecast for one request, shown when
lessons are booked (a series' preview, a lone lesson, and after either): a warning in words when
the lessons still on the schedule outnumber the sessions left, never a refusal (a business may book
first and sell the next package later)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import F, Sum

from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import SessionStatus
from tutordesk.tutoring.models import Package


@dataclass(frozen=True)
class Forecast:
    sessions_left: int  # prepaid sessions left on the request's active packages
    scheduled: int  # the request's lessons still on the schedule (upcoming or awaiting an outcome)
    adding: int  # lessons about to be booked (0 after booking)

    @property
    def booked(self) -> int:
        return self.scheduled + self.adding

    @property
    def uncovered(self) -> int:
        """Lessons on the schedule that no prepaid session covers yet."""
        return max(0, self.booked - self.sessions_left)

    def words(self) -> str:
        lessons = f"{self.booked} lesson{'s' if self.booked != 1 else ''} on the schedule"
        if self.adding:
            lessons += f" (with these {self.adding})"
        left = f"{self.sessions_left} prepaid session{'s' if self.sessions_left != 1 else ''} left"
        if not self.uncovered:
            return f"{lessons}, {left}: all covered."
        return (
            f"{lessons}, only {left}: {self.uncovered} lesson{'s are' if self.uncovered != 1 else ' is'} "
            "not covered yet. You can still book; an admin adds a package before they are recorded."
        )


def forecast(*, request_id: uuid.UUID, adding: int = 0) -> Forecast:
    left = (
        Package.objects.filter(request_id=request_id, status=Package.Status.ACTIVE).aggregate(
            left=Sum(F("sessions_total") - F("sessions_used"))
        )["left"]
        or 0
    )
    scheduled = Session.objects.filter(request_id=request_id, status=SessionStatus.SCHEDULED).count()
    return Forecast(sessions_left=left, scheduled=scheduled, adding=adding)
