from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from tutordesk.accounts.models import ApiToken, User


class UserForm(forms.ModelForm):
    new_password = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Leave empty to keep the current password."
    )

    class Meta:
        model = User
        fields = ["email", "name", "role", "timezone", "is_active"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("A user with this email already exists (emails ignore case).")
        return email


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = UserForm
    list_display = ["email", "name", "role", "timezone", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "name"]
    ordering = ["email"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        obj.email = obj.email.lower()
        if form.cleaned_data.get("new_password"):
            obj.set_password(form.cleaned_data["new_password"])
        elif not change:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `manage.py create_api_token`; here they can only be seen and revoked."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "token_hash", "created_at", "last_used_at"]
    search_fields = ["user__email", "prefix"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
