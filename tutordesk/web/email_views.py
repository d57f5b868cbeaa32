"""`/emails/` (admins): the reminders planned and decided, and every email of the outbox with its
state, each list filtered and keyset-paged like the other lists."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from tutordesk.accounts.models import Role
from tutordesk.events.models import EmailKind, EmailState
from tutordesk.reminders.jobs import offset_text
from tutordesk.reminders.selectors import (
    REMINDER_FILTERS,
    emails_for_admin,
    reminders_for_admin,
    with_lessons,
)
from tutordesk.web.helpers import AuthenticatedHttpRequest, role_required
from tutordesk.web.paging import keyset_page
from tutordesk.web.views import section

PAGE_SIZE = 50


@role_required(Role.ADMIN)
@require_GET
def emails(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    show = request.GET.get("reminders", "")
    show = show if show in REMINDER_FILTERS else "scheduled"
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "")
    reminders = keyset_page(
        reminders_for_admin(viewer=user, show=show),
        time_field="due_at",
        descending=show != "scheduled",  # what is coming: soonest first; what was decided: latest first
        cursor=request.GET.get("rcursor"),
        size=PAGE_SIZE,
        decorate=with_lessons,
    )
    for row in reminders.rows:
        row.offset_label = offset_text(row.offset_minutes)  # type: ignore[attr-defined]
    outbox = keyset_page(
        emails_for_admin(viewer=user, kind=kind, state=state),
        time_field="created_at",
        descending=True,
        cursor=request.GET.get("cursor"),
        size=PAGE_SIZE,
    )
    return render(
        request,
        "web/emails.html",
        {
            "nav": "emails",
            "reminders": section(
                reminders,
                id="reminders",
                title="Reminders",
                param="rcursor",
                empty="",
                newest_first=show != "scheduled",
            ),
            "outbox": section(outbox, id="emails", title="Emails", param="cursor", empty=""),
            "show": show,
            "reminder_filters": [("scheduled", "Scheduled"), ("sent", "Sent"), ("skipped", "Skipped")],
            "kind": kind if kind in EmailKind.values else "",
            "state": state if state in EmailState.values else "",
            "kinds": EmailKind.choices,
            "states": EmailState.choices,
        },
    )


urlpatterns = [path("emails/", emails, name="emails")]
