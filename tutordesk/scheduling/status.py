"""The session status lifecycle: the one table pages, API, reports and admin all read.

Every list of statuses, every label and every colour comes from here. The presentation classes
(Tailwind) sit beside the table so that a status can never be added without its colours; the
stylesheet's build reads this file for them (web/static/web/input.css).
"""

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

# The reports' charts: each status's bar segment (an SVG fill) and its legend swatch, the badge's
# hue, stronger.
SESSION_STATUS_CHART_COLOURS: dict[str, tuple[str, str]] = {
    SessionStatus.SCHEDULED: ("fill-blue-500", "bg-blue-500"),
    SessionStatus.DONE: ("fill-green-600", "bg-green-600"),
    SessionStatus.RESCHEDULED: ("fill-yellow-400", "bg-yellow-400"),
    SessionStatus.NO_SHOW_STUDENT: ("fill-red-600", "bg-red-600"),
    SessionStatus.NO_SHOW_TUTOR: ("fill-orange-500", "bg-orange-500"),
}

# Statuses that use up one prepaid session of the request's package.
CONSUMING_STATUSES: frozenset[str] = frozenset({SessionStatus.DONE, SessionStatus.NO_SHOW_STUDENT})

# Outcomes record what happened, so they cannot precede the session's start.
OUTCOME_STATUSES: frozenset[str] = frozenset(
    {SessionStatus.DONE, SessionStatus.NO_SHOW_STUDENT, SessionStatus.NO_SHOW_TUTOR}
)

# The outcomes in which somebody did not come (the reports' no-show rate: these out of the outcomes).
NO_SHOW_STATUSES: frozenset[str] = frozenset({SessionStatus.NO_SHOW_STUDENT, SessionStatus.NO_SHOW_TUTOR})

assert set(SESSION_STATUS_COLOURS) == set(SESSION_STATUS_CHART_COLOURS) == set(SessionStatus.values)
assert CONSUMING_STATUSES <= OUTCOME_STATUSES and NO_SHOW_STATUSES <= OUTCOME_STATUSES


def in_lifecycle_order(statuses: frozenset[str] | set[str]) -> list[str]:
    """These statuses in the table's order (the order of `SessionStatus`)."""
    return [s for s in SessionStatus.values if s in statuses]


# Every status, the outcomes first (done, then the no-shows), then the lesson moved, then the ones
# still on the schedule: the order the reports draw and list them in.
OUTCOMES_FIRST: tuple[str, ...] = tuple(
    sorted(SessionStatus.values, key=lambda s: (s not in OUTCOME_STATUSES, s == SessionStatus.SCHEDULED))
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
