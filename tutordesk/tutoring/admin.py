from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from tutordesk.accounts.models import User
from tutordesk.core.errors import DomainError
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.tutoring.services import MAX_PACKAGE_SESSIONS, package_create


@admin.register(TutoringRequest)
class TutoringRequestAdmin(admin.ModelAdmin):
    list_display = ["subject", "student", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["subject", "student__email"]
    raw_id_fields = ["student"]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["id", "request", "tutor", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["tutor__email", "request__student__email"]
    raw_id_fields = ["request", "tutor"]

    def get_readonly_fields(self, request: HttpRequest, obj: Match | None = None) -> list[str]:
        # Sessions copy the match's request and tutor, so those never change once set.
        return ["request", "tutor"] if obj else []


class PackageAddForm(forms.ModelForm):
    sessions_total = forms.IntegerField(min_value=1, max_value=MAX_PACKAGE_SESSIONS)

    class Meta:
        model = Package
        fields = ["request", "sessions_total"]


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    """Packages are added through package_create; their counters move only with session statuses."""

    list_display = ["id", "request", "sessions_used", "sessions_total", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["request__student__email", "request__subject"]
    raw_id_fields = ["request"]

    def get_form(self, request: HttpRequest, obj: Package | None = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = PackageAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Package | None = None) -> list[str]:
        if obj is None:
            return []
        return ["request", "sessions_total", "sessions_used", "status", "created_at", "updated_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Package | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Package, form: Any, change: bool) -> None:
        if change:
            return
        actor = request.user
        assert isinstance(actor, User)  # the admin site only admits logged-in admins
        try:
            created = package_create(
                request_id=obj.request_id, sessions_total=form.cleaned_data["sessions_total"], actor=actor
            )
        except DomainError as exc:
            messages.error(request, exc.detail)
            return
        obj.pk = created.pk
        obj.refresh_from_db()
