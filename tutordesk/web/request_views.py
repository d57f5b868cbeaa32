"""The requests pages (admin, CONTRACT §11): the list of requests with a "New request" form, and a
request's page with its matches, packages and lessons, where an admin matches a tutor, ends a
match, reassigns it to another tutor and sells a package. Thin: parse, look up, call one service
through web.once, render."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tutordesk.accounts.models import Role
from tutordesk.core.errors import DomainError, TutorDoubleBooked
from tutordesk.scheduling.matches import match_end_with_lessons, match_reassign
from tutordesk.scheduling.selectors import sessions_filtered
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.tutoring.selectors import request_get, sessions_left_by_request, sessions_left_of
from tutordesk.tutoring.services import match_create, request_create
from tutordesk.web import queries
from tutordesk.web.forms import PackageForm
from tutordesk.web.helpers import AuthenticatedHttpRequest, first_error, form_payload, role_required
from tutordesk.web.once import refused_in_words, run_once
from tutordesk.web.outcomes import Done, Refused
from tutordesk.web.paging import keyset_page
from tutordesk.web.request_forms import EndMatchForm, MatchForm, ReassignForm, RequestFilterForm, RequestForm
from tutordesk.web.views import PAGE_SIZE, section, session_pages

# ---------------------------------------------------------------- the list


@dataclass(slots=True, eq=False)
class RequestRow:
    """One request on the requests page, as plain values."""

    id: uuid.UUID
    created_at: datetime
    subject: str
    status: str
    student_name: str
    student_email: str
    tutor_name: str | None
    sessions_left: int

    @property
    def pk(self) -> uuid.UUID:
        return self.id

    @property
    def status_label(self) -> str:
        return str(TutoringRequest.Status(self.status).label)


def _request_rows(viewer: Any) -> Any:
    active_tutor = Match.objects.filter(request=OuterRef("pk"), status=Match.Status.ACTIVE)

    def rows(queryset: QuerySet[TutoringRequest]) -> QuerySet[Any]:
        return queryset.values(
            "id",
            "created_at",
            "subject",
            "status",
            student_name=F("student__name"),
            student_email=F("student__email"),
            tutor_name=Subquery(active_tutor.values("tutor__name")[:1]),
            sessions_left=sessions_left_of(viewer, OuterRef("pk")),
        )

    return rows


@role_required(Role.ADMIN)
@require_GET
def requests_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = RequestFilterForm(request.GET or None)
    requests = TutoringRequest.objects.all()
    filtered = False
    if filters.is_bound and filters.is_valid():
        data = filters.cleaned_data
        if data["student"].strip():
            requests = requests.filter(
                student_id__in=queries.people_matching(data["student"].strip(), role=Role.STUDENT)
            )
        if data["subject"].strip():
            requests = requests.filter(subject__icontains=data["subject"].strip())
        if data["status"]:
            requests = requests.filter(status=data["status"])
        filtered = any(str(value).strip() for value in data.values())
    page = keyset_page(
        requests,
        time_field="created_at",
        descending=True,
        cursor=request.GET.get("cursor"),
        size=PAGE_SIZE,
        decorate=_request_rows(request.user),
        line=RequestRow,
    )
    listing = section(
        page,
        id="requests",
        title="Requests",
        param="cursor",
        empty="No request matches these filters." if filtered else "No tutoring requests yet.",
    )
    return render(
        request,
        "web/requests.html",
        {
            "section": listing,
            "filters": filters,
            "filtered": filtered,
            "form": RequestForm(auto_id="new_%s"),
            "nav": "requests",
        },
    )


@role_required(Role.ADMIN)
@require_POST
def request_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An admin adds a request for a student; a double submit adds it once."""
    user = request.user
    form = RequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("web:requests")
    data = form.cleaned_data

    def change() -> Done:
        created = request_create(student=data["student"], subject=data["subject"], actor=user)
        return Done(
            notice=f"Added a request for {created.subject}.",
            next=reverse("web:request", args=[created.id]),
        )

    def respond(outcome: Done | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
            return redirect("web:requests")
        messages.success(request, outcome.notice)
        return redirect(outcome.next or "web:requests")

    payload = {"student": str(data["student"].pk), "subject": data["subject"]}
    return run_once(
        request, key=data["idempotency_key"], payload=payload, answer=Done, change=change, respond=respond
    )


# ---------------------------------------------------------------- one request


def _request_page(
    request: AuthenticatedHttpRequest,
    req: TutoringRequest,
    *,
    reassign_form: ReassignForm | None = None,
    conflicts: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    matches = list(Match.objects.filter(request=req).select_related("tutor").order_by("-created_at", "-id"))
    active = next((m for m in matches if m.status == Match.Status.ACTIVE), None)
    packages = list(Package.objects.filter(request=req).order_by("created_at", "id"))
    left = sessions_left_by_request(user, [req.id])[req.id]
    lessons = queries.SessionList(sessions_filtered(user=user), Q(request_id=req.id), descending=True)
    (page,) = session_pages(request, user, (lessons, "cursor"))
    listing = section(
        page,
        id="sessions",
        title="Lessons",
        param="cursor",
        empty="No lessons yet.",
        selectable=True,
    )
    return render(
        request,
        "web/request_detail.html",
        {
            "req": req,
            "matches": matches,
            "active": active,
            "packages": packages,
            "sessions_left": left,
            "section": listing,
            "match_form": MatchForm(auto_id="match_%s") if active is None else None,
            "end_form": EndMatchForm(auto_id="end_%s") if active is not None else None,
            "reassign_form": reassign_form
            or (ReassignForm(auto_id="reassign_%s") if active is not None else None),
            "package_form": PackageForm(initial={"sessions_total": 10}),
            "conflicts": conflicts or [],
            "nav": "requests",
        },
        status=status,
    )


@role_required(Role.ADMIN)
@require_GET
def request_detail(request: AuthenticatedHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    return _request_page(request, _request_or_404(request, request_id))


def _request_or_404(request: AuthenticatedHttpRequest, request_id: uuid.UUID) -> TutoringRequest:
    try:
        return request_get(request_id=request_id, user=request.user)
    except DomainError as exc:
        raise Http404("No such request") from exc


def _back_to(req_id: uuid.UUID) -> str:
    return reverse("web:request", args=[req_id])


def _respond_with_message(request: AuthenticatedHttpRequest, req_id: uuid.UUID) -> Any:
    def respond(outcome: Done | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
        else:
            messages.success(request, outcome.notice)
        return redirect(_back_to(req_id))

    return respond


@role_required(Role.ADMIN)
@require_POST
def request_match(request: AuthenticatedHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """An admin matches a tutor to the request."""
    req = _request_or_404(request, request_id)
    form = MatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(_back_to(req.id))
    data = form.cleaned_data
    tutor = data["tutor"]

    def change() -> Done:
        match_create(request=req, tutor=tutor, actor=request.user)
        return Done(notice=f"Matched {tutor.name or tutor.email} to this request.")

    return run_once(
        request,
        key=data["idempotency_key"],
        payload={"tutor": str(tutor.pk)},
        answer=Done,
        change=change,
        respond=_respond_with_message(request, req.id),
    )


def _match_or_404(match_id: uuid.UUID) -> Match:
    match = Match.objects.select_related("request", "tutor").filter(pk=match_id).first()
    if match is None:
        raise Http404("No such match")
    return match


@role_required(Role.ADMIN)
@require_POST
def match_end(request: AuthenticatedHttpRequest, match_id: uuid.UUID) -> HttpResponse:
    """An admin ends a match; its upcoming lessons leave the schedule."""
    match = _match_or_404(match_id)
    form = EndMatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(_back_to(match.request_id))
    data = form.cleaned_data

    def change() -> Done:
        ending = match_end_with_lessons(match_id=match.id, reason=data["reason"], actor=request.user)
        count = len(ending.taken_off)
        lessons = f"{count} upcoming lesson{'s' if count != 1 else ''} left the schedule"
        return Done(notice=f"Ended the match with {match.tutor.name or match.tutor.email}; {lessons}.")

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Done,
        change=change,
        respond=_respond_with_message(request, match.request_id),
    )


def _clash_refusal(error: DomainError) -> Refused:
    """A refusal in words; a reassignment's clashes are kept, every one, for the page to list."""
    refused = refused_in_words(error)
    if isinstance(error, TutorDoubleBooked):
        clashes = list(error.context.get("conflicts") or [])
        many = len(clashes) != 1
        words = (
            f"The new tutor already has lessons at {len(clashes)} of these times"
            if many
            else "The new tutor already has a lesson at one of these times"
        )
        return Refused(error=f"{words}; nothing was changed.", conflicts=clashes)
    return refused


@role_required(Role.ADMIN)
@require_POST
def match_reassign_view(request: AuthenticatedHttpRequest, match_id: uuid.UUID) -> HttpResponse:
    """An admin hands a match to another tutor; its upcoming lessons move with it, or, on any
    clash, nothing changes and the page lists every clash."""
    match = _match_or_404(match_id)
    form = ReassignForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(_back_to(match.request_id))
    data = form.cleaned_data
    tutor = data["tutor"]

    def change() -> Done:
        done = match_reassign(match_id=match.id, tutor_id=tutor.pk, reason=data["reason"], actor=request.user)
        count = len(done.moved)
        return Done(
            notice=f"Reassigned to {tutor.name or tutor.email}; "
            f"{count} upcoming lesson{'s' if count != 1 else ''} moved at the same times."
        )

    def respond(outcome: Done | Refused) -> HttpResponse:
        if isinstance(outcome, Refused) and outcome.conflicts:
            messages.error(request, outcome.error)
            return _request_page(
                request,
                _request_or_404(request, match.request_id),
                # The choices as they were, under a fresh key: the refused one is spent.
                reassign_form=ReassignForm(
                    initial={"tutor": tutor.pk, "reason": data["reason"]}, auto_id="reassign_%s"
                ),
                conflicts=_clash_lines(outcome.conflicts),
                status=409,
            )
        return _respond_with_message(request, match.request_id)(outcome)

    return run_once(
        request,
        key=data["idempotency_key"],
        payload={"tutor": str(tutor.pk), "reason": data["reason"]},
        answer=Done,
        change=change,
        respond=respond,
        on_error=_clash_refusal,
    )


def _clash_lines(conflicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each clash in the viewer's time zone: the lesson that would move, and the new tutor's."""
    lines = []
    for clash in conflicts:
        start = timezone.localtime(datetime.fromisoformat(str(clash["scheduled_start_at"])))
        other = timezone.localtime(datetime.fromisoformat(str(clash["conflicting_start_at"])))
        lines.append({"start": start, "other": other, "other_id": clash.get("conflicting_session_id")})
    return lines
