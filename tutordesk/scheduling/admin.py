from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tutordesk.scheduling.models import Session


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Read-only: statuses, charges and new sessions go through the dashboard or the API,
    which call the same services and write the audit log."""

    list_display = ["id", "scheduled_start_at", "tutor", "student", "status", "package"]
    list_filter = ["status"]
    search_fields = ["tutor__email", "student__email", "id"]
    date_hierarchy = "scheduled_start_at"
    list_select_related = ["tutor", "student", "package"]

    def get_readonly_fields(self, request: HttpRequest, obj: Session | None = None) -> list[str]:
        return [f.name for f in Session._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return False
