"""The week view `/week/` (CONTRACT §15): a tutor's (or, for an admin, one tutor's or everyone's)
lessons of one week, Monday to Sunday in the viewer's time zone, a column per day.

Each lesson still on the schedule or with an outcome is a block (its status badge, colour and
words from status.py) that opens the session's page; lessons that left the schedule
(`rescheduled`) are not shown. On a phone the columns fold into a list of days.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tutordesk.accounts.models import Role, User
from tutordesk.core import clock
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.selectors import sessions_visible_to
from tutordesk.scheduling.status import SessionStatus
from tutordesk.web.helpers import AuthenticatedHttpRequest, role_required


@dataclass
class Day:
    date: date
    is_today: bool
    sessions: list[Session] = field(default_factory=list)


def week_start(text: str | None, today: date) -> date:
    """The Monday of the week `text` (YYYY-MM-DD) falls in; this week's for none or a bad date."""
    try:
        day = date.fromisoformat(text) if text else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


def _tutor_choice(user: User, text: str | None) -> User | None:
    """The tutor an admin chose (`?tutor=<id>`); None for everyone, or for an id that is no tutor."""
    if not user.is_admin or not text:
        return None
    try:
        return User.objects.filter(pk=uuid.UUID(text), role=Role.TUTOR).first()
    except ValueError:
        return None


@role_required(Role.TUTOR, Role.ADMIN)
@require_GET
def week(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    zone = timezone.get_current_timezone()
    today = timezone.localdate(clock.now())
    monday = week_start(request.GET.get("start"), today)
    begins = datetime.combine(monday, time.min, tzinfo=zone)
    ends = datetime.combine(monday + timedelta(days=7), time.min, tzinfo=zone)
    tutor = _tutor_choice(user, request.GET.get("tutor"))

    sessions = (
        sessions_visible_to(user)
        .filter(scheduled_start_at__gte=begins, scheduled_start_at__lt=ends)
        .exclude(status=SessionStatus.RESCHEDULED)
        .select_related("student", "tutor", "request")
        .order_by("scheduled_start_at", "id")
    )
    if tutor is not None:
        sessions = sessions.filter(tutor_id=tutor.id)
    days = [
        Day(date=monday + timedelta(days=i), is_today=monday + timedelta(days=i) == today) for i in range(7)
    ]
    for session in sessions:
        days[(timezone.localtime(session.scheduled_start_at, zone).date() - monday).days].sessions.append(
            session
        )

    tutors = (
        list(User.objects.filter(role=Role.TUTOR, is_active=True).order_by("name", "id"))
        if user.is_admin
        else []
    )
    return render(
        request,
        "web/week.html",
        {
            "days": days,
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "this_week": week_start(None, today),
            "tutor": tutor,
            "tutors": tutors,
            "count": sum(len(day.sessions) for day in days),
            "nav": "week",
        },
    )
