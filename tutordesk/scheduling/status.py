"""The session status lifecycle: the one table pages, API and admin all read."""

from __future__ import annotations

from typing import Literal, get_args

from django.db import models


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Upcoming"
    DONE = "done", "Done"
    RESCHEDULED = "rescheduled", "Rescheduled"
    NO_SHOW_STUDENT = "no_show_student", "Student No-show"
    NO_SHOW_TUTOR = "no_show_tutor", "Tutor No-show"


# The same values as a type, for the JSON shapes and the API's inputs.
SessionStatusName = Literal["scheduled", "done", "rescheduled", "no_show_student", "no_show_tutor"]
assert set(get_args(SessionStatusName)) == set(SessionStatus.values)

SESSION_STATUS_LABELS: dict[str, str] = {s.value: str(s.label) for s in SessionStatus}

SESSION_STATUS_COLOURS: dict[str, str] = {
    SessionStatus.SCHEDULED: "bg-blue-100 text-blue-800",
    SessionStatus.DONE: "bg-green-100 text-green-800",
    SessionStatus.RESCHEDULED: "bg-yellow-100 text-yellow-800",
    SessionStatus.NO_SHOW_STUDENT: "bg-red-100 text-red-700",
    SessionStatus.NO_SHOW_TUTOR: "bg-orange-100 text-orange-800",
}

# Statuses that use up one prepaid session of the request's package.
CONSUMING_STATUSES: frozenset[str] = frozenset({SessionStatus.DONE, SessionStatus.NO_SHOW_STUDENT})

# Outcomes record what happened, so they cannot precede the session's start.
OUTCOME_STATUSES: frozenset[str] = frozenset(
    {SessionStatus.DONE, SessionStatus.NO_SHOW_STUDENT, SessionStatus.NO_SHOW_TUTOR}
)

# A tutor's or admin's status update: from scheduled only.
TRANSITIONS: dict[str, frozenset[str]] = {
    SessionStatus.SCHEDULED: frozenset(
        {
            SessionStatus.DONE,
            SessionStatus.RESCHEDULED,
            SessionStatus.NO_SHOW_STUDENT,
            SessionStatus.NO_SHOW_TUTOR,
        }
    ),
    SessionStatus.DONE: frozenset(),
    SessionStatus.RESCHEDULED: frozenset(),
    SessionStatus.NO_SHOW_STUDENT: frozenset(),
    SessionStatus.NO_SHOW_TUTOR: frozenset(),
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def can_correct(from_status: str, to_status: str) -> bool:
    """An admin correction: any recorded status to any other status, `scheduled` included."""
    return (
        from_status != SessionStatus.SCHEDULED
        and to_status != from_status
        and to_status in SESSION_STATUS_LABELS
    )


def consumes(status: str) -> bool:
    return status in CONSUMING_STATUSES


PackageMove = Literal["charged", "refunded"]


def package_move(from_status: str, to_status: str) -> PackageMove | None:
    """What a change from one status to another does to a package: the one place it is decided.
    Entering a consuming status charges a session; leaving one refunds it; anything else (say,
    Done corrected to Student No-show) leaves the package as it is."""
    if consumes(to_status) and not consumes(from_status):
        return "charged"
    if consumes(from_status) and not consumes(to_status):
        return "refunded"
    return None


def status_label(status: str) -> str:
    """A status in words (§3); a value this version does not know reads as itself."""
    return SESSION_STATUS_LABELS.get(status, status)
