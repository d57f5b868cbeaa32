"""A person's own account: "Forgot password?", the invitation and reset links, and /settings/.

Django's own views (PasswordResetView, PasswordResetConfirmView, PasswordChangeForm) in the
product's look. The reset email goes out through the outbox and the worker like every other email
(accounts.services.password_reset_request records the event; events.account_emails builds it), so
nothing is sent inside the request, and the answer is the same whether or not the email exists.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.views.decorators.http import require_http_methods

from tutordesk.accounts.models import Role
from tutordesk.accounts.services import password_reset_request, password_set, person_update
from tutordesk.accounts.tokens import password_link_tokens
from tutordesk.web.forms import IdempotentForm
from tutordesk.web.helpers import AuthenticatedHttpRequest, first_error, form_payload, role_required
from tutordesk.web.once import run_once
from tutordesk.web.outcomes import Done, Refused

TIMEZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class ResetAskForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)


class LinkSetPasswordForm(SetPasswordForm):
    """Django's form (its password rules), saved through the service so the change is audited."""

    def save(self, commit: bool = True) -> Any:
        with transaction.atomic():
            return password_set(user=self.user, password=self.cleaned_data["new_password1"], via="link")


class ForgotPasswordView(auth_views.PasswordResetView):
    template_name = "web/password/password_reset_form.html"
    form_class = ResetAskForm  # type: ignore[assignment]
    success_url = reverse_lazy("web:password-reset-done")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            outcome = password_reset_request(
                email=form.cleaned_data["email"], client_ip=self.request.META.get("REMOTE_ADDR", "")
            )
        if outcome == "limited_ip":
            form.add_error(None, "Too many reset requests from your network. Try again in an hour.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return redirect(self.success_url)


class LinkPasswordView(auth_views.PasswordResetConfirmView):
    """The invitation's and the reset's link: works once, lasts 7 days, never for a deactivated person."""

    template_name = "web/password/password_reset_confirm.html"
    form_class = LinkSetPasswordForm
    token_generator = password_link_tokens
    success_url = reverse_lazy("web:password-reset-complete")

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None


urlpatterns = [
    path("accounts/password-reset/", ForgotPasswordView.as_view(), name="password-reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="web/password/password_reset_done.html"),
        name="password-reset-done",
    ),
    path("accounts/reset/<uidb64>/<token>/", LinkPasswordView.as_view(), name="password-reset-confirm"),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="web/password/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]


# ---------------------------------------------------------------- /settings/ (everyone)


class ProfileForm(IdempotentForm):
    name = forms.CharField(label="Name", max_length=200)
    timezone = forms.ChoiceField(label="Time zone", choices=TIMEZONE_CHOICES)


def _settings_page(
    request: AuthenticatedHttpRequest,
    *,
    profile: ProfileForm | None = None,
    password: PasswordChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = {
        "nav": "settings",
        "profile": profile or ProfileForm(initial={"name": user.name, "timezone": user.timezone}),
        "password": password or PasswordChangeForm(user),
        "has_password": user.has_usable_password(),
    }
    return render(request, "web/settings.html", context, status=status)


@role_required(*Role.values)
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Your own name and time zone (and, below, your password)."""
    if request.method == "GET":
        return _settings_page(request)
    form = ProfileForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _settings_page(request, profile=form, status=422)
    data = form.cleaned_data
    user = request.user

    def change() -> Done:
        person_update(actor=user, user_id=user.pk, name=data["name"], timezone=data["timezone"])
        return Done(notice="Your settings are saved.")

    def respond(outcome: Done | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
        else:
            messages.success(request, outcome.notice)
        return redirect("web:settings")

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Done,
        change=change,
        respond=respond,
    )


@role_required(*Role.values)
@require_http_methods(["POST"])
def settings_password(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Django's PasswordChangeForm (the current password, then the new one twice)."""
    form = PasswordChangeForm(request.user, request.POST)
    if not form.is_valid():
        return _settings_page(request, password=form, status=422)
    with transaction.atomic():
        user = password_set(user=request.user, password=form.cleaned_data["new_password1"], via="settings")
    update_session_auth_hash(request, user)  # this browser stays logged in; others are logged out
    messages.success(request, "Your password is changed.")
    return redirect("web:settings")


urlpatterns += [
    path("settings/", settings_page, name="settings"),
    path("settings/password/", settings_password, name="settings-password"),
]
