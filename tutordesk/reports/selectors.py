"""The outcomes report: session counts per status, grouped by tutor, student or month, counted
by the database (one GROUP BY query), never by looping over sessions in Python."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.models import User
from tutordesk.core.errors import ValidationError
from tutordesk.reports.shapes import COUNT_NAMES, GroupBy, OutcomeCountsOut, OutcomeReportOut, OutcomeRowOut
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import CONSUMING_STATUSES, SessionStatus

GROUPS: tuple[GroupBy, ...] = ("tutor", "student", "month")
STATUS_COUNTS = (
    SessionStatus.SCHEDULED,
    SessionStatus.DONE,
    SessionStatus.RESCHEDULED,
    SessionStatus.NO_SHOW_STUDENT,
    SessionStatus.NO_SHOW_TUTOR,
)
COUNT_FIELDS = COUNT_NAMES  # the statuses above, then "charged"


def no_show_rate(counts: dict[str, Any]) -> float | None:
    no_shows = counts["no_show_student"] + counts["no_show_tutor"]
    held = counts["done"] + no_shows
    return no_shows / held if held else None


def outcome_report(
    *,
    user: User,
    group_by: str = "tutor",
    start_from: datetime | None = None,
    start_before: datetime | None = None,
) -> OutcomeReportOut:
    """Admins only. Sessions with `start_from <= scheduled_start_at < start_before`."""
    require_admin(user, "read reports")
    if group_by not in GROUPS:
        raise ValidationError(f"group_by must be one of {', '.join(GROUPS)}", field="group_by")
    sessions = Session.objects.all()
    if start_from is not None:
        sessions = sessions.filter(scheduled_start_at__gte=start_from)
    if start_before is not None:
        sessions = sessions.filter(scheduled_start_at__lt=start_before)
    counts: dict[str, Any] = {str(s): Count("id", filter=Q(status=s)) for s in STATUS_COUNTS}
    counts["charged"] = Count("id", filter=Q(status__in=sorted(CONSUMING_STATUSES)))

    rows: list[OutcomeRowOut] = []
    if group_by == "month":
        grouped = (
            sessions.annotate(month=TruncMonth("scheduled_start_at", tzinfo=UTC))
            .values("month")
            .annotate(**counts)
            .order_by("month")
        )
        for row in grouped:
            month: datetime = row["month"]
            rows.append(_row(f"{month:%Y-%m}", f"{month:%B %Y}", row))
    else:
        # Counted by id on the sessions alone (no join while scanning), then named in one query.
        person = "tutor_id" if group_by == "tutor" else "student_id"
        per_person: list[dict[str, Any]] = list(sessions.values(person).annotate(**counts).order_by())
        names = dict(
            User.objects.filter(pk__in=[row[person] for row in per_person]).values_list("pk", "name")
        )
        for row in sorted(per_person, key=lambda r: (names.get(r[person], ""), str(r[person]))):
            rows.append(_row(str(row[person]), names.get(row[person], ""), row))
    # The groups' counts added up (a handful of rows, already counted by the database).
    totals: dict[str, int] = dict.fromkeys(COUNT_FIELDS, 0)
    for counted in rows:
        for name in COUNT_FIELDS:
            totals[name] += counted[name]
    return {"rows": rows, "totals": _counts(totals)}


def _counts(row: dict[str, Any]) -> OutcomeCountsOut:
    return {
        "scheduled": row["scheduled"],
        "done": row["done"],
        "rescheduled": row["rescheduled"],
        "no_show_student": row["no_show_student"],
        "no_show_tutor": row["no_show_tutor"],
        "charged": row["charged"],
        "no_show_rate": no_show_rate(row),
    }


def _row(key: str, label: str, row: dict[str, Any]) -> OutcomeRowOut:
    return {"key": key, "label": label, **_counts(row)}
