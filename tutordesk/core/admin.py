"""Django's admin made to go through the services, so it cannot bypass a rule or the audit log.

A model admin built on `ServiceModelAdmin` adds rows with its `create` (a service call) and
changes them with its `update` (a service call), each inside one transaction; a model whose
changes have no service is shown read-only. Nothing is ever deleted there. A refusal from a
service (a DomainError) is shown as a message and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from tutordesk.core.errors import DomainError


class ServiceModelAdmin(admin.ModelAdmin):
    # Set to False in a subclass whose model has no create service (add is then not offered).
    can_add = True

    def create(self, form: Any, actor: Any) -> Model:
        """Add the row through its service; return it."""
        raise NotImplementedError

    def update(self, obj: Model, form: Any, actor: Any) -> Model:
        """Change the row through its service; return it. Not overridden: the change form is read-only."""
        raise NotImplementedError

    @classmethod
    def has_update_service(cls) -> bool:
        return cls.update is not ServiceModelAdmin.update

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.can_add and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_update_service() and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            with transaction.atomic():  # a refusal rolls back to here, not the whole admin request
                saved = self.update(obj, form, request.user) if change else self.create(form, request.user)
        except DomainError as exc:
            obj._service_refusal = exc.detail
            return
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """No many-to-many or inline writes behind the services' back."""

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None if getattr(obj, "_service_refusal", None) else super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None if getattr(obj, "_service_refusal", None) else super().log_change(request, obj, message)

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        return self._refused(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        return self._refused(request, obj) or super().response_change(request, obj)

    def _refused(self, request: HttpRequest, obj: Any) -> HttpResponse | None:
        refusal = getattr(obj, "_service_refusal", None)
        if not refusal:
            return None
        messages.error(request, refusal)
        return HttpResponseRedirect(request.path)

    def run_service_action(self, request: HttpRequest, queryset: Any, action: Any, done: str) -> None:
        """An admin action that calls a service per row, each in its own transaction."""
        changed, refusals = 0, []
        for obj in queryset:
            try:
                with transaction.atomic():
                    if action(obj, request.user) is not False:
                        changed += 1
            except DomainError as exc:
                refusals.append(f"{obj}: {exc.detail}")
        if changed:
            messages.success(request, f"{done}: {changed}.")
        for refusal in refusals:
            messages.error(request, refusal)
