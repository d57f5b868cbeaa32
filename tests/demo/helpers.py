"""Seeding for the demo's tests, and what "the same data" means when comparing two seeds."""

from __future__ import annotations

from django.core.management import call_command

from tutordesk.accounts.models import User
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest


def seed(tutors: int = 3, students: int = 6, sessions_per_match: int = 8, *args: str) -> None:
    call_command(
        "seed_demo",
        "--tutors",
        str(tutors),
        "--students",
        str(students),
        "--sessions-per-match",
        str(sessions_per_match),
        *args,
        verbosity=0,
    )


def every_row() -> dict[str, list[tuple]]:
    """Every demo row, ids included; not the times the services stamp with the clock
    (`created_at`, `updated_at`), which the contract lets differ between two runs."""
    return {
        "users": sorted(User.objects.values_list("id", "email", "name", "role", "timezone", "password")),
        "requests": sorted(TutoringRequest.objects.values_list("id", "student_id", "subject", "status")),
        "matches": sorted(Match.objects.values_list("id", "request_id", "tutor_id", "status")),
        "packages": sorted(
            Package.objects.values_list("id", "request_id", "sessions_total", "sessions_used", "status")
        ),
        "sessions": sorted(
            Session.objects.values_list(
                "id",
                "match_id",
                "request_id",
                "tutor_id",
                "student_id",
                "scheduled_start_at",
                "duration_minutes",
                "meet_link",
                "status",
                "tutor_notes",
                "package_id",
                "rescheduled_from_id",
                "updated_by_id",
            )
        ),
        "audit_logs": sorted(
            (*row[:-1], repr(row[-1]))
            for row in AuditLog.objects.values_list(
                "id", "actor_id", "action", "entity_type", "entity_id", "details"
            )
        ),
    }
