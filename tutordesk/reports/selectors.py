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
from tutordesk.reports.shapes import (
    COUNT_NAMES,
    STATUS_COUNT_FIELDS,
    GroupBy,
    OutcomeCountsOut,
    OutcomeReportOut,
    OutcomeRowOut,
)
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import CONSUMING_STATUSES, NO_SHOW_STATUSES, OUTCOME_STATUSES

GROUPS: tuple[GroupBy, ...] = ("tutor", "student", "month")
COUNT_FIELDS = COUNT_NAMES  # every status, then "charged"


def no_show_rate(counts: dict[str, Any]) -> float | None:
    """The no-shows of either kind out of the sessions held or missed (every outcome)."""
    no_shows = sum(counts[status] for status in NO_SHOW_STATUSES)
    held_or_missed = sum(counts[status] for status in OUTCOME_STATUSES)
    return no_shows / held_or_missed if held_or_missed else None


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
    counts: dict[str, Any] = {status: Count("id", filter=Q(status=status)) for status in STATUS_COUNT_FIELDS}
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
    counts = {name: row[name] for name in COUNT_FIELDS}
    return {**counts, "no_show_rate": no_show_rate(row)}  # type: ignore[typeddict-item]  # its keys are the statuses, read from the lifecycle table at run time


def _row(key: str, label: str, row: dict[str, Any]) -> OutcomeRowOut:
    return {"key": key, "label": label, **_counts(row)}
