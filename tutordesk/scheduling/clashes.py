"""Whether a tutor is free: every proposed lesson checked against the tutor's scheduled lessons and
against the other proposed lessons, with every clash listed (CONTRACT §12's `conflicts`).

One lesson (a booking, a reschedule's replacement, a longer duration) and many (a series, a
reassignment that moves a term of lessons to another tutor) go through the same check, under the
tutor's row lock (lock order, step 2: see scheduling/services.py), so two bookings of one tutor
never both see the hour free.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from tutordesk.accounts.models import User
from tutordesk.core.errors import TutorDoubleBooked
from tutordesk.scheduling.models import MAX_DURATION_MINUTES, Session
from tutordesk.scheduling.status import SessionStatus


@dataclass(frozen=True)
class Slot:
    """A lesson someone wants to book."""

    start: datetime
    duration_minutes: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class Clash:
    """A proposed lesson that overlaps another: a scheduled session of the tutor's
    (`conflicting_session_id` set) or another of the proposed lessons (`conflicting_session_id` None)."""

    scheduled_start_at: datetime
    conflicting_session_id: uuid.UUID | None
    conflicting_start_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "scheduled_start_at": self.scheduled_start_at.isoformat(),
            "conflicting_session_id": str(self.conflicting_session_id)
            if self.conflicting_session_id
            else None,
            "conflicting_start_at": self.conflicting_start_at.isoformat(),
        }


def lock_tutor(tutor_id: uuid.UUID) -> None:
    """Lock order, step 2: the tutor's row serialises the overlap checks of one tutor's bookings."""
    User.objects.select_for_update(no_key=True).filter(pk=tutor_id).exists()


def find_clashes(
    *, tutor_id: uuid.UUID, slots: Sequence[Slot], exclude: Collection[uuid.UUID] = ()
) -> list[Clash]:
    """Every clash of `slots` (in their order) with the tutor's scheduled sessions (but those in
    `exclude`: a session being moved does not clash with itself) and with each other. One query
    for any number of slots."""
    if not slots:
        return []
    first = min(slot.start for slot in slots)
    last = max(slot.end for slot in slots)
    booked = Session.objects.filter(
        tutor_id=tutor_id,
        status=SessionStatus.SCHEDULED,
        scheduled_start_at__lt=last,
        scheduled_start_at__gt=first - timedelta(minutes=MAX_DURATION_MINUTES),
    )
    if exclude:
        booked = booked.exclude(pk__in=list(exclude))
    taken = [
        (other.scheduled_start_at, other.scheduled_end_at, other.id)
        for other in booked.only("id", "scheduled_start_at", "duration_minutes").order_by(
            "scheduled_start_at"
        )
    ]
    clashes: list[Clash] = []
    for index, slot in enumerate(slots):
        for start, end, session_id in taken:
            if start < slot.end and end > slot.start:
                clashes.append(Clash(slot.start, session_id, start))
        for other in slots[:index]:
            if other.start < slot.end and other.end > slot.start:
                clashes.append(Clash(slot.start, None, other.start))
    return clashes


def ensure_tutor_free(
    *, tutor_id: uuid.UUID, slots: Sequence[Slot], exclude: Collection[uuid.UUID] = ()
) -> None:
    """Lock the tutor's bookings, then refuse with `tutor_double_booked` listing every clash
    (`conflicts`); the first clash is also named on its own, as a single booking's refusal
    always was (`conflicting_session_id`, `conflicting_start_at`)."""
    lock_tutor(tutor_id)
    clashes = find_clashes(tutor_id=tutor_id, slots=slots, exclude=exclude)
    if not clashes:
        return
    first = clashes[0]
    other = "another lesson being booked with it" if first.conflicting_session_id is None else "a session"
    start = timezone.localtime(first.conflicting_start_at, timezone.get_fixed_timezone(0))
    more = (
        f" (and {len(clashes) - 1} more clash{'es' if len(clashes) > 2 else ''})" if len(clashes) > 1 else ""
    )
    raise TutorDoubleBooked(
        f"The tutor already has {other} from {start:%Y-%m-%d %H:%M} UTC{more}",
        conflicting_session_id=str(first.conflicting_session_id) if first.conflicting_session_id else None,
        conflicting_start_at=first.conflicting_start_at.isoformat(),
        conflicts=[clash.as_json() for clash in clashes],
    )
