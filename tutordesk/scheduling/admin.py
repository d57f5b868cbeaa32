from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tutordesk.core.admin import ServiceModelAdmin
from tutordesk.scheduling.models import Session


@admin.register(Session)
class SessionAdmin(ServiceModelAdmin):
    """Read-only: statuses, charges and new sessions go through the pages or the API,
    which call the same services and write the audit log."""

    can_add = False
    list_display = ["scheduled_start_at", "request", "tutor", "student", "status", "package"]
    list_filter = ["status"]
    search_fields = ["request__subject", "tutor__name", "tutor__email", "student__name", "student__email"]
    date_hierarchy = "scheduled_start_at"
    list_select_related = ["request__student", "tutor", "student", "package__request__student"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Session]:
        # Each row and each link names its request, people and package.
        return (
            super()
            .get_queryset(request)
            .select_related(
                "request__student", "tutor", "student", "package__request__student", "match__tutor"
            )
        )
