"""The outcomes report for admins: the same numbers as `GET /api/v1/reports/outcomes`, with
charts drawn on the server as SVG and a CSV download."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tutordesk.accounts.models import Role
from tutordesk.reports.selectors import outcome_report
from tutordesk.reports.shapes import COUNT_NAMES, CountName, OutcomeCountsOut, OutcomeReportOut
from tutordesk.scheduling.status import SESSION_STATUS_LABELS
from tutordesk.web.forms import ReportFilterForm
from tutordesk.web.helpers import AuthenticatedHttpRequest, role_required
from tutordesk.web.views import Echo, csv_cell

CHART_ROWS = 30
# Bar segments in lifecycle order, with the colour each is drawn in (the badge colours, stronger).
COLOURS: tuple[tuple[CountName, str, str], ...] = (
    ("done", "fill-green-600", "bg-green-600"),
    ("no_show_student", "fill-red-600", "bg-red-600"),
    ("no_show_tutor", "fill-orange-500", "bg-orange-500"),
    ("rescheduled", "fill-yellow-400", "bg-yellow-400"),
    ("scheduled", "fill-blue-500", "bg-blue-500"),
)
SEGMENTS = tuple((name, SESSION_STATUS_LABELS[name], fill, swatch) for name, fill, swatch in COLOURS)
CSV_FIELDS = (*COUNT_NAMES, "no_show_rate")


def _report(request: AuthenticatedHttpRequest) -> tuple[ReportFilterForm, str, OutcomeReportOut]:
    form = ReportFilterForm(request.GET or None)
    group_by, start, end = "tutor", None, None
    if form.is_bound and form.is_valid():
        group_by = form.cleaned_data["group_by"] or "tutor"
        start, end = form.range(timezone.get_current_timezone())
    report = outcome_report(
        user=request.user,
        group_by=group_by,
        start_from=start,
        start_before=end,
    )
    return form, group_by, report


def total(counts: OutcomeCountsOut) -> int:
    return sum(counts[name] for name, *_ in COLOURS)


def bars(report: OutcomeReportOut) -> list[dict[str, Any]]:
    """The stacked bars of the busiest rows: each segment's x and width in percent of the longest bar."""
    rows = sorted(report["rows"], key=lambda r: (-total(r), r["label"]))[:CHART_ROWS]
    longest = max((total(r) for r in rows), default=0) or 1
    drawn = []
    for row in rows:
        x = 0.0
        segments = []
        for name, label, fill, _ in SEGMENTS:
            count = row[name]
            width = 100 * count / longest
            if count:
                segments.append(
                    {"x": round(x, 3), "width": round(width, 3), "fill": fill, "label": label, "count": count}
                )
            x += width
        words = ", ".join(f"{s['count']} {s['label']}" for s in segments) or "no sessions"
        rate = row["no_show_rate"]
        drawn.append(
            {
                "label": row["label"],
                "total": total(row),
                "segments": segments,
                "words": words,
                "rate": rate,
                "rate_width": round(100 * rate, 3) if rate is not None else 0,
                "rate_text": f"{100 * rate:.0f}%" if rate is not None else "—",
            }
        )
    return drawn


@role_required(Role.ADMIN)
@require_GET
def reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, group_by, report = _report(request)
    return render(
        request,
        "web/reports.html",
        {
            "form": form,
            "group_by": group_by,
            "report": report,
            "bars": bars(report),
            "chart_rows": CHART_ROWS,
            "legend": [(label, swatch) for _, label, _, swatch in SEGMENTS],
            "nav": "reports",
        },
    )


@role_required(Role.ADMIN)
@require_GET
def reports_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    _, group_by, report = _report(request)
    writer = csv.writer(Echo())
    lines = [writer.writerow([group_by, "label", *CSV_FIELDS])]
    for row in report["rows"]:
        lines.append(writer.writerow([csv_cell(row["key"]), csv_cell(row["label"]), *_numbers(row)]))
    lines.append(writer.writerow(["total", "All", *_numbers(report["totals"])]))
    stamp = datetime.now(tz=timezone.get_current_timezone()).strftime("%Y%m%d-%H%M%S")
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tutordesk-outcomes-by-{group_by}-{stamp}.csv"'
    return response


def _numbers(counts: OutcomeCountsOut) -> list[object]:
    rate = counts["no_show_rate"]
    return [*(counts[name] for name in COUNT_NAMES), "" if rate is None else f"{rate:.4f}"]
