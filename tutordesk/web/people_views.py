"""People (CONTRACT §11, §15), admins only: /people/ (search, filter, invite) and a person's page
(details, deactivate or reactivate, a guardian's students, and read-only their requests, matches,
packages and lessons). Every change goes through accounts.services, once per form key."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutordesk.accounts.models import Role, User
from tutordesk.accounts.selectors import people_for, person_get, student_ids_of_guardians
from tutordesk.accounts.services import (
    guardian_students_set,
    person_deactivate,
    person_invite,
    person_reactivate,
)
from tutordesk.core import clock
from tutordesk.core.errors import DomainError, NotFound
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import SessionStatus
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.web.account_views import TIMEZONE_CHOICES
from tutordesk.web.forms import IdempotentForm
from tutordesk.web.helpers import AuthenticatedHttpRequest, first_error, form_payload, role_required
from tutordesk.web.messages import error_message
from tutordesk.web.once import once, run_once
from tutordesk.web.outcomes import Done, Refused
from tutordesk.web.paging import keyset_page
from tutordesk.web.views import section

PAGE_SIZE = 50
# The invite form lists students to tick for a guardian; a bigger school finds them by the API.
MAX_STUDENT_CHOICES = 500
LESSONS_SHOWN = 10


def student_choices() -> list[tuple[str, str]]:
    students = User.objects.filter(role=Role.STUDENT, is_active=True).order_by("name", "id")
    return [(str(s.pk), f"{s.name} <{s.email}>") for s in students[:MAX_STUDENT_CHOICES]]


class InviteForm(IdempotentForm):
    email = forms.EmailField(label="Email", max_length=254)
    name = forms.CharField(label="Name", max_length=200)
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    timezone = forms.ChoiceField(
        label="Time zone", required=False, choices=[("", "The business default"), *TIMEZONE_CHOICES]
    )
    # Checked by the service (all must be students); here only parsed.
    student_ids = forms.TypedMultipleChoiceField(label="Looks after", required=False, coerce=str, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["student_ids"].choices = student_choices()  # type: ignore[attr-defined]


class StudentsForm(IdempotentForm):
    student_ids = forms.TypedMultipleChoiceField(label="Looks after", required=False, coerce=str, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["student_ids"].choices = student_choices()  # type: ignore[attr-defined]


class PeopleSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    role = forms.ChoiceField(required=False, choices=[("", "Everyone"), *Role.choices])


def _people_page(
    request: AuthenticatedHttpRequest, *, invite: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    search = PeopleSearchForm(request.GET or None)
    q = role = ""
    if search.is_bound and search.is_valid():
        q, role = search.cleaned_data["q"].strip(), search.cleaned_data["role"]
    page = keyset_page(
        people_for(request.user, q=q, role=role),
        time_field="date_joined",
        descending=True,
        cursor=request.GET.get("cursor"),
        size=PAGE_SIZE,
    )
    context = {
        "nav": "people",
        "section": section(page, id="people", title="People", param="cursor", empty=""),
        "search": search,
        "q": q,
        "role": role,
        "roles": Role.choices,
        "invite": invite or InviteForm(),
        "invite_open": invite is not None,
    }
    return render(request, "web/people.html", context, status=status)


@role_required(Role.ADMIN)
@require_GET
def people(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _people_page(request)


@role_required(Role.ADMIN)
@require_POST
def people_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An admin invites a person: they get an email with a link to set their password."""
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _people_page(request, invite=form, status=422)
    data = form.cleaned_data
    actor = request.user

    def change() -> Done:
        user = person_invite(
            actor=actor,
            email=data["email"],
            name=data["name"],
            role=data["role"],
            timezone=data["timezone"] or None,
            student_ids=data["student_ids"],
        )
        return Done(
            notice=f"Invited {user.name}: an email with a link to set their password is on its way to {user.email}.",
            next=reverse("web:person", args=[user.pk]),
        )

    def refuse(error: DomainError) -> Refused:
        return Refused(error=error_message(error), field=error.context.get("field"))

    outcome = once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Done,
        change=change,
        on_error=refuse,
    )
    if isinstance(outcome, Refused):
        form.add_error(outcome.field if outcome.field in form.fields else None, outcome.error)
        return _people_page(request, invite=form, status=422)
    messages.success(request, outcome.notice)
    return redirect(outcome.next or "web:people")


def _person_or_404(request: AuthenticatedHttpRequest, user_id: uuid.UUID) -> User:
    try:
        return person_get(user_id=user_id, viewer=request.user)
    except NotFound as exc:
        raise Http404("No such person") from exc


