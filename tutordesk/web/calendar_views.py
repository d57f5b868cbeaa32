"""The calendar card on the pages: it issues, shows once, copies and turns off a user's secret
calendar link (the feed itself is web.feeds)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tutordesk.accounts.models import Role
from tutordesk.calendars.selectors import calendar_feed_of
from tutordesk.calendars.services import calendar_feed_issue, calendar_feed_revoke
from tutordesk.calendars.tokens import new_feed_token
from tutordesk.web.forms import IdempotentForm
from tutordesk.web.helpers import AuthenticatedHttpRequest, back_url, first_error, in_panel, role_required
from tutordesk.web.once import once
from tutordesk.web.outcomes import Done, Refused

ALL_ROLES = (Role.TUTOR, Role.ADMIN, Role.STUDENT, Role.GUARDIAN)


def feed_url(request: AuthenticatedHttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("web:calendar-feed-ics", kwargs={"token": token}))


def _card(
    request: AuthenticatedHttpRequest, *, url: str = "", error: str = "", notice: str = ""
) -> HttpResponse:
    context = {
        "feed": calendar_feed_of(request.user),
        "url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1] if url else "",
        "error": error,
        "notice": notice,
        "next_url": back_url(request),
        "nav": "dashboard",
    }
    template = "web/partials/calendar_feed_card.html" if in_panel(request) else "web/calendar_feed.html"
    return render(request, template, context)


@role_required(*ALL_ROLES)
@require_http_methods(["GET", "POST"])
def calendar_feed(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: the card (is a link on, since when). POST: a new link, shown once; any older one stops working."""
    if request.method == "GET":
        return _card(request)
    user = request.user
    form = IdempotentForm(request.POST)
    if not form.is_valid():
        return _card(request, error=first_error(form))
    key = form.cleaned_data["idempotency_key"]
    # Derived from the form's key (calendars.tokens): a double click shows the same link, which
    # is never stored, only its hash.
    token = new_feed_token(user_id=user.pk, idempotency_key=key)

    def change() -> Done:
        calendar_feed_issue(actor=user, token=token)
        return Done()

    outcome = once(request, key=key, payload={"action": "issue"}, answer=Done, change=change)
    if isinstance(outcome, Refused):
        return _card(request, error=outcome.error)
    return _card(request, url=feed_url(request, token))


@role_required(*ALL_ROLES)
@require_POST
def calendar_feed_off(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = IdempotentForm(request.POST)
    if not form.is_valid():
        return _card(request, error=first_error(form))

    def change() -> Done:
        calendar_feed_revoke(actor=user)
        return Done()

    outcome = once(
        request,
        key=form.cleaned_data["idempotency_key"],
        payload={"action": "revoke"},
        answer=Done,
        change=change,
    )
    if isinstance(outcome, Refused):
        return _card(request, error=outcome.error)
    if not in_panel(request):
        messages.success(request, "Your calendar link is off.")
        return redirect(reverse("web:calendar-feed"))
    return _card(request, notice="Your calendar link is off.")
