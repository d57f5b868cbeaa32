"""The Import page (/imports/: upload, preview, confirm) and the Enrol form (/enrol/), admins only.

Thin, like every page: read the form, call one service of `onboarding`, render. A previewed file
is kept in the database (`PendingImport`) until it is confirmed, so the confirmation imports
exactly the bytes that were previewed, without a second upload; the confirmation runs once per
form key (`web.once`), and the kept file goes in the import's own transaction.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from tutordesk.accounts.models import Role, User, known_timezones
from tutordesk.core.errors import ImportTooLarge
from tutordesk.onboarding.csvfile import COLUMNS, MAX_BYTES, MAX_ROWS, MAX_SESSIONS_TOTAL
from tutordesk.onboarding.services import (
    ImportResult,
    business_timezone,
    enrol_student,
    enrolment_check,
    import_csv,
    pending_import_keep,
    pending_import_run,
)
from tutordesk.web.forms import INPUT_CLASSES, IdempotentForm
from tutordesk.web.helpers import AuthenticatedHttpRequest, form_payload, role_required
from tutordesk.web.once import run_once
from tutordesk.web.outcomes import Outcome, Refused

EXAMPLE = (
    ",".join(COLUMNS)
    + "\nann@example.com,Ann Lee,Europe/London,Maths,tom@example.com,Tom Tutor,,10,pat@example.com,Pat Lee\n"
)


class Imported(Outcome):
    """What a confirmed import created (stored under the form's key, replayed on a double click)."""

    rows: int
    users: int = 0
    requests: int = 0
    matches: int = 0
    packages: int = 0
    repeat: bool = False


class Enrolled(Outcome):
    student_id: uuid.UUID
    student_name: str = ""
    users: int = 0
    requests: int = 0
    matches: int = 0
    packages: int = 0


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (CSV)", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )


class ConfirmForm(IdempotentForm):
    pending = forms.UUIDField(widget=forms.HiddenInput)


def _counts(result: ImportResult) -> dict[str, int]:
    return result.counts.as_dict()


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: the upload form. POST (`data-action="preview"`): the dry run of the uploaded file."""
    context: dict[str, Any] = {
        "nav": "imports",
        "form": UploadForm(),
        "columns": COLUMNS,
        "example": EXAMPLE,
        "max_mb": MAX_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
    }
    if request.method != "POST":
        return render(request, "web/imports.html", context)
    form = UploadForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "web/imports.html", context, status=422)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_BYTES:
        context["file_error"] = f"The file is over {context['max_mb']} MB; split it into smaller files."
        return render(request, "web/imports.html", context, status=413)
    data = upload.read()
    try:
        plan = import_csv(actor=request.user, data=data, dry_run=True)
    except ImportTooLarge:
        context["file_error"] = f"The file is over {context['max_mb']} MB; split it into smaller files."
        return render(request, "web/imports.html", context, status=413)
    context["plan"] = plan
    context["create"] = _counts(plan)
    context["filename"] = upload.name
    if not plan.errors:
        pending = pending_import_keep(actor=request.user, data=data, filename=upload.name or "")
        context["confirm"] = ConfirmForm(initial={"pending": pending.id})
    return render(request, "web/imports.html", context)


@role_required(Role.ADMIN)
@require_POST
def import_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    """`data-action="import"`: the previewed file, imported all or nothing; then a summary."""
    user = request.user
    form = ConfirmForm(request.POST)
    context: dict[str, Any] = {
        "nav": "imports",
        "form": UploadForm(),
        "columns": COLUMNS,
        "example": EXAMPLE,
        "max_mb": MAX_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
    }
    if not form.is_valid():
        messages.error(request, "The confirmation was damaged; upload the file again.")
        return render(request, "web/imports.html", context, status=422)
    data = form.cleaned_data

    def change() -> Imported:
        result = pending_import_run(actor=user, pending_id=data["pending"])
        return Imported(rows=result.rows, repeat=result.repeat, **_counts(result))

    def respond(outcome: Imported | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
            return render(request, "web/imports.html", context, status=422)
        context["imported"] = outcome
        return render(request, "web/imports.html", context)

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Imported,
        change=change,
        respond=respond,
    )


# ---------------------------------------------------------------- Enrol a student


class EnrolForm(IdempotentForm):
    student_email = forms.EmailField(
        label="Student's email", widget=forms.EmailInput(attrs={"class": INPUT_CLASSES})
    )
    student_name = forms.CharField(
        label="Student's name", max_length=200, widget=forms.TextInput(attrs={"class": INPUT_CLASSES})
    )
    student_timezone = forms.ChoiceField(label="Student's time zone", required=False)
    subject = forms.CharField(
        label="Subject", max_length=200, widget=forms.TextInput(attrs={"class": INPUT_CLASSES})
    )
    tutor = forms.ChoiceField(label="Tutor")
    sessions_total = forms.IntegerField(
        label="First package (sessions)",
        min_value=1,
        max_value=MAX_SESSIONS_TOTAL,
        initial=10,
        widget=forms.NumberInput(attrs={"class": INPUT_CLASSES}),
    )
    guardian_email = forms.EmailField(
        label="Guardian's email (optional)",
        required=False,
        widget=forms.EmailInput(attrs={"class": INPUT_CLASSES}),
    )
    guardian_name = forms.CharField(
        label="Guardian's name",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": INPUT_CLASSES}),
    )

    def __init__(self, *args: Any, tutors: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tutors = {str(t.id): t for t in tutors}
        cast(forms.ChoiceField, self.fields["tutor"]).choices = [("", "Choose a tutor")] + [
            (str(t.id), t.name) for t in tutors
        ]
        self.fields["tutor"].widget.attrs["class"] = INPUT_CLASSES
        zones = sorted(known_timezones())
        cast(forms.ChoiceField, self.fields["student_timezone"]).choices = [
            ("", f"The business's ({business_timezone()})")
        ] + [(z, z) for z in zones]
        self.fields["student_timezone"].widget.attrs["class"] = INPUT_CLASSES

    def values(self) -> dict[str, str]:
        """The cells of one import row, the tutor's taken from the chosen tutor."""
        data = self.cleaned_data
        tutor = self.tutors[data["tutor"]]
        return {
            "student_email": data["student_email"],
            "student_name": data["student_name"],
            "student_timezone": data["student_timezone"] or "",
            "subject": data["subject"],
            "tutor_email": tutor.email,
            "tutor_name": tutor.name,
            "tutor_timezone": tutor.timezone,
            "sessions_total": str(data["sessions_total"]),
            "guardian_email": data["guardian_email"] or "",
            "guardian_name": data["guardian_name"] or "",
        }


def _tutors() -> list[User]:
    return list(User.objects.filter(role=Role.TUTOR, is_active=True).order_by("name", "email"))


# An import cell's column, as the Enrol form's field (the tutor's cells come from the tutor chosen).
FIELD_OF_COLUMN = {"tutor_email": "tutor", "tutor_name": "tutor", "tutor_timezone": "tutor"}


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    tutors = _tutors()
    if request.method != "POST":
        return render(request, "web/enrol.html", {"nav": "enrol", "form": EnrolForm(tutors=tutors)})
    form = EnrolForm(request.POST, tutors=tutors)
    if form.is_valid():
        values = form.values()
        for error in enrolment_check(actor=user, values=values):
            form.add_error(FIELD_OF_COLUMN.get(error.column, error.column) or None, error.message)
    if not form.is_valid():
        return render(request, "web/enrol.html", {"nav": "enrol", "form": form}, status=422)
    data = form.cleaned_data

    def change() -> Enrolled:
        result = enrol_student(actor=user, values=values)
        student = result.people[values["student_email"].lower()]
        return Enrolled(student_id=student.id, student_name=student.name, **_counts(result))

    def respond(outcome: Enrolled | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
            return render(request, "web/enrol.html", {"nav": "enrol", "form": form}, status=422)
        return render(
            request,
            "web/enrol.html",
            {"nav": "enrol", "form": EnrolForm(tutors=tutors), "enrolled": outcome},
        )

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Enrolled,
        change=change,
        respond=respond,
    )


urlpatterns = [
    path("imports/", imports, name="imports"),
    path("imports/confirm/", import_confirm, name="import-confirm"),
    path("enrol/", enrol, name="enrol"),
]
