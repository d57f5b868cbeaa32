from __future__ import annotations

from django.contrib import admin

from tutordesk.audit.models import AuditLog
from tutordesk.core.admin import ServiceModelAdmin


@admin.register(AuditLog)
class AuditLogAdmin(ServiceModelAdmin):
    """Read-only, as the database itself insists."""

    can_add = False
    list_display = ["created_at", "actor", "action", "entity_type", "entity_id"]
    list_filter = ["action", "entity_type"]
    search_fields = ["entity_id", "actor__email"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
