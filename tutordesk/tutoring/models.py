from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from tutordesk.core.clock import CreatedAtField, UpdatedAtField
from tutordesk.core.ids import new_id


class TutoringRequest(models.Model):
    """A student's request for tutoring in one subject."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MATCHED = "matched", "Matched"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requests")
    subject = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = CreatedAtField()

    class Meta:
        db_table = "requests"
        indexes = [models.Index(fields=["created_at", "id"], name="requests_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "matched", "closed"]), name="requests_status_valid"
            ),
        ]

    def __str__(self) -> str:
        """ "Chemistry (A-level) for Ada Lovelace" (reads the student: select_related it in lists)."""
        return f"{self.subject} for {self.student.name}"


class Match(models.Model):
    """A tutor assigned to a request. A request has at most one active match at a time."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    request = models.ForeignKey(TutoringRequest, on_delete=models.PROTECT, related_name="matches")
    # matches_tutor_status_idx leads with it: no index of its own.
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="matches", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = CreatedAtField()

    class Meta:
        db_table = "matches"
        verbose_name_plural = "matches"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["active", "ended"]), name="matches_status_valid"),
            models.UniqueConstraint(
                fields=["request"], condition=Q(status="active"), name="matches_one_active_per_request"
            ),
        ]
        indexes = [
            models.Index(fields=["tutor", "status"], name="matches_tutor_status_idx"),
            models.Index(fields=["created_at", "id"], name="matches_created_idx"),
        ]

    def __str__(self) -> str:
        """The request and the tutor, by name (select_related `request__student` and `tutor`)."""
        return f"{self.request} with {self.tutor.name}"


class Package(models.Model):
    """Prepaid sessions for a request. `sessions_used` only moves through tutoring.services."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXHAUSTED = "exhausted", "Exhausted"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # packages_request_created_idx leads with it: no index of its own.
    request = models.ForeignKey(
        TutoringRequest, on_delete=models.PROTECT, related_name="packages", db_index=False
    )
    sessions_total = models.PositiveIntegerField()
    sessions_used = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = CreatedAtField()
    updated_at = UpdatedAtField()

    class Meta:
        db_table = "packages"
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions_used__gte=0) & Q(sessions_used__lte=F("sessions_total")),
                name="packages_sessions_used_within_total",
            ),
            models.CheckConstraint(
                condition=Q(sessions_total__gte=1), name="packages_sessions_total_positive"
            ),
            # The status follows the counter: exhausted exactly when full, unless cancelled.
            models.CheckConstraint(
                condition=Q(status="cancelled")
                | Q(status="exhausted", sessions_used=F("sessions_total"))
                | Q(status="active", sessions_used__lt=F("sessions_total")),
                name="packages_status_matches_usage",
            ),
        ]
        indexes = [
            models.Index(fields=["request", "created_at"], name="packages_request_created_idx"),
            models.Index(fields=["created_at", "id"], name="packages_created_idx"),
        ]

    def __str__(self) -> str:
        """The request by name and the package's use (select_related `request__student`)."""
        return f"{self.request}: {self.sessions_used}/{self.sessions_total} used ({self.status})"

    @property
    def sessions_remaining(self) -> int:
        return self.sessions_total - self.sessions_used
