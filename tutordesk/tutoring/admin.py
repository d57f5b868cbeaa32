from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from tutordesk.accounts.models import Role, User
from tutordesk.core.admin import ServiceModelAdmin
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.tutoring.services import (
    MAX_PACKAGE_SESSIONS,
    match_create,
    match_end,
    package_create,
    request_create,
)


@admin.register(TutoringRequest)
class TutoringRequestAdmin(ServiceModelAdmin):
    list_display = ["__str__", "student", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["subject", "student__name", "student__email"]
    list_select_related = ["student"]
    autocomplete_fields = ["student"]
    ordering = ["-created_at", "id"]

    def get_queryset(self, request: HttpRequest) -> Any:
        # Each row is named with its student (also in other admins' request choosers).
        return super().get_queryset(request).select_related("student")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "student":
            kwargs["queryset"] = User.objects.filter(role=Role.STUDENT).order_by("email")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: TutoringRequest | None = None) -> list[str]:
        return ["student", "status"] if obj else ["status"]

    def create(self, form: Any, actor: User) -> TutoringRequest:
        data = form.cleaned_data
        return request_create(student=data["student"], subject=data["subject"], actor=actor)


@admin.register(Match)
class MatchAdmin(ServiceModelAdmin):
    list_display = ["request", "tutor", "status", "created_at"]
    list_filter = ["status"]
    search_fields = [
        "request__subject",
        "tutor__name",
        "tutor__email",
        "request__student__name",
        "request__student__email",
    ]
    list_select_related = ["request__student", "tutor"]
    autocomplete_fields = ["request", "tutor"]
    actions = ["end"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("request__student", "tutor")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "tutor":
            kwargs["queryset"] = User.objects.filter(role=Role.TUTOR).order_by("email")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Match | None = None) -> list[str]:
        return ["request", "tutor", "status"] if obj else ["status"]

    @admin.action(description="End the selected matches")
    def end(self, request: HttpRequest, queryset: Any) -> None:
        self.run_service_action(
            request, queryset, lambda match, actor: match_end(match_id=match.pk, actor=actor), "Matches ended"
        )

    def create(self, form: Any, actor: User) -> Match:
        data = form.cleaned_data
        return match_create(request=data["request"], tutor=data["tutor"], actor=actor)


class PackageAddForm(forms.ModelForm):
    sessions_total = forms.IntegerField(min_value=1, max_value=MAX_PACKAGE_SESSIONS)

    class Meta:
        model = Package
        fields = ["request", "sessions_total"]


@admin.register(Package)
class PackageAdmin(ServiceModelAdmin):
    """Packages are added through package_create; their counters move only with session statuses."""

    list_display = ["request", "sessions_used", "sessions_total", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["request__student__name", "request__student__email", "request__subject"]
    list_select_related = ["request__student"]
    autocomplete_fields = ["request"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("request__student")

    def get_form(self, request: HttpRequest, obj: Package | None = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = PackageAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Package | None = None) -> list[str]:
        if obj is None:
            return []
        return ["request", "sessions_total", "sessions_used", "status", "created_at", "updated_at"]

    def create(self, form: Any, actor: User) -> Package:
        data = form.cleaned_data
        return package_create(
            request_id=data["request"].pk, sessions_total=data["sessions_total"], actor=actor
        )
