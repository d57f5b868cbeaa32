from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect

from tutordesk.accounts.models import Role, User
from tutordesk.core.errors import DomainError
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.tutoring.services import MAX_PACKAGE_SESSIONS, match_create, package_create, request_create


class CreatedThroughServiceAdmin(admin.ModelAdmin):
    """New rows are made by a service (checks and an audit row); `create` returns the saved row."""

    def create(self, form: Any, actor: User) -> Any:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        actor = request.user
        assert isinstance(actor, User)  # the admin site only admits logged-in admins
        try:
            with transaction.atomic():  # a refusal rolls back to here, not the whole admin request
                created = self.create(form, actor)
        except DomainError as exc:
            obj._service_refusal = exc.detail  # type: ignore[attr-defined]
            return
        obj.pk = created.pk
        obj.refresh_from_db()

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if getattr(obj, "_service_refusal", None):
            return None
        return super().log_addition(request, obj, message)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> Any:
        refusal = getattr(obj, "_service_refusal", None)
        if refusal:
            messages.error(request, refusal)
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)


@admin.register(TutoringRequest)
class TutoringRequestAdmin(CreatedThroughServiceAdmin):
    list_display = ["subject", "student", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["subject", "student__email"]

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
class MatchAdmin(CreatedThroughServiceAdmin):
    list_display = ["id", "request", "tutor", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["tutor__email", "request__student__email"]
    raw_id_fields = ["request"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "tutor":
            kwargs["queryset"] = User.objects.filter(role=Role.TUTOR).order_by("email")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Match | None = None) -> list[str]:
        # Sessions copy the match's request and tutor, so those never change once set.
        return ["request", "tutor"] if obj else ["status"]

    def create(self, form: Any, actor: User) -> Match:
        data = form.cleaned_data
        return match_create(request=data["request"], tutor=data["tutor"], actor=actor)


class PackageAddForm(forms.ModelForm):
    sessions_total = forms.IntegerField(min_value=1, max_value=MAX_PACKAGE_SESSIONS)

    class Meta:
        model = Package
        fields = ["request", "sessions_total"]


@admin.register(Package)
class PackageAdmin(CreatedThroughServiceAdmin):
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
        if not change:
            super().save_model(request, obj, form, change)

    def create(self, form: Any, actor: User) -> Package:
        data = form.cleaned_data
        return package_create(
            request_id=data["request"].pk, sessions_total=data["sessions_total"], actor=actor
        )
