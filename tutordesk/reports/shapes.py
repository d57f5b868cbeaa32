"""The JSON shape of the outcomes report (CONTRACT §9): a count per session status, read from
the lifecycle table (scheduling.status), the sessions charged, and the no-show rate."""

from __future__ import annotations

from typing import Annotated, Literal, cast, get_args

from pydantic import Field
from typing_extensions import TypedDict

from tutordesk.scheduling.status import (
    NO_SHOW_STATUSES,
    OUTCOME_STATUSES,
    SessionStatus,
    SessionStatusName,
    in_lifecycle_order,
)

GroupBy = Literal["tutor", "student", "month"]
# The counts of a row, each by its key: a status's sessions, and those that consumed a session.
CountName = Literal[SessionStatusName, "charged"]

RATE_DESCRIPTION = (
    f"({' + '.join(in_lifecycle_order(NO_SHOW_STATUSES))}) / "
    f"({' + '.join(in_lifecycle_order(OUTCOME_STATUSES))}); null when that is 0"
)


class OutcomeCountsOut(TypedDict):
    scheduled: Annotated[int, Field(description="sessions still `scheduled`")]
    done: int
    rescheduled: int
    no_show_student: int
    no_show_tutor: int
    charged: Annotated[int, Field(description="sessions whose status consumes a prepaid session")]
    no_show_rate: Annotated[float | None, Field(description=RATE_DESCRIPTION)]


class OutcomeRowOut(OutcomeCountsOut):
    key: Annotated[str, Field(description="the tutor's or student's id, or the month as YYYY-MM (UTC)")]
    label: Annotated[str, Field(description="the user's name, or the month in words")]


class OutcomeReportOut(TypedDict):
    rows: list[OutcomeRowOut]
    totals: OutcomeCountsOut


# The counts are named by the statuses themselves. A static type (the API's schema and mypy read
# it) has to spell them out; this keeps it from drifting from the table.
STATUS_COUNT_FIELDS: tuple[str, ...] = tuple(SessionStatus.values)
COUNT_NAMES = cast(tuple[CountName, ...], (*STATUS_COUNT_FIELDS, "charged"))
assert list(OutcomeCountsOut.__annotations__) == [*COUNT_NAMES, "no_show_rate"]
assert set(get_args(CountName)) == set(COUNT_NAMES)
