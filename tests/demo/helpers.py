"""Seeding for the demo's tests, and what "the same data" means when comparing two seeds."""

from __future__ import annotations

from django.core.management import call_command

from tutordesk.accounts.models import Guardianship, User
from tutordesk.audit.models import AuditLog
from tutordesk.events.models import Event
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
    """Every demo row, ids and times included: the story runs each service call at its instant in
    the story (core.clock), drawn from the seed and the day, so even `created_at` and `updated_at`
    are the same for the same seed on the same day."""
    return {
        "users": sorted(
            User.objects.values_list("id", "email", "name", "role", "timezone", "password", "date_joined")
        ),
        "guardianships": sorted(
            Guardianship.objects.values_list("id", "guardian_id", "student_id", "created_at")
        ),
        "requests": sorted(
            TutoringRequest.objects.values_list("id", "student_id", "subject", "status", "created_at")
        ),
        "matches": sorted(Match.objects.values_list("id", "request_id", "tutor_id", "status", "created_at")),
        "packages": sorted(
            Package.objects.values_list(
                "id", "request_id", "sessions_total", "sessions_used", "status", "created_at", "updated_at"
            )
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
                "created_at",
                "updated_at",
            )
        ),
        "audit_logs": sorted(
            (*row[:-1], repr(row[-1]))
            for row in AuditLog.objects.values_list(
                "id", "created_at", "actor_id", "action", "entity_type", "entity_id", "details"
            )
        ),
        "events": sorted(
            (*row[:-1], repr(row[-1]))
            for row in Event.objects.values_list("id", "type", "created_at", "data")
        ),
    }
