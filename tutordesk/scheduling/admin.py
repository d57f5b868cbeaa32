from __future__ import annotations

from django.contrib import admin

from tutordesk.core.admin import ServiceModelAdmin
from tutordesk.scheduling.models import Session


@admin.register(Session)
class SessionAdmin(ServiceModelAdmin):
    """Read-only: statuses, charges and new sessions go through the pages or the API,
    which call the same services and write the audit log."""

    can_add = False
    list_display = ["id", "scheduled_start_at", "tutor", "student", "status", "package"]
    list_filter = ["status"]
    search_fields = ["tutor__email", "student__email", "id"]
    date_hierarchy = "scheduled_start_at"
    list_select_related = ["tutor", "student", "package"]
