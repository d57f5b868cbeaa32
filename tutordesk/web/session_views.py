"""One session's page, scheduling, and every change to a session from the pages: a row's quick
outcome (htmx swaps the row), a slide-over form (reschedule, correct, schedule), the session
page's own forms, and the bulk marking of several sessions at once.

Thin: parse a form, look up through a selector (a session the user may not see is a 404), call
one service inside the idempotency store with the form's one-time key, render.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import OuterRef
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutordesk.accounts.models import Role, User
from tutordesk.core import clock
from tutordesk.core.errors import DomainError, Forbidden, InvalidTransition, NotFound
from tutordesk.core.errors import ValidationError as DomainValidationError
from tutordesk.core.idempotency import is_valid_key
from tutordesk.meetings.selectors import link_status
from tutordesk.meetings.services import meeting_link_retry
from tutordesk.scheduling.clashes import Slot, find_clashes
from tutordesk.scheduling.forecast import Forecast, forecast
from tutordesk.scheduling.models import Series, Session
from tutordesk.scheduling.selectors import sessions_visible_to
from tutordesk.scheduling.series import Occurrence, Rule, clean_rule, series_create, series_preview
from tutordesk.scheduling.services import (
    cancel_refusal,
    cancellation_notice_hours,
    session_cancel,
    session_correct_status,
    session_create,
    session_update_details,
    session_update_status,
)
from tutordesk.scheduling.status import SESSION_STATUS_LABELS, SessionStatus, consumes
from tutordesk.tutoring.models import Match
from tutordesk.tutoring.selectors import sessions_left_by_request, sessions_left_of
from tutordesk.web import queries
from tutordesk.web.forms import (
    REPEAT_FIELDS,
    BulkStatusForm,
    CancelForm,
    CorrectionForm,
    ScheduleForm,
    SessionDetailsForm,
    StatusUpdateForm,
    field_words,
)
from tutordesk.web.helpers import (
    AuthenticatedHttpRequest,
    back_url,
    first_error,
    form_payload,
    in_panel,
    role_required,
    show_sessions_left,
    visible_session_or_404,
)
from tutordesk.web.messages import error_message
from tutordesk.web.once import once
from tutordesk.web.outcomes import Done, Recorded, Refused, Scheduled, SeriesBooked
from tutordesk.web.series_views import booking_refusal, series_rule_words
from tutordesk.web.timeline import session_timeline

NOT_AVAILABLE = "It is no longer available to you. Reload the page."


def session_words(session: Session, viewer: User) -> str:
    """A session named for a person: who, what and when (in the viewer's time zone)."""
    start = timezone.localtime(session.scheduled_start_at)
    who = session.tutor.name if viewer.sees_as_student else session.student.name
    return f"{who} · {session.request.subject}, {start:%a %-d %b %Y, %H:%M} {start:%Z}"


def hx_redirect(url: str) -> HttpResponse:
    """htmx follows this with a full page load (used once a slide-over's change went through)."""
    response = HttpResponse(status=200)
    response["HX-Redirect"] = url
    return response


# ---------------------------------------------------------------- the session page


@role_required(Role.TUTOR, Role.ADMIN, Role.STUDENT, Role.GUARDIAN)
@require_GET
def session_detail(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """Everything about one session, and its timeline: every audit row about it, in words."""
    user = request.user
    try:
        session = (
            queries.session_rows(sessions_visible_to(user))
            .select_related("package", "rescheduled_from", "match")
            .annotate(sessions_left=sessions_left_of(user, OuterRef("request_id")))
            .get(pk=session_id)
        )
    except Session.DoesNotExist as exc:
        raise Http404("No such session") from exc
    replacements = list(Session.objects.filter(rescheduled_from_id=session.id).order_by("created_at", "id"))
    left = session.sessions_left
    editable = session.status == SessionStatus.SCHEDULED and (user.is_admin or user.is_tutor)
    details_form = (
        SessionDetailsForm(
            initial={"meet_link": session.meet_link or "", "duration_minutes": session.duration_minutes}
        )
        if editable
        else None
    )
    return render(
        request,
        "web/session_detail.html",
        {
            "s": session,
            "timeline": session_timeline(session),
            "replacements": replacements,
            "sessions_left": left,
            "uses_a_session": consumes(session.status),
            "using_labels": " and ".join(
                SESSION_STATUS_LABELS[name] for name in SessionStatus.values if consumes(name)
            ),
            "next_url": request.get_full_path(),
            "nav": "dashboard",
            "link": link_status(session.id),
            "details_form": details_form,
            **_cancel_context(session, user),
        },
    )


def _cancel_context(session: Session, user: User) -> dict[str, Any]:
    """Whether the page offers Cancel (only where the rules of §12 let this viewer), and if not,
    for an upcoming lesson, why not in words."""
    refusal = cancel_refusal(status=session.status, starts_at=session.scheduled_start_at, actor=user)
    return {
        "may_cancel": refusal is None,
        "cancel_refusal": refusal if session.status == SessionStatus.SCHEDULED else None,
        "notice_hours": cancellation_notice_hours(),
    }


# ---------------------------------------------------------------- cancelling one lesson


@role_required(Role.TUTOR, Role.ADMIN, Role.STUDENT, Role.GUARDIAN)
@require_http_methods(["GET", "POST"])
def session_cancel_view(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """Cancel one lesson with a reason: its tutor, an admin, its student or a guardian of the
    student, within the rules of §12 (the same service and refusals as
    `POST /api/v1/sessions/{id}/cancel`). GET is the slide-over's form."""
    user = request.user
    session = visible_session_or_404(request, session_id)
    if request.method == "GET":
        if not in_panel(request):
            return redirect(reverse("web:session", args=[session.id]) + "#cancel")
        session = queries.session_rows(Session.objects.filter(pk=session.pk)).get()
        return _render_cancel(request, session)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _cancel_answer(request, session, Refused(error=first_error(form)))
    data = form.cleaned_data

    def change() -> Done:
        session_cancel(session_id=session_id, reason=data["reason"], actor=user)
        return Done(notice=f"Cancelled: {session_words(session, user)}.")

    outcome = once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Done,
        change=change,
        on_error=lambda error: Refused(
            error=error.detail + "." if error.code == "cancellation_too_late" else error_message(error)
        ),
    )
    return _cancel_answer(request, session, outcome)


def _render_cancel(request: AuthenticatedHttpRequest, session: Session, error: str = "") -> HttpResponse:
    context = {
        "s": session,
        "error": error,
        "next_url": back_url(request),
        "notice_hours": cancellation_notice_hours(),
    }
    return render(request, "web/partials/cancel_form.html", context)


def _cancel_answer(
    request: AuthenticatedHttpRequest, session: Session, outcome: Done | Refused
) -> HttpResponse:
    if isinstance(outcome, Refused):
        if in_panel(request):
            session = queries.session_rows(Session.objects.filter(pk=session.pk)).get()
            return _render_cancel(request, session, outcome.error)
        messages.error(request, outcome.error, extra_tags="cancel-refused")
        return redirect(back_url(request))
    messages.success(request, outcome.notice)
    target = back_url(request)
    return hx_redirect(target) if request.htmx else redirect(target)


# ---------------------------------------------------------------- a lesson's details and its link


@role_required(Role.TUTOR, Role.ADMIN)
@require_POST
def session_details(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """The session page's "Edit details": the same service and refusals as
    `PATCH /api/v1/sessions/{id}`, the refusal in words on the page."""
    user = request.user
    visible_session_or_404(request, session_id)
    page = reverse("web:session", args=[session_id])
    form = SessionDetailsForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(page + "#details")
    data = form.cleaned_data

    def change() -> Done:
        session_update_details(
            session_id=session_id,
            actor=user,
            meet_link=data["meet_link"],
            duration_minutes=data["duration_minutes"],
        )
        return Done(notice="Details saved.")

    outcome = once(
        request, key=data["idempotency_key"], payload=form_payload(data), answer=Done, change=change
    )
    if isinstance(outcome, Refused):
        messages.error(request, outcome.error, extra_tags="details-refused")
        return redirect(page + "#details")
    messages.success(request, outcome.notice)
    return redirect(page)


@role_required(Role.TUTOR, Role.ADMIN)
@require_POST
def meet_link_retry(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """ "Try again" for a meeting link the provider could not make (audited)."""
    user = request.user
    visible_session_or_404(request, session_id)
    page = reverse("web:session", args=[session_id])
    key = request.POST.get("idempotency_key", "")
    if not is_valid_key(key) or len(key) > 128:
        messages.error(request, "The form's key is missing; reload the page and try again.")
        return redirect(page)
    status = link_status(session_id)
    error_before = status.error if status is not None else ""

    def change() -> Done:
        meeting_link_retry(session_id=session_id, actor=user, error_before=error_before)
        return Done(notice="Asked for the meeting link again; it is being prepared.")

    outcome = once(request, key=key, payload={"session": str(session_id)}, answer=Done, change=change)
    if isinstance(outcome, Refused):
        messages.error(request, outcome.error)
    else:
        messages.success(request, outcome.notice)
    return redirect(page)


# ---------------------------------------------------------------- scheduling


def _schedule_form(user: User, data: Any = None) -> ScheduleForm:
    choices = [
        (
            str(m.id),
            f"{m.request.student.name} · {m.request.subject}"
            + (f" (tutor {m.tutor.name})" if user.is_admin else ""),
        )
        for m in queries.schedulable_matches(user)
    ]
    form = ScheduleForm(data, match_choices=choices)
    form.fields["scheduled_start_at"].label = f"Starts at ({timezone.get_current_timezone_name()} time)"
    return form


def _render_schedule(
    request: AuthenticatedHttpRequest,
    form: ScheduleForm,
    *,
    error: str = "",
    conflict: str = "",
    status: int = 200,
    preview: list[Occurrence] | None = None,
    outlook: Forecast | None = None,
    ask_past: bool = False,
) -> HttpResponse:
    context = {
        "ask_past": ask_past,
        "form": form,
        "error": error,
        "conflict_id": conflict,
        "next_url": back_url(request),
        "nav": "dashboard",
        "preview": preview,
        "clashes": sum(1 for o in preview if o.conflict) if preview else 0,
        "forecast": outlook,
    }
    template = "web/partials/schedule_form.html" if in_panel(request) else "web/schedule.html"
    return render(request, template, context, status=status)


def _repeat_rule(form: ScheduleForm) -> Rule | None:
    """The series rule the form asks for (None: a lone lesson, or a refusal added to the form)."""
    data = form.cleaned_data
    if not (data.get("repeat_count") or data.get("repeat_until")):
        form.add_error("repeat_count", "Give a number of lessons, or a last date below.")
        return None
    try:
        return clean_rule(
            start_at=data["scheduled_start_at"],
            timezone=timezone.get_current_timezone_name(),
            interval=data.get("repeat_interval") or 1,
            weekdays=data.get("repeat_weekdays") or None,
            count=data.get("repeat_count"),
            until=data.get("repeat_until"),
        )
    except DomainValidationError as error:
        form.add_error(REPEAT_FIELDS.get(str(error.context.get("field")), None), field_words(error))
        return None


@role_required(Role.TUTOR, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def session_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Schedule a session, or a weekly series of them: a tutor for their own active matches, an
    admin for any. The start is read in the viewer's time zone; the same services and refusals as
    `POST /api/v1/sessions` and `POST /api/v1/series`. "Preview" lists each lesson with any clash
    and the prepaid sessions' forecast, and books nothing."""
    user = request.user
    if request.method == "GET":
        return _render_schedule(request, _schedule_form(user))
    form = _schedule_form(user, request.POST)
    if not form.is_valid():
        return _render_schedule(request, form)
    data = form.cleaned_data
    if user.is_admin and data["scheduled_start_at"] <= clock.now() and not data["confirm_past"]:
        # No lesson in the past by accident: an admin back-filling one says so (a tutor cannot).
        form.add_error(
            "scheduled_start_at", "This lesson is in the past. Tick the box below to record it anyway."
        )
        return _render_schedule(request, form, ask_past=True)
    rule = _repeat_rule(form) if form.repeats() else None
    if form.errors:
        return _render_schedule(request, form)
    if request.POST.get("intent") == "preview":
        return _schedule_preview(request, form, rule)
    if rule is not None:
        return _book_series(request, form, rule)

    def change() -> Scheduled:
        session = session_create(
            match_id=data["match"],
            scheduled_start_at=data["scheduled_start_at"],
            duration_minutes=data["duration_minutes"],
            meet_link=data["meet_link"],
            actor=user,
        )
        return Scheduled(session_id=session.id)

    # The confirmation of a past lesson is no part of what was asked, and a lone lesson leaves the
    # (empty) repeat fields out (an answer stored before the box or the fields existed still replays).
    payload = {
        name: value
        for name, value in form_payload(data).items()
        if name != "confirm_past" and not name.startswith("repeat_")
    }
    outcome = once(
        request,
        key=data["idempotency_key"],
        payload=payload,
        answer=Scheduled,
        change=change,
        on_error=_schedule_error,
    )
    if isinstance(outcome, Refused):
        return _schedule_refused(request, form, outcome)
    session = Session.objects.select_related("student", "tutor", "request").get(pk=outcome.session_id)
    messages.success(
        request, f"Scheduled: {session_words(session, user)}.{_forecast_warning(session.request_id)}"
    )
    target = back_url(request)
    return hx_redirect(target) if request.htmx else redirect(target)


def _schedule_refused(
    request: AuthenticatedHttpRequest, form: ScheduleForm, outcome: Refused
) -> HttpResponse:
    if outcome.field in form.fields:
        form.add_error(outcome.field, outcome.error)
        return _render_schedule(request, form)
    return _render_schedule(request, form, error=outcome.error, conflict=outcome.conflicting_session_id or "")


def _forecast_warning(request_id: uuid.UUID) -> str:
    """After booking: the prepaid sessions' forecast when they do not cover the lessons booked, in
    words after the booking's own notice (a warning, never a refusal); nothing when they do."""
    outlook = forecast(request_id=request_id)
    return f" Warning: {outlook.words()}" if outlook.uncovered else ""


def _schedule_preview(
    request: AuthenticatedHttpRequest, form: ScheduleForm, rule: Rule | None
) -> HttpResponse:
    data = form.cleaned_data
    try:
        if rule is not None:
            preview = series_preview(
                match_id=data["match"],
                rule=rule,
                duration_minutes=data["duration_minutes"],
                actor=request.user,
            )
            occurrences, match = preview.occurrences, preview.match
        else:
            match = queries.schedulable_matches(request.user).get(pk=data["match"])
            start = data["scheduled_start_at"]
            clashes = find_clashes(tutor_id=match.tutor_id, slots=[Slot(start, data["duration_minutes"])])
            occurrences = [Occurrence(start, clashes[0] if clashes else None)]
    except (DomainError, Match.DoesNotExist) as error:
        refused = _schedule_error(error) if isinstance(error, DomainError) else _schedule_error(NotFound(""))
        return _schedule_refused(request, form, refused)
    outlook = forecast(request_id=match.request_id, adding=len(occurrences))
    return _render_schedule(request, form, preview=occurrences, outlook=outlook)


def _book_series(request: AuthenticatedHttpRequest, form: ScheduleForm, rule: Rule) -> HttpResponse:
    data = form.cleaned_data
    user = request.user

    def change() -> SeriesBooked:
        made = series_create(
            match_id=data["match"],
            rule=rule,
            duration_minutes=data["duration_minutes"],
            meet_link=data["meet_link"],
            actor=user,
        )
        return SeriesBooked(series_id=made.series.id, sessions=len(made.sessions))

    outcome = once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=SeriesBooked,
        change=change,
        on_error=_schedule_error,
    )
    if isinstance(outcome, Refused):
        return _schedule_refused(request, form, outcome)
    series = Series.objects.select_related("match__request").get(pk=outcome.series_id)
    messages.success(
        request,
        f"Booked a series of {outcome.sessions} lessons, {series_rule_words(series)}."
        + _forecast_warning(series.match.request_id),
    )
    target = reverse("web:series", args=[series.id])
    return hx_redirect(target) if request.htmx else redirect(target)


def _schedule_error(error: DomainError) -> Refused:
    return booking_refusal(error)


# ---------------------------------------------------------------- one session's changes


def _panel_or_page(
    request: AuthenticatedHttpRequest, session: Session, template: str, anchor: str
) -> HttpResponse:
    if not in_panel(request):
        return redirect(reverse("web:session", args=[session.id]) + f"#{anchor}")
    session = queries.session_rows(Session.objects.filter(pk=session.pk)).get()
    return render(request, template, {"s": session, "next_url": back_url(request)})


@role_required(Role.TUTOR, Role.ADMIN)
@require_GET
def reschedule_panel(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """The slide-over that moves a session to a new time (or marks it rescheduled without one)."""
    session = visible_session_or_404(request, session_id)
    return _panel_or_page(request, session, "web/partials/reschedule_form.html", "reschedule")


@role_required(Role.ADMIN)
@require_GET
def correct_panel(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """The slide-over where an admin corrects a recorded session, with a reason."""
    session = visible_session_or_404(request, session_id)
    return _panel_or_page(request, session, "web/partials/correct_form.html", "correct")


@role_required(Role.TUTOR, Role.ADMIN)
@require_POST
def session_status(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """Record an outcome or a reschedule (the tutor of the session, or an admin)."""

    def change(user: User, data: dict[str, Any]) -> Recorded:
        result = session_update_status(
            session_id=session_id,
            status=data["status"],
            actor=user,
            tutor_notes=data["tutor_notes"],
            new_start_at=data["new_start_at"],
        )
        replacement = result.replacement_session
        notice = f"Recorded as {SESSION_STATUS_LABELS[data['status']]}."
        if replacement is not None:
            start = timezone.localtime(replacement.scheduled_start_at)
            notice = f"Rescheduled to {start:%a %-d %b %Y, %H:%M} {start:%Z}."
        return Recorded(notice=notice, replacement_id=replacement.id if replacement else None)

    return _session_change(request, session_id, StatusUpdateForm, change, "web/partials/reschedule_form.html")


@role_required(Role.ADMIN)
@require_POST
def session_correct(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """An admin corrects a recorded outcome (refunding or charging the package as needed)."""

    def change(user: User, data: dict[str, Any]) -> Recorded:
        result = session_correct_status(
            session_id=session_id, status=data["status"], reason=data["reason"], actor=user
        )
        notice = f"Corrected to {SESSION_STATUS_LABELS[data['status']]}"
        if result.package is not None:
            left = result.package.sessions_remaining
            notice += f"; 1 session {result.package_move}, leaving {left} in that package"
        return Recorded(notice=f"{notice}.")

    return _session_change(request, session_id, CorrectionForm, change, "web/partials/correct_form.html")


def _session_change(
    request: AuthenticatedHttpRequest,
    session_id: uuid.UUID,
    form_class: type[StatusUpdateForm] | type[CorrectionForm],
    change: Callable[[User, dict[str, Any]], Recorded],
    panel_template: str,
) -> HttpResponse:
    """Parse the form, run its change once per form key, answer where the form was: the row
    (htmx), the slide-over (htmx), or the page it came from (a plain post)."""
    user = request.user
    visible_session_or_404(request, session_id)
    form = form_class(request.POST)
    if not form.is_valid():
        return _answer(request, session_id, Refused(error=first_error(form)), panel_template)
    data = form.cleaned_data
    outcome = once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Recorded,
        change=lambda: change(user, data),
        on_error=lambda error: _status_error(error, data["status"]),
    )
    return _answer(request, session_id, outcome, panel_template)


def _status_error(error: DomainError, wanted: str) -> Recorded | Refused:
    if isinstance(error, NotFound):
        return Refused(refused="not_found", error=error.detail)
    if isinstance(error, Forbidden):
        return Refused(refused="forbidden", error=error.detail)
    if isinstance(error, InvalidTransition) and error.current_status == wanted:
        # The same change already went through (a second form for it, a retried post without
        # its key): nothing was charged again, so show the session as it is, not an error.
        return Recorded(already=True)
    return Refused(error=error_message(error))


def _answer(
    request: AuthenticatedHttpRequest,
    session_id: uuid.UUID,
    outcome: Recorded | Refused,
    panel_template: str,
) -> HttpResponse:
    if isinstance(outcome, Refused) and outcome.refused == "not_found":
        raise Http404("No such session")
    if isinstance(outcome, Refused) and outcome.refused == "forbidden":
        return HttpResponseForbidden(outcome.error)
    error = outcome.error if isinstance(outcome, Refused) else ""
    notice = outcome.notice if isinstance(outcome, Recorded) else ""
    if in_panel(request):
        if error:
            session = queries.session_rows(sessions_visible_to(request.user)).get(pk=session_id)
            return render(
                request, panel_template, {"s": session, "error": error, "next_url": back_url(request)}
            )
        messages.success(request, notice or "Saved.")
        return hx_redirect(back_url(request))
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif notice:
            messages.success(request, notice)
        return redirect(back_url(request))
    return _row_response(
        request,
        session_id,
        error=error,
        notice=notice,
        replacement_id=outcome.replacement_id if isinstance(outcome, Recorded) else None,
    )


def _row_response(
    request: AuthenticatedHttpRequest,
    session_id: uuid.UUID,
    *,
    error: str = "",
    notice: str = "",
    replacement_id: uuid.UUID | None = None,
) -> HttpResponse:
    """The session's row as it is now (htmx swaps it in place), with what changed beside it."""
    user = request.user
    ids = [session_id] if replacement_id is None else [session_id, replacement_id]
    rows = {s.id: s for s in queries.session_rows(sessions_visible_to(user)).filter(pk__in=ids)}
    session = rows.get(session_id)
    if session is None:
        raise Http404("No such session")
    left = sessions_left_by_request(user, [session.request_id])
    show_sessions_left(rows.values(), left)
    replacement = rows.get(replacement_id) if replacement_id else None
    return render(
        request,
        "web/partials/session_row_response.html",
        {
            "s": session,
            "error": error,
            "notice": notice,
            "replacement": replacement,
            # The tutor's dashboard files a replacement under Upcoming; the admin's one list keeps it in place.
            "replacement_list": "upcoming-list" if user.is_tutor else "",
            "left": left[session.request_id],
            "selectable": request.POST.get("selectable") == "1",
            "next_url": back_url(request),
        },
    )


# ---------------------------------------------------------------- bulk marking


@role_required(Role.TUTOR, Role.ADMIN)
@require_POST
def sessions_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Several sessions marked with one outcome. Each is its own all-or-nothing change under its
    own key (`<form key>:<session id>`), so a retried submit replays each one's answer; the page
    then says which were recorded and which were refused, and why."""
    user = request.user
    target = back_url(request)
    form = BulkStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form).removeprefix("Session: "))
        return redirect(target)
    data = form.cleaned_data
    status: str = data["status"]
    label = SESSION_STATUS_LABELS[status]
    found = {
        s.id: s
        for s in sessions_visible_to(user)
        .select_related("student", "tutor", "request")
        .filter(pk__in=data["session"])
    }
    recorded: list[str] = []
    refused: list[tuple[str, str]] = []
    for session_id in data["session"]:
        session = found.get(session_id)
        if session is None:
            refused.append(("A session", NOT_AVAILABLE))
            continue

        def change(session_id: uuid.UUID = session_id) -> Recorded:
            session_update_status(session_id=session_id, status=status, actor=user)
            return Recorded()

        outcome = once(
            request,
            key=f"{data['idempotency_key']}:{session_id}",
            payload={"session": str(session_id), "status": status},
            answer=Recorded,
            change=change,
            on_error=lambda error: _status_error(error, status),
        )
        if isinstance(outcome, Refused):
            words = NOT_AVAILABLE if outcome.refused else outcome.error
            refused.append((session_words(session, user), words))
        else:
            recorded.append(session_words(session, user))
    if recorded:
        messages.success(
            request,
            f"Recorded {len(recorded)} session{'s' if len(recorded) != 1 else ''} as {label}: "
            + "; ".join(recorded)
            + ".",
            extra_tags="bulk bulk-recorded",
        )
    for words, why in refused:
        messages.error(request, f"Not recorded as {label} — {words}: {why}", extra_tags="bulk bulk-refused")
    return redirect(target)
