from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from tutordesk.core.clock import CreatedAtField, UpdatedAtField
from tutordesk.core.ids import new_id
from tutordesk.scheduling.status import SESSION_STATUS_LABELS, SessionStatus

MIN_DURATION_MINUTES = 15
MAX_DURATION_MINUTES = 240


class Series(models.Model):
    """A term of weekly lessons of one match (CONTRACT §12): the rule they were made from.

    Every occurrence is a real `Session` pointing here (`Session.series`); the rule (`rrule`, RFC
    5545, read from `start_at`'s wall-clock time in `timezone`) says how they were laid out, the
    sessions say what became of each. `ended_at` is set when the series is ended from some date;
    `replaces` links a "change this and following" to the series it continues.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    match = models.ForeignKey("tutoring.Match", on_delete=models.PROTECT, related_name="series")
    start_at = models.DateTimeField()
    rrule = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64)
    duration_minutes = models.PositiveSmallIntegerField()
    meet_link = models.URLField(max_length=500, null=True, blank=True)  # noqa: DJ001 (as Session's)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = CreatedAtField()
    ended_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="continued_by"
    )

    class Meta:
        db_table = "series"
        verbose_name_plural = "series"
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=MIN_DURATION_MINUTES)
                & Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                name="series_duration_15_to_240",
            ),
        ]

    def __str__(self) -> str:
        return f"series {self.id} ({self.rrule})"


class Session(models.Model):
    """One lesson of a match.

    `request`, `tutor` and `student` are copied from the match when the session is created
    (a match never changes its request or tutor), so the hot paths read one row and one index.
    `status` and `package` only move through scheduling.services.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    match = models.ForeignKey("tutoring.Match", on_delete=models.PROTECT, related_name="sessions")
    request = models.ForeignKey("tutoring.TutoringRequest", on_delete=models.PROTECT, related_name="sessions")
    # No index of their own: the composite indexes in Meta lead with them, and every index is
    # rewritten when a status changes (the hot write), so a redundant one costs every write.
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tutor_sessions", db_index=False
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="student_sessions", db_index=False
    )
    scheduled_start_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    meet_link = models.URLField(max_length=500, null=True, blank=True)  # noqa: DJ001 (the contract says null)
    status = models.CharField(max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    tutor_notes = models.TextField(blank=True, default="")
    package = models.ForeignKey(
        "tutoring.Package",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        db_index=False,  # sessions_package_status_idx leads with it
    )
    rescheduled_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replacements"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_column="updated_by_user_id",
    )
    created_at = CreatedAtField()
    updated_at = UpdatedAtField()
    # The series this lesson is an occurrence of (None: a lone lesson); a replacement keeps it.
    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )

    class Meta:
        db_table = "sessions"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=list(SESSION_STATUS_LABELS)), name="sessions_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=MIN_DURATION_MINUTES)
                & Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                name="sessions_duration_15_to_240",
            ),
            models.CheckConstraint(
                condition=Q(meet_link__isnull=True) | Q(meet_link__startswith="https://"),
                name="sessions_meet_link_https",
            ),
        ]
        indexes = [
            models.Index(fields=["tutor", "scheduled_start_at", "id"], name="sessions_tutor_start_idx"),
            models.Index(fields=["student", "scheduled_start_at", "id"], name="sessions_student_start_idx"),
            models.Index(fields=["status", "scheduled_start_at", "id"], name="sessions_status_start_idx"),
            models.Index(fields=["scheduled_start_at", "id"], name="sessions_start_idx"),
            models.Index(fields=["package", "status"], name="sessions_package_status_idx"),
            # A tutor's sessions still to happen or awaiting an outcome, and those recorded: each
            # of the tutor's lists reads only its own rows, however long the tutor's history.
            models.Index(
                fields=["tutor", "scheduled_start_at", "id"],
                condition=Q(status="scheduled"),
                name="sessions_tutor_open_idx",
            ),
            models.Index(
                fields=["tutor", "scheduled_start_at", "id"],
                condition=~Q(status="scheduled"),
                name="sessions_tutor_recorded_idx",
            ),
        ]

    def __str__(self) -> str:
        """The lesson by subject, people and time (select_related `request`, `student`, `tutor`)."""
        return (
            f"{self.request.subject} for {self.student.name} with {self.tutor.name}, "
            f"{self.scheduled_start_at:%Y-%m-%d %H:%M} UTC ({self.status})"
        )

    @property
    def scheduled_end_at(self) -> datetime:
        return self.scheduled_start_at + timedelta(minutes=self.duration_minutes)

    @property
    def status_label(self) -> str:
        return SESSION_STATUS_LABELS[self.status]
