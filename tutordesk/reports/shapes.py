"""The JSON shape of the outcomes report (CONTRACT §9)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypedDict

GroupBy = Literal["tutor", "student", "month"]
# The counts of a row, each by its key: a status's sessions, and those that consumed a session.
CountName = Literal["scheduled", "done", "rescheduled", "no_show_student", "no_show_tutor", "charged"]
COUNT_NAMES: tuple[CountName, ...] = (
    "scheduled",
    "done",
    "rescheduled",
    "no_show_student",
    "no_show_tutor",
    "charged",
)

RATE_DESCRIPTION = (
    "(no_show_student + no_show_tutor) / (done + no_show_student + no_show_tutor); null when that is 0"
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
