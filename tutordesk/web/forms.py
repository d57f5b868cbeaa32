"""Forms of the pages. They only parse input; every write goes through a service."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from tutordesk.audit.models import AuditEntity
from tutordesk.core.errors import ValidationError as DomainValidationError
from tutordesk.core.idempotency import is_valid_key
from tutordesk.core.validation import MEET_LINK_MAX_LENGTH, TIME_RANGE_MESSAGE, clean_meet_link, in_time_range
from tutordesk.scheduling.models import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES
from tutordesk.scheduling.series import MAX_OCCURRENCES as MAX_SERIES_LESSONS
from tutordesk.scheduling.series import local_instant
from tutordesk.scheduling.services import MAX_NOTES_LENGTH, MAX_REASON_LENGTH
from tutordesk.scheduling.status import OUTCOME_STATUSES, SESSION_STATUS_LABELS, TRANSITIONS, SessionStatus
from tutordesk.tutoring.services import MAX_PACKAGE_SESSIONS
from tutordesk.web.renderers import PLAIN_WIDGETS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

UPDATE_CHOICES = [
    (s, SESSION_STATUS_LABELS[s]) for s in SESSION_STATUS_LABELS if s in TRANSITIONS["scheduled"]
]
ALL_CHOICES = list(SESSION_STATUS_LABELS.items())
OUTCOME_CHOICES = [(s, label) for s, label in UPDATE_CHOICES if s in OUTCOME_STATUSES]
# Dates and times in forms: the browser's own picker (`<input type=date>`, `datetime-local`),
# whose value is ISO whatever the browser shows; under it, the choice as the pages print it
# (`as_printed`, and app.js as it changes). Typed by hand (a browser without the picker, or a
# time pasted from a page), the pages' own format is read too.
PAGE_DATE = "%a %-d %b %Y"  # Mon 7 Dec 2026
PAGE_DATETIME = "%a %-d %b %Y, %H:%M"  # Mon 7 Dec 2026, 16:00
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d %b %Y", "%a %d %b %Y"]
DATETIME_INPUT_FORMATS = [
    DATETIME_LOCAL,
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%a %d %b %Y, %H:%M",
    "%d %b %Y, %H:%M",
    "%a %d %b %Y %H:%M",
    "%d %b %Y %H:%M",
]
PICKER_TYPES = ("date", "datetime-local")
MAX_BULK_SESSIONS = 100


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form with the `username` field asking for an email."""

    username = forms.CharField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Check them and try again.",
    }

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            # The email goes in under both names: django-axes reads the lockout key from the
            # credential named by AXES_USERNAME_FORM_FIELD, which defaults to the user model's
            # USERNAME_FIELD ("email"); the auth backend reads `username`.
            self.user_cache = authenticate(self.request, username=username, email=username, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class IdempotentForm(forms.Form):
    """Every write form carries a one-time key; a repeated submission replays the first answer."""

    # The pages make UUIDs (36 characters); 128 leaves room for the bulk form's per-session keys,
    # `<key>:<session id>`, within the 255 characters every key may have.
    idempotency_key = forms.CharField(
        max_length=128,
        widget=forms.HiddenInput,
        error_messages={
            "required": "The form's key is missing; reload the page and try again.",
            "max_length": "The form's key is damaged; reload the page and try again.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", str(uuid.uuid4()))

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"]
        if not is_valid_key(key):
            raise forms.ValidationError(
                "The form's key is damaged; reload the page and try again.", code="damaged_key"
            )
        return key


def day_text(day: date) -> str:
    """A date as the pages print one in words (`j M Y`): 7 Dec 2026."""
    return f"{day.day} {day:%b %Y}"


def as_printed(value: date | datetime | None) -> str:
    """A form's date or time as the pages print it: Mon 7 Dec 2026, 16:00 (in the viewer's zone,
    named), or Mon 7 Dec 2026; "" for nothing."""
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local:{PAGE_DATETIME}} ({timezone.get_current_timezone_name()})"
    if isinstance(value, date):
        return f"{value:{PAGE_DATE}}"
    return ""


def within_time_range(value: datetime | date) -> None:
    if not in_time_range(value):
        raise forms.ValidationError(f"The date {TIME_RANGE_MESSAGE}.", code="out_of_range")


class StatusUpdateForm(IdempotentForm):
    status = forms.ChoiceField(choices=UPDATE_CHOICES)
    tutor_notes = forms.CharField(
        label="Notes", required=False, max_length=MAX_NOTES_LENGTH, strip=False, widget=forms.Textarea
    )
    new_start_at = forms.DateTimeField(
        label="New time",
        required=False,
        validators=[within_time_range],
        input_formats=DATETIME_INPUT_FORMATS,
        error_messages={"invalid": "Enter a date and time, such as Mon 7 Dec 2026, 16:00."},
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        # The new time belongs to a reschedule only; other buttons of the same form ignore it.
        if data.get("status") != SessionStatus.RESCHEDULED:
            data["new_start_at"] = None
        elif data.get("new_start_at") is None and "new_start_at" not in self.errors:
            # A reschedule from the pages moves the lesson; taking it off the schedule is Cancel.
            self.add_error(
                "new_start_at",
                forms.ValidationError(
                    "Choose the new time. To take the lesson off the schedule without a new time, use Cancel.",
                    code="required",
                ),
            )
        notes = data.get("tutor_notes")
        if notes is not None and not notes.strip():
            data["tutor_notes"] = None  # blank notes keep whatever the session already has
        return data


class CancelForm(IdempotentForm):
    """Cancel one lesson (CONTRACT §12): a reason is required."""

    reason = forms.CharField(
        label="Reason",
        max_length=MAX_REASON_LENGTH,
        error_messages={"required": "Say why the lesson is cancelled."},
    )


class CorrectionForm(IdempotentForm):
    status = forms.ChoiceField(label="Correct to", choices=ALL_CHOICES)
    reason = forms.CharField(label="Reason", max_length=MAX_REASON_LENGTH)


class ZonedDateTimeField(forms.DateTimeField):
    """A date and time read in the viewer's time zone; a wall-clock time the zone skips or goes
    through twice that night is refused in words (never Django's "couldn't be interpreted")."""

    def to_python(self, value: Any) -> datetime | None:
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            if exc.code != "ambiguous_timezone":
                raise
            naive = forms.fields.BaseTemporalField.to_python(self, value.strip())
            if not isinstance(naive, datetime):
                raise
            try:
                local_instant(naive, ZoneInfo(timezone.get_current_timezone_name()), field="")
            except DomainValidationError as error:
                raise forms.ValidationError(field_words(error), code=str(error.context["reason"])) from exc
            raise


def field_words(error: DomainValidationError) -> str:
    """A refusal's words without the field name it starts with (the page shows it under the field)."""
    detail = error.detail.split(": ", 1)[1] if ": " in error.detail[:40] else error.detail
    detail = detail[:1].upper() + detail[1:]
    return detail if detail.endswith(".") else f"{detail}."


WEEKDAY_CHOICES = [
    ("MO", "Mon"),
    ("TU", "Tue"),
    ("WE", "Wed"),
    ("TH", "Thu"),
    ("FR", "Fri"),
    ("SA", "Sat"),
    ("SU", "Sun"),
]
# The schedule form's repeat fields, as the series rule names them (scheduling.series.clean_rule).
REPEAT_FIELDS = {
    "weekdays": "repeat_weekdays",
    "interval": "repeat_interval",
    "count": "repeat_count",
    "until": "repeat_until",
    "start_at": "scheduled_start_at",
    "timezone": "scheduled_start_at",
    "match_id": "match",
    "duration_minutes": "duration_minutes",
    "meet_link": "meet_link",
}


class ScheduleForm(IdempotentForm):
    """A new session: read in the viewer's time zone (the active one while the view runs).
    With a repeat (weekdays, a number of lessons or a last date) it is a series (CONTRACT §12)."""

    match = forms.TypedChoiceField(
        label="Student and subject",
        coerce=uuid.UUID,
        empty_value=None,
        error_messages={
            "invalid_choice": "That match is not one you can schedule for (it may have ended). "
            "Choose one from the list.",
            "required": "Choose the student and subject.",
        },
    )
    scheduled_start_at = ZonedDateTimeField(
        label="Starts at",
        validators=[within_time_range],
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": "Enter a date and time, such as Mon 7 Dec 2026, 16:00."},
    )
    duration_minutes = forms.IntegerField(
        label="Length (minutes)",
        min_value=MIN_DURATION_MINUTES,
        max_value=MAX_DURATION_MINUTES,
        initial=60,
        widget=forms.NumberInput(attrs={"step": 5}),
    )
    # An admin back-filling a lesson that has already started confirms it (a tutor cannot).
    confirm_past = forms.BooleanField(label="This lesson is in the past — record it anyway", required=False)
    meet_link = forms.CharField(
        label="Meet link (optional)",
        required=False,
        max_length=MEET_LINK_MAX_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://meet.example.com/abc-defg-hij"}),
    )
    repeat_weekdays = forms.MultipleChoiceField(
        label="Repeat weekly on",
        required=False,
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    repeat_interval = forms.IntegerField(
        label="Every … weeks", required=False, initial=1, min_value=1, max_value=4
    )
    repeat_count = forms.IntegerField(
        label="For … lessons", required=False, min_value=1, max_value=MAX_SERIES_LESSONS
    )
    repeat_until = forms.DateField(
        label="Or until (last date)",
        required=False,
        validators=[within_time_range],
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date, such as 7 Dec 2026."},
    )

    def __init__(self, *args: Any, match_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        match = self.fields["match"]
        assert isinstance(match, forms.TypedChoiceField)
        match.choices = [("", "Choose…"), *match_choices]
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput | forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", INPUT_CLASSES)
        describe_pickers(self)

    def clean_meet_link(self) -> str | None:
        try:
            return clean_meet_link(self.cleaned_data.get("meet_link") or None)
        except DomainValidationError as exc:
            raise forms.ValidationError(
                "Enter an https:// link to the call, such as https://meet.example.com/abc-defg-hij.",
                code="not_https",
            ) from exc

    def repeats(self) -> bool:
        """Whether this booking is a series (valid forms only): any repeat field filled."""
        data = self.cleaned_data
        return bool(data.get("repeat_weekdays") or data.get("repeat_count") or data.get("repeat_until"))


class SessionDetailsForm(IdempotentForm):
    """A scheduled lesson's link and length, as `PATCH /api/v1/sessions/{id}` takes them. The form
    comes filled with both, so a field left as it was changes nothing; an emptied link is cleared
    (the meeting provider, if any, then makes one)."""

    meet_link = forms.CharField(label="Meet link", required=False, max_length=MEET_LINK_MAX_LENGTH)
    duration_minutes = forms.IntegerField(
        label="Length (minutes)", min_value=MIN_DURATION_MINUTES, max_value=MAX_DURATION_MINUTES
    )

    def clean_meet_link(self) -> str | None:
        try:
            return clean_meet_link(self.cleaned_data.get("meet_link") or None)
        except DomainValidationError as exc:
            raise forms.ValidationError(
                "Enter an https:// link to the call, such as https://meet.example.com/abc-defg-hij, "
                "or leave it empty.",
                code="not_https",
            ) from exc


class AnySessionField(forms.TypedMultipleChoiceField):
    """Session ids: any UUID is a valid choice here; whether the viewer may see it is the selector's call."""

    def valid_value(self, value: Any) -> bool:
        return True


class BulkStatusForm(IdempotentForm):
    """Several sessions marked with one outcome: each is its own change, keyed `<key>:<session id>`."""

    status = forms.ChoiceField(choices=OUTCOME_CHOICES)
    session = AnySessionField(coerce=uuid.UUID, required=False)

    def clean_session(self) -> list[uuid.UUID]:
        sessions = list(dict.fromkeys(self.cleaned_data.get("session") or []))
        if not sessions:
            raise forms.ValidationError("Select at least one session first.", code="none_selected")
        if len(sessions) > MAX_BULK_SESSIONS:
            raise forms.ValidationError(
                f"Select at most {MAX_BULK_SESSIONS} sessions at a time.", code="too_many_selected"
            )
        return sessions


class PackageForm(IdempotentForm):
    sessions_total = forms.IntegerField(label="Sessions", min_value=1, max_value=MAX_PACKAGE_SESSIONS)


INPUT_CLASSES = (
    "mt-0.5 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm "
    "focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500"
)


def describe_pickers(form: forms.Form) -> None:
    """A date or time picker is described by the line under it that prints the choice as the
    pages do (`as_printed`; partials/field.html, partials/panel_field.html)."""
    if not isinstance(form.auto_id, str) or "%s" not in form.auto_id:
        return
    for name, field in form.fields.items():
        if getattr(field.widget, "input_type", None) in PICKER_TYPES:
            # The id BoundField.auto_id gives, without making the bound field yet (it would keep
            # the label as it is now, and views still name the time zone in it).
            field_id = form.auto_id % form.add_prefix(name)
            field.widget.attrs["aria-describedby"] = f"{field_id}_as_printed"


class StyledForm(forms.Form):
    """A GET filter form whose inputs carry the page's input classes."""

    default_renderer = PLAIN_WIDGETS  # the fields written without a template per widget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", INPUT_CLASSES)
        describe_pickers(self)


class DateRangeMixin(StyledForm):
    start = forms.DateField(
        label="From",
        required=False,
        validators=[within_time_range],
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date, such as 7 Dec 2026."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        validators=[within_time_range],
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date, such as 7 Dec 2026."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error(
                "end",
                forms.ValidationError(
                    f"To ({day_text(end)}) is before From ({day_text(start)}). "
                    "Choose a To date on or after the From date, or leave one of them empty.",
                    code="end_before_start",
                ),
            )
        return data

    def has_period(self) -> bool:
        """Whether a From or a To narrows the dates (valid forms only): without, it is all time."""
        return self.is_bound and bool(self.cleaned_data.get("start") or self.cleaned_data.get("end"))

    def period_text(self) -> str:
        """The dates the filter covers, in words, as the pages print dates (valid forms only)."""
        if not self.has_period():
            return "All time"
        start: date | None = self.cleaned_data.get("start")
        end: date | None = self.cleaned_data.get("end")
        if start and end:
            return f"{day_text(start)} to {day_text(end)}" if start != end else day_text(start)
        if start:
            return f"From {day_text(start)} on"
        assert end is not None
        return f"Up to {day_text(end)}"

    def range(self, tz: tzinfo) -> tuple[datetime | None, datetime | None]:
        """The dates as a half-open range of aware datetimes in the viewer's time zone."""
        start = self.cleaned_data.get("start")
        end = self.cleaned_data.get("end")
        start_at = datetime.combine(start, datetime.min.time(), tzinfo=tz) if start else None
        end_at = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz) if end else None
        return start_at, end_at


class SessionFilterForm(DateRangeMixin):
    field_order = ["status", "tutor", "student", "start", "end"]

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), ("awaiting_outcome", "Awaiting outcome"), *ALL_CHOICES],
    )
    # Searches by name or email (a business may have thousands of tutors: no list of them all);
    # a tutor's id, as links carry it, picks that tutor.
    tutor = forms.CharField(label="Tutor", required=False, max_length=200)
    student = forms.CharField(label="Student", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tutor"].widget.attrs["placeholder"] = "Name or email"
        self.fields["student"].widget.attrs["placeholder"] = "Name or email"


class AuditFilterForm(DateRangeMixin):
    action = forms.CharField(label="Action", required=False, max_length=64)
    entity_type = forms.ChoiceField(
        label="Entity",
        required=False,
        choices=[("", "Any"), *AuditEntity.choices],
    )
    # Set by the links on the rows ("every row about this"), shown as a chip, never typed.
    entity_id = forms.UUIDField(label="Entity id", required=False, widget=forms.HiddenInput)
    actor = forms.CharField(label="Who (name or email)", required=False, max_length=200)
    person = forms.CharField(label="About a person (name or email)", required=False, max_length=200)


class ReportFilterForm(DateRangeMixin):
    field_order = ["group_by", "start", "end"]

    group_by = forms.ChoiceField(
        label="Group by",
        required=False,
        choices=[("tutor", "Tutor"), ("student", "Student"), ("month", "Month")],
    )


class PackageSearchForm(StyledForm):
    q = forms.CharField(label="Search", required=False, max_length=200)
