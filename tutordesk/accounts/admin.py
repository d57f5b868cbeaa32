from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from tutordesk.accounts.models import ApiToken, Guardianship, Role, User
from tutordesk.accounts.services import api_token_revoke, clean_user_fields, person_invite, user_update
from tutordesk.core.admin import ServiceModelAdmin
from tutordesk.core.errors import ValidationError

# Roles, not groups, decide what a user may do; Django's groups would only suggest otherwise.
admin.site.unregister(Group)


class UserForm(forms.ModelForm):
    new_password = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Leave empty to keep the current password."
    )

    class Meta:
        model = User
        fields = ["email", "name", "role", "timezone", "is_active"]

    def clean(self) -> dict[str, Any]:
        """The services' own rules, checked early so a refusal shows on its field."""
        data = super().clean() or {}
        if not self.errors:
            try:
                clean_user_fields(
                    {"is_active": True, **data}, exclude=self.instance if self.instance.pk else None
                )
            except ValidationError as exc:
                self.add_error(exc.context.get("field"), exc.detail)
        return data

    def validate_unique(self) -> None:
        """Checked above, ignoring case, by the services' rule."""


@admin.register(User)
class UserAdmin(ServiceModelAdmin):
    form = UserForm
    list_display = ["email", "name", "role", "timezone", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "name"]
    ordering = ["email"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Adding a person asks for no password: they set their own from the invitation."""
        fields = list(super().get_fields(request, obj))
        return [f for f in fields if f not in ("new_password", "is_active")] if obj is None else fields

    # Another admin's person chooser (autocomplete) offers only people of the role its field
    # stands for: a request's student, a match's tutor.
    ROLE_OF_FIELD = {"student": Role.STUDENT, "tutor": Role.TUTOR, "guardian": Role.GUARDIAN}

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            role = self.ROLE_OF_FIELD.get(request.GET.get("field_name", ""))
            if role is not None:
                queryset = queryset.filter(role=role)
        return queryset, may_have_duplicates

    def create(self, form: Any, actor: User) -> User:
        data = form.cleaned_data
        return person_invite(
            actor=actor, email=data["email"], name=data["name"], role=data["role"], timezone=data["timezone"]
        )

    def update(self, obj: Any, form: Any, actor: User) -> User:
        data = form.cleaned_data
        changes = {field: data[field] for field in form.changed_data if field in UserForm.Meta.fields}
        return user_update(
            user_id=obj.pk, changes=changes, password=data.get("new_password") or None, actor=actor
        )


@admin.register(Guardianship)
class GuardianshipAdmin(ServiceModelAdmin):
    """Who looks after whom, by name. Read-only here: links change on the People pages."""

    can_add = False
    list_display = ["guardian", "student", "created_at"]
    search_fields = ["guardian__name", "guardian__email", "student__name", "student__email"]
    list_select_related = ["guardian", "student"]
    ordering = ["guardian__name", "student__name"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("guardian", "student")


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceModelAdmin):
    """Tokens are created with `manage.py create_api_token`; here they can be seen and revoked."""

    can_add = False
    list_display = ["prefix", "user", "name", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__email", "prefix"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        self.run_service_action(
            request,
            queryset,
            lambda token, actor: api_token_revoke(token_id=token.pk, actor=actor),
            "Tokens revoked",
        )
