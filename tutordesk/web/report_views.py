"""The outcomes report for admins: the same numbers as `GET /api/v1/reports/outcomes`, with
charts drawn on the server as SVG and a CSV download."""

from __future__ import annotations

import csv
from typing import Any, cast

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tutordesk.accounts.models import Role
from tutordesk.core import clock
from tutordesk.reports.selectors import outcome_report
from tutordesk.reports.shapes import COUNT_NAMES, CountName, OutcomeCountsOut, OutcomeReportOut
from tutordesk.scheduling.status import OUTCOMES_FIRST, SESSION_STATUS_CHART_COLOURS, SESSION_STATUS_LABELS
from tutordesk.web.forms import ReportFilterForm
from tutordesk.web.helpers import AuthenticatedHttpRequest, role_required
from tutordesk.web.views import Echo, csv_cell

CHART_ROWS = 30
# Bar segments and the table's columns: every status of the lifecycle, outcomes first, with its
# label and its chart colours (scheduling.status).
SEGMENTS: tuple[tuple[CountName, str, str, str], ...] = tuple(
    (cast(CountName, name), SESSION_STATUS_LABELS[name], *SESSION_STATUS_CHART_COLOURS[name])
    for name in OUTCOMES_FIRST
)
CSV_FIELDS = (*COUNT_NAMES, "no_show_rate")


def _report(request: AuthenticatedHttpRequest) -> tuple[ReportFilterForm, str, OutcomeReportOut | None]:
    """The form and the report it asks for; no report while the form has errors (a From after
    its To, a date out of range): the page says what to fix and counts nothing."""
    form = ReportFilterForm(request.GET or None)
    group_by, start, end = "tutor", None, None
    if form.is_bound:
        if not form.is_valid():
            return form, group_by, None
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
    return sum(counts[name] for name, *_ in SEGMENTS)


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
            "period": form.period_text() if report is not None else "",
            "all_time": report is not None and not form.has_period(),
            "columns": [(name, label) for name, label, *_ in SEGMENTS],
            "table": table(report) if report is not None else None,
            "bars": bars(report) if report is not None else [],
            "chart_rows": CHART_ROWS,
            "legend": [(label, swatch) for _, label, _, swatch in SEGMENTS],
            "nav": "reports",
        },
    )


def table(report: OutcomeReportOut) -> dict[str, Any]:
    """The report's rows and totals as the table's cells, in the columns' order."""

    def cells(counts: OutcomeCountsOut) -> list[tuple[str, str, int]]:
        return [(name, label, counts[name]) for name, label, *_ in SEGMENTS]

    return {
        "rows": [
            {"key": row["key"], "label": row["label"], "cells": cells(row), "counts": row}
            for row in report["rows"]
        ],
        "totals": {"cells": cells(report["totals"]), "counts": report["totals"]},
    }


@role_required(Role.ADMIN)
@require_GET
def reports_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    _, group_by, report = _report(request)
    if report is None:
        # The page shows what to fix in the filters; no file for a range that cannot be.
        return redirect(f"{reverse('web:reports')}?{request.GET.urlencode()}")
    writer = csv.writer(Echo())
    lines = [writer.writerow([group_by, "label", *CSV_FIELDS])]
    for row in report["rows"]:
        lines.append(writer.writerow([csv_cell(row["key"]), csv_cell(row["label"]), *_numbers(row)]))
    lines.append(writer.writerow(["total", "All", *_numbers(report["totals"])]))
    stamp = clock.now().astimezone(timezone.get_current_timezone()).strftime("%Y%m%d-%H%M%S")
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tutordesk-outcomes-by-{group_by}-{stamp}.csv"'
    return response


def _numbers(counts: OutcomeCountsOut) -> list[object]:
    rate = counts["no_show_rate"]
    return [*(counts[name] for name in COUNT_NAMES), "" if rate is None else f"{rate:.4f}"]