def _their_lessons(person: User) -> tuple[list[Session], list[Session]]:
    """Upcoming (soonest first) and recent (latest first) lessons of a tutor, a student, or a
    guardian's students."""
    if person.is_tutor:
        mine = Q(tutor_id=person.pk)
    elif person.is_student:
        mine = Q(student_id=person.pk)
    elif person.is_guardian:
        mine = Q(student_id__in=student_ids_of_guardians([person.pk])[person.pk])
    else:
        return [], []
    now = clock.now()
    rows = Session.objects.filter(mine).select_related("match__request", "tutor", "student")
    upcoming = rows.filter(scheduled_start_at__gte=now, status=SessionStatus.SCHEDULED).order_by(
        "scheduled_start_at", "id"
    )
    recent = rows.filter(scheduled_start_at__lt=now).order_by("-scheduled_start_at", "-id")
    return list(upcoming[:LESSONS_SHOWN]), list(recent[:LESSONS_SHOWN])


@role_required(Role.ADMIN)
@require_GET
def person_detail(request: AuthenticatedHttpRequest, user_id: uuid.UUID) -> HttpResponse:
    person = _person_or_404(request, user_id)
    students: list[User] = []
    if person.is_guardian:
        ids = student_ids_of_guardians([person.pk])[person.pk]
        students = list(User.objects.filter(pk__in=ids).order_by("name", "id"))
        student_ids = [s.pk for s in students]
        request_filter = Q(student_id__in=student_ids)
    elif person.is_tutor:
        request_filter = Q(matches__tutor_id=person.pk)
    else:
        request_filter = Q(student_id=person.pk)
    requests = list(
        TutoringRequest.objects.filter(request_filter)
        .distinct()
        .select_related("student")
        .order_by("-created_at", "id")
    )
    matches = list(
        Match.objects.filter(
            Q(tutor_id=person.pk) if person.is_tutor else Q(request__in=[r.pk for r in requests])
        )
        .select_related("request__student", "tutor")
        .order_by("-created_at", "id")
    )
    packages = list(
        Package.objects.filter(request__in=[r.pk for r in requests])
        .select_related("request__student")
        .order_by("-created_at", "id")
    )
    upcoming, recent = _their_lessons(person)
    context = {
        "nav": "people",
        "person": person,
        "students": students,
        "students_form": StudentsForm(initial={"student_ids": [str(s.pk) for s in students]})
        if person.is_guardian
        else None,
        "requests": requests,
        "matches": matches,
        "packages": packages,
        "upcoming": upcoming,
        "recent": recent,
        "is_self": person.pk == request.user.pk,
    }
    return render(request, "web/person.html", context)


def _person_change(
    request: AuthenticatedHttpRequest, user_id: uuid.UUID, form: IdempotentForm, change: Any
) -> HttpResponse:
    person = _person_or_404(request, user_id)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("web:person", user_id=person.pk)
    data = form.cleaned_data

    def respond(outcome: Done | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
        else:
            messages.success(request, outcome.notice)
        return redirect("web:person", user_id=person.pk)

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Done,
        change=lambda: change(person, data),
        respond=respond,
    )


@role_required(Role.ADMIN)
@require_POST
def person_deactivate_view(request: AuthenticatedHttpRequest, user_id: uuid.UUID) -> HttpResponse:
    def change(person: User, data: dict[str, Any]) -> Done:
        person_deactivate(actor=request.user, user_id=person.pk)
        return Done(notice=f"{person.name} is deactivated: they can no longer log in.")

    return _person_change(request, user_id, IdempotentForm(request.POST), change)


@role_required(Role.ADMIN)
@require_POST
def person_reactivate_view(request: AuthenticatedHttpRequest, user_id: uuid.UUID) -> HttpResponse:
    def change(person: User, data: dict[str, Any]) -> Done:
        person_reactivate(actor=request.user, user_id=person.pk)
        return Done(notice=f"{person.name} is active again.")

    return _person_change(request, user_id, IdempotentForm(request.POST), change)


@role_required(Role.ADMIN)
@require_http_methods(["POST"])
def person_students(request: AuthenticatedHttpRequest, user_id: uuid.UUID) -> HttpResponse:
    def change(person: User, data: dict[str, Any]) -> Done:
        guardian_students_set(actor=request.user, guardian_id=person.pk, student_ids=data["student_ids"])
        return Done(notice=f"Saved whom {person.name} looks after.")

    return _person_change(request, user_id, StudentsForm(request.POST), change)


urlpatterns = [
    path("people/", people, name="people"),
    path("people/invite/", people_invite, name="people-invite"),
    path("people/<uuid:user_id>/", person_detail, name="person"),
    path("people/<uuid:user_id>/deactivate/", person_deactivate_view, name="person-deactivate"),
    path("people/<uuid:user_id>/reactivate/", person_reactivate_view, name="person-reactivate"),
    path("people/<uuid:user_id>/students/", person_students, name="person-students"),
]
