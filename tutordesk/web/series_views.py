"""A series' page (CONTRACT §12): its lessons with their badges, "end the series from here" and
"change this and following". Thin: a selector (a series the user may not see is a 404), one
service inside the idempotency store with the form's one-time key, render."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tutordesk.accounts.models import Role
from tutordesk.core.errors import DomainError, NotFound, TutorDoubleBooked
from tutordesk.core.errors import ValidationError as DomainValidationError
from tutordesk.scheduling.forecast import forecast
from tutordesk.scheduling.models import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, Series, Session
from tutordesk.scheduling.series import (
    WEEKDAYS,
    clean_rule,
    series_change_following,
    series_end,
    series_get,
    series_sessions,
)
from tutordesk.scheduling.services import MAX_REASON_LENGTH
from tutordesk.scheduling.status import SessionStatus
from tutordesk.web.forms import (
    INPUT_CLASSES,
    REPEAT_FIELDS,
    WEEKDAY_CHOICES,
    IdempotentForm,
    field_words,
)
from tutordesk.web.helpers import AuthenticatedHttpRequest, form_payload, role_required
from tutordesk.web.messages import error_message
from tutordesk.web.once import once
from tutordesk.web.outcomes import Done, Refused

DAY_NAMES = dict(WEEKDAY_CHOICES)
# A series rule's own inputs, whose refusals belong on the form's repeat fields.
SERIES_FIELDS = frozenset({"weekdays", "interval", "count", "until", "start_at", "timezone"})


def series_rule_words(series: Series) -> str:
    """The rule in words: "every week on Mon and Thu at 16:00 Europe/Berlin, 10 lessons"."""
    parts = dict(part.split("=", 1) for part in series.rrule.split(";"))
    interval = int(parts.get("INTERVAL", "1"))
    days = [DAY_NAMES.get(day, day) for day in parts.get("BYDAY", "").split(",") if day]
    local = series.start_at.astimezone(ZoneInfo(series.timezone))
    every = "every week" if interval == 1 else f"every {interval} weeks"
    text = f"{every} on {' and '.join(days)} at {local:%H:%M} {series.timezone}"
    if "COUNT" in parts:
        text += f", {parts['COUNT']} lessons"
    elif "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d")
        text += f", until {until:%a %-d %b %Y}"
    return text


class EndSeriesForm(IdempotentForm):
    session = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason", max_length=MAX_REASON_LENGTH, widget=forms.TextInput(attrs={"class": INPUT_CLASSES})
    )


class ChangeFollowingForm(IdempotentForm):
    """The new series from one occurrence on: its time, weekdays, interval and length."""

    session = forms.UUIDField(widget=forms.HiddenInput)
    start_time = forms.TimeField(
        label="New time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    repeat_weekdays = forms.MultipleChoiceField(
        label="Weekly on", choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    repeat_interval = forms.IntegerField(label="Every … weeks", initial=1, min_value=1, max_value=4)
    repeat_count = forms.IntegerField(label="For … lessons", required=False, min_value=1, max_value=100)
    repeat_until = forms.DateField(
        label="Or until", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    duration_minutes = forms.IntegerField(
        label="Length (minutes)", min_value=MIN_DURATION_MINUTES, max_value=MAX_DURATION_MINUTES
    )
    reason = forms.CharField(label="Reason", max_length=MAX_REASON_LENGTH)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Form's own signature
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput | forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", INPUT_CLASSES)


def _series_or_404(request: AuthenticatedHttpRequest, series_id: uuid.UUID) -> Series:
    try:
        return series_get(series_id=series_id, user=request.user)
    except NotFound as exc:
        raise Http404("No such series") from exc


def _render(
    request: AuthenticatedHttpRequest,
    series: Series,
    *,
    chosen: Session | None = None,
    end_form: EndSeriesForm | None = None,
    change_form: ChangeFollowingForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    sessions = series_sessions(series)
    may_change = user.is_admin or (user.is_tutor and series.match.tutor_id == user.id)
    if may_change and chosen is not None and chosen.status == SessionStatus.SCHEDULED:
        local = chosen.scheduled_start_at.astimezone(ZoneInfo(series.timezone))
        end_form = end_form or EndSeriesForm(initial={"session": chosen.id})
        change_form = change_form or ChangeFollowingForm(
            initial={
                "session": chosen.id,
                "start_time": local.strftime("%H:%M"),
                "repeat_weekdays": [WEEKDAYS[local.weekday()]],
                "repeat_interval": 1,
                "duration_minutes": series.duration_minutes,
            }
        )
    else:
        chosen = None
    return render(
        request,
        "web/series_detail.html",
        {
            "series": series,
            "rule_words": series_rule_words(series),
            "sessions": sessions,
            "student": series.match.request.student,
            "tutor": series.match.tutor,
            "subject": series.match.request.subject,
            "may_change": may_change,
            "chosen": chosen,
            "end_form": end_form,
            "change_form": change_form,
            "error": error,
            "forecast": forecast(request_id=series.match.request_id),
            "nav": "dashboard",
        },
        status=status,
    )


@role_required(Role.TUTOR, Role.ADMIN, Role.STUDENT, Role.GUARDIAN)
@require_GET
def series_detail(request: AuthenticatedHttpRequest, series_id: uuid.UUID) -> HttpResponse:
    series = _series_or_404(request, series_id)
    chosen = None
    wanted = _uuid_or_none(request.GET.get("from", ""))
    if wanted is not None:
        chosen = series.sessions.filter(pk=wanted).first()
    return _render(request, series, chosen=chosen)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _chosen(series: Series, session_id: uuid.UUID) -> Session:
    chosen = series.sessions.filter(pk=session_id).first()
    if chosen is None:
        raise Http404("No such lesson in this series")
    return chosen


@role_required(Role.TUTOR, Role.ADMIN)
@require_POST
def series_end_view(request: AuthenticatedHttpRequest, series_id: uuid.UUID) -> HttpResponse:
    series = _series_or_404(request, series_id)
    form = EndSeriesForm(request.POST)
    if not form.is_valid():
        chosen = _chosen(series, form.cleaned_data["session"]) if "session" in form.cleaned_data else None
        return _render(request, series, chosen=chosen, end_form=form, status=422)
    data = form.cleaned_data
    chosen = _chosen(series, data["session"])

    def change() -> Done:
        ended = series_end(
            series_id=series.id, from_=chosen.scheduled_start_at, reason=data["reason"], actor=request.user
        )
        return Done(
            notice=f"Series ended: {ended.ended} lesson{'s' if ended.ended != 1 else ''} taken off the schedule."
        )

    outcome = once(
        request, key=data["idempotency_key"], payload=form_payload(data), answer=Done, change=change
    )
    if isinstance(outcome, Refused):
        return _render(request, series, chosen=chosen, end_form=form, error=outcome.error, status=409)
    messages.success(request, outcome.notice)
    return redirect(reverse("web:series", args=[series.id]))


@role_required(Role.TUTOR, Role.ADMIN)
@require_POST
def series_change_view(request: AuthenticatedHttpRequest, series_id: uuid.UUID) -> HttpResponse:
    series = _series_or_404(request, series_id)
    form = ChangeFollowingForm(request.POST)
    if not form.is_valid():
        chosen = _chosen(series, form.cleaned_data["session"]) if "session" in form.cleaned_data else None
        return _render(request, series, chosen=chosen, change_form=form, status=422)
    data = form.cleaned_data
    chosen = _chosen(series, data["session"])
    zone = ZoneInfo(series.timezone)
    local_day = chosen.scheduled_start_at.astimezone(zone).date()
    start = datetime.combine(local_day, data["start_time"])
    try:
        rule = clean_rule(
            start_at=start,
            timezone=series.timezone,
            interval=data["repeat_interval"],
            weekdays=data["repeat_weekdays"],
            count=data.get("repeat_count"),
            until=data.get("repeat_until"),
            local=True,
        )
    except DomainValidationError as error:
        form.add_error(_form_field(error, form), field_words(error))
        return _render(request, series, chosen=chosen, change_form=form, status=422)

    def change() -> Done:
        _ended, made = series_change_following(
            session_id=chosen.id,
            rule=rule,
            duration_minutes=data["duration_minutes"],
            reason=data["reason"],
            actor=request.user,
        )
        return Done(
            notice=f"Changed from this lesson on: a new series of {len(made.sessions)} lessons.",
            next=reverse("web:series", args=[made.series.id]),
        )

    outcome = once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Done,
        change=change,
        on_error=_change_error,
    )
    if isinstance(outcome, Refused):
        if outcome.field in form.fields:
            form.add_error(outcome.field, outcome.error)
            return _render(request, series, chosen=chosen, change_form=form, status=422)
        return _render(request, series, chosen=chosen, change_form=form, error=outcome.error, status=409)
    messages.success(request, outcome.notice)
    return redirect(outcome.next or reverse("web:series", args=[series.id]))


def _form_field(error: DomainValidationError, form: forms.Form) -> str | None:
    field = REPEAT_FIELDS.get(str(error.context.get("field")))
    if field == "scheduled_start_at":
        return "start_time"
    return field if field in form.fields else None


def _change_error(error: DomainError) -> Refused:
    if isinstance(error, DomainValidationError) and error.context.get("reason") != "match_ended":
        field = REPEAT_FIELDS.get(str(error.context.get("field")))
        return Refused(
            error=field_words(error), field="start_time" if field == "scheduled_start_at" else field
        )
    return booking_refusal(error)


def booking_refusal(error: DomainError) -> Refused:
    """A booking's refusal in words (a lone lesson or a series), on the field it belongs to."""
    if isinstance(error, NotFound):
        return Refused(error="Choose one of the matches in the list.", field="match")
    if isinstance(error, DomainValidationError) and error.context.get("reason") == "match_ended":
        return Refused(error=error_message(error), field="match")
    if isinstance(error, DomainValidationError) and error.context.get("field") in SERIES_FIELDS:
        return Refused(error=field_words(error), field=REPEAT_FIELDS[str(error.context["field"])])
    if isinstance(error, TutorDoubleBooked):
        conflicts = error.context.get("conflicts") or []
        if len(conflicts) > 1:
            return Refused(
                error=f"{len(conflicts)} of these lessons clash with the tutor's other lessons, so none "
                "was booked. Preview to see which, then pick another time or day.",
                conflicting_session_id=error.context.get("conflicting_session_id"),
            )
        return Refused(
            error=error_message(error),
            conflicting_session_id=error.context.get("conflicting_session_id"),
        )
    return Refused(error=error_message(error))
