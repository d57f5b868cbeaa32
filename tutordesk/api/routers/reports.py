from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router

from tutordesk.api.auth import AuthedRequest
from tutordesk.api.params import From, To
from tutordesk.api.responses import LIST_ERRORS, ok
from tutordesk.api.schemas import ApiDateTimeFilter
from tutordesk.reports.selectors import outcome_report
from tutordesk.reports.shapes import GroupBy, OutcomeReportOut

router = Router(tags=["reports"])

GroupByParam = Query("tutor", description="`tutor`, `student` or `month` (months in UTC, keys YYYY-MM)")


@router.get(
    "/reports/outcomes", response={200: OutcomeReportOut, **LIST_ERRORS}, operation_id="reports_outcomes"
)
def reports_outcomes(
    request: AuthedRequest,
    group_by: GroupBy = GroupByParam,
    start_from: ApiDateTimeFilter | None = From,
    start_to: ApiDateTimeFilter | None = To,
) -> HttpResponse:
    """Admins only: sessions per status, per tutor, student or month, with the no-show rate."""
    return ok(
        outcome_report(user=request.auth, group_by=group_by, start_from=start_from, start_before=start_to)
    )
