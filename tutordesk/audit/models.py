from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from tutordesk.core.clock import CreatedAtField
from tutordesk.core.ids import new_id


class AuditAction(models.TextChoices):
    """Every change Tutordesk records, in words for the pages (the value is the stable code)."""

    SESSION_CREATED = "session_created", "Session scheduled"
    SESSION_STATUS_UPDATED = "session_status_updated", "Status recorded"
    SESSION_STATUS_CORRECTED = "session_status_corrected", "Status corrected"
    SESSION_DETAILS_UPDATED = "session_details_updated", "Session details changed"
    SESSION_CANCELLED = "session_cancelled", "Lesson cancelled"
    MEETING_LINK_READY = "meeting_link_ready", "Meeting link ready"
    MEETING_LINK_FAILED = "meeting_link_failed", "Meeting link failed"
    MEETING_LINK_RETRIED = "meeting_link_retried", "Meeting link tried again"
    PACKAGE_CREATED = "package_created", "Package added"
    REQUEST_CREATED = "request_created", "Request added"
    MATCH_CREATED = "match_created", "Tutor matched"
    MATCH_ENDED = "match_ended", "Match ended"
    # A match ended or reassigned takes its future lessons off the schedule (CONTRACT §11).
    SESSION_MATCH_ENDED = "session_match_ended", "Taken off: match ended"
    SESSION_REASSIGNED = "session_reassigned", "Moved to another tutor"
    USER_CREATED = "user_created", "User added"
    USER_UPDATED = "user_updated", "User changed"
    API_TOKEN_CREATED = "api_token_created", "API token created"
    API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"
    WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint_created", "Webhook endpoint added"
    WEBHOOK_ENDPOINT_UPDATED = "webhook_endpoint_updated", "Webhook endpoint changed"
    WEBHOOK_ENDPOINT_DELETED = "webhook_endpoint_deleted", "Webhook endpoint deleted"
    WEBHOOK_SECRET_ROTATED = "webhook_secret_rotated", "Webhook secret rotated"
    WEBHOOK_DELIVERY_RESENT = "webhook_delivery_resent", "Webhook delivery sent again"
    NOTIFICATION_PREFERENCE_CHANGED = "notification_preference_changed", "Email preferences changed"
    CALENDAR_FEED_ISSUED = "calendar_feed_issued", "Calendar link issued"
    CALENDAR_FEED_REVOKED = "calendar_feed_revoked", "Calendar link turned off"
    # Recurring lessons (CONTRACT §12).
    SERIES_CREATED = "series_created", "Series created"
    SERIES_ENDED = "series_ended", "Series ended"
    SESSION_SERIES_ENDED = "session_series_ended", "Taken off the schedule with its series"
    # People (CONTRACT §11).
    USER_INVITED = "user_invited", "Person invited"
    USER_DEACTIVATED = "user_deactivated", "Person deactivated"
    USER_REACTIVATED = "user_reactivated", "Person reactivated"
    GUARDIAN_STUDENTS_SET = "guardian_students_set", "Guardian's students changed"
    PASSWORD_SET = "password_set", "Password set"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset asked for"
    # Import and enrolment (onboarding)
    IMPORT_COMPLETED = "import_completed", "Spreadsheet imported"
    GUARDIAN_LINK_ADDED = "guardian_link_added", "Guardian linked"


class AuditEntity(models.TextChoices):
    """What an audit row is about (`entity_type`); `entity_id` is that row's id."""

    SESSION = "session", "Session"
    PACKAGE = "package", "Package"
    REQUEST = "request", "Request"
    MATCH = "match", "Match"
    USER = "user", "User"
    API_TOKEN = "api_token", "API token"
    WEBHOOK_ENDPOINT = "webhook_endpoint", "Webhook endpoint"
    WEBHOOK_DELIVERY = "webhook_delivery", "Webhook delivery"
    CALENDAR_FEED = "calendar_feed", "Calendar feed"
    SERIES = "series", "Series"
    IMPORT = "import", "Import"


class AuditLog(models.Model):
    """Who changed what. Append-only: database triggers refuse UPDATE and DELETE."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    created_at = CreatedAtField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_column="actor_user_id",
        db_index=False,  # audit_actor_idx leads with it
    )
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    entity_type = models.CharField(max_length=32, choices=AuditEntity.choices)
    entity_id = models.UUIDField()
    details = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        db_table = "audit_logs"
        indexes = [
            models.Index(fields=["entity_type", "entity_id", "created_at"], name="audit_entity_idx"),
            models.Index(fields=["created_at", "id"], name="audit_created_idx"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_idx"),
            # Each filter of the audit list, newest first in (created_at, id) order, so a page reads
            # only its own rows (the id breaks ties between rows written in the same instant).
            models.Index(fields=["action", "created_at", "id"], name="audit_action_created_idx"),
            models.Index(fields=["entity_type", "created_at", "id"], name="audit_entity_type_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type} {self.entity_id}"

    @property
    def action_label(self) -> str:
        return label_of(AuditAction, self.action)

    @property
    def entity_label(self) -> str:
        return label_of(AuditEntity, self.entity_type)


def label_of(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value.replace("_", " ").capitalize()
