"""Every shape of audit details ever written still reads, in words, on the audit log and on a
session's timeline. Audit rows are append-only and live forever: a row written by the first
version of Tutordesk is rendered by every later one.

HISTORIC holds, per action, the `details` exactly as some version wrote them (oldest shapes
included). A new action, or a new field, adds a row here; a row here is never changed.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from tutordesk.audit.details import UnreadableDetails, details_of, read_details, shapes
from tutordesk.audit.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

U1, U2, U3 = (str(uuid.UUID(int=n)) for n in (1, 2, 3))

HISTORIC: dict[str, list[dict[str, object]]] = {
    "session_created": [
        {
            "match_id": U1,
            "scheduled_start_at": "2026-11-23T15:00:00+00:00",
            "duration_minutes": 60,
            "meet_link": "https://meet.example.com/abc",
        },
        {
            "match_id": U1,
            "scheduled_start_at": "2026-11-23T15:00:00+00:00",
            "duration_minutes": 45,
            "meet_link": None,
        },
    ],
    "session_status_updated": [
        {
            "from_status": "scheduled",
            "status": "done",
            "tutor_notes": "Went well",
            "package_id": U2,
            "sessions_used_after": 3,
            "replacement_session_id": None,
            "new_start_at": None,
        },
        {
            "from_status": "scheduled",
            "status": "rescheduled",
            "tutor_notes": "",
            "package_id": None,
            "sessions_used_after": None,
            "replacement_session_id": U3,
            "new_start_at": "2026-12-01T09:30:00+00:00",
        },
        # The shape of the first version, before notes were always stored.
        {
            "from_status": "scheduled",
            "status": "no_show_tutor",
            "package_id": None,
            "sessions_used_after": None,
        },
    ],
    "session_status_corrected": [
        {
            "from_status": "done",
            "status": "no_show_tutor",
            "reason": "Tutor was ill",
            "package_id": U2,
            "sessions_used_after": 2,
        },
        {
            "from_status": "done",
            "status": "no_show_student",
            "reason": "Mixed up",
            "package_id": None,
            "sessions_used_after": None,
        },
    ],
    "package_created": [{"request_id": U1, "sessions_total": 10}],
    "request_created": [{"student_id": U1, "subject": "Chemistry (A-level)"}],
    "match_created": [
        {"request_id": U1, "tutor_id": U2},
        {
            "request_id": U1,
            "tutor_id": U2,
            "replaces_match_id": U3,
            "replaces_tutor_id": U1,
            "reason": "Tutor moved away",
        },
    ],
    "match_ended": [
        {"request_id": U1, "tutor_id": U2, "status": "ended"},
        {
            "request_id": U1,
            "tutor_id": U2,
            "status": "ended",
            "reason": "Student finished the course",
            "sessions_taken_off": 3,
        },
    ],
    "session_match_ended": [
        {
            "from_status": "scheduled",
            "status": "rescheduled",
            "package_id": None,
            "sessions_used_after": None,
            "match_id": U1,
            "reason": "Student finished the course",
        }
    ],
    "session_reassigned": [
        {
            "from_status": "scheduled",
            "status": "rescheduled",
            "package_id": None,
            "sessions_used_after": None,
            "from_tutor_id": U1,
            "tutor_id": U2,
            "match_id": U3,
            "replacement_session_id": U3,
            "reason": "Tutor moved away",
        }
    ],
    "user_created": [
        {
            "email": "ana@example.test",
            "name": "Ana",
            "role": "tutor",
            "timezone": "Europe/Berlin",
            "is_active": True,
        }
    ],
    "user_updated": [
        {"changes": {"name": {"old": "Ana", "new": "Ana B."}}},
        {"changes": {}, "password_changed": True},
    ],
    "api_token_created": [{"user_id": U1, "name": "", "prefix": "td_abcdefg"}],
    "api_token_revoked": [{"user_id": U1, "prefix": "td_abcdefg"}],
    "webhook_endpoint_created": [
        {
            "url": "https://hooks.example.com/td",
            "events": ["session.created"],
            "description": "",
            "enabled": True,
        }
    ],
    "webhook_endpoint_updated": [
        {"url": "https://hooks.example.com/td", "changes": {"enabled": {"from": True, "to": False}}}
    ],
    "webhook_endpoint_deleted": [
        {"url": "https://hooks.example.com/td", "events": ["session.created"], "description": "CRM"}
    ],
    "webhook_secret_rotated": [
        {"url": "https://hooks.example.com/td", "previous_secret_expires_at": "2026-11-25T10:00:00+00:00"}
    ],
    "webhook_delivery_resent": [
        {"endpoint_id": U1, "event_id": U2, "from_state": "failed", "attempts_before": 9}
    ],
    "notification_preference_changed": [
        {"outcome_emails": {"from": True, "to": False}},
        {"reminder_emails": {"from": True, "to": False}, "nudge_emails": {"from": False, "to": True}},
        {"booking_emails": {"from": True, "to": False}, "charge_emails": {"from": True, "to": False}},
    ],
    "calendar_feed_issued": [
        {"user_id": U1, "replaced_earlier_link": False},
        {"user_id": U1, "replaced_earlier_link": True},
    ],
    "calendar_feed_revoked": [{"user_id": U1}],
    "session_cancelled": [
        {
            "from_status": "scheduled",
            "status": "rescheduled",
            "cancelled_by": U1,
            "cancelled_by_role": "guardian",
            "reason": "Exam week",
            "notice_hours": 30.5,
        },
        {
            "from_status": "scheduled",
            "status": "rescheduled",
            "cancelled_by": U1,
            "cancelled_by_role": "tutor",
            "reason": "Ill",
            "notice_hours": 1.0,
        },
    ],
    "session_details_updated": [
        {"changes": {"duration_minutes": {"from": 60, "to": 90}}},
        {"changes": {"meet_link": {"from": None, "to": "https://meet.example.com/abc"}}},
        {
            "changes": {
                "duration_minutes": {"from": 90, "to": 45},
                "meet_link": {"from": "https://meet.example.com/abc", "to": None},
            }
        },
    ],
    "meeting_link_ready": [
        {
            "provider": "google",
            "link": "https://meet.google.com/abc-defg-hij",
            "event_id": U1.replace("-", ""),
        }
    ],
    "meeting_link_failed": [
        {
            "provider": "google",
            "error": "Google answered HTTP 503: Backend Error",
            "event_id": U1.replace("-", ""),
        }
    ],
    "user_invited": [
        {
            "email": "gwen@example.test",
            "name": "Gwen",
            "role": "guardian",
            "timezone": "Europe/London",
            "student_ids": [U1],
            "invitation_sent": True,
        },
        {
            "email": "ana@example.test",
            "name": "Ana",
            "role": "tutor",
            "timezone": "UTC",
            "student_ids": [],
            "invitation_sent": False,
        },
    ],
    "user_deactivated": [{"email": "ana@example.test"}],
    "user_reactivated": [{"email": "ana@example.test"}],
    "guardian_students_set": [{"added": [U1], "removed": [U2]}, {"added": [], "removed": []}],
    "password_set": [{"via": "link"}, {"via": "settings"}],
    "password_reset_requested": [{"sent": True}, {"sent": False}],
    "meeting_link_retried": [
        {"provider": "google", "event_id": U1.replace("-", ""), "error_before": "Google answered HTTP 503"}
    ],
    # Recurring lessons (CONTRACT §12).
    "series_created": [
        {
            "match_id": U1,
            "rrule": "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH;COUNT=10",
            "timezone": "Europe/Berlin",
            "start_at": "2027-03-22T15:00:00+00:00",
            "duration_minutes": 60,
            "sessions": 10,
            "meet_link": None,
            "replaces_series_id": None,
        },
        {
            "match_id": U1,
            "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270630T235959",
            "timezone": "America/New_York",
            "start_at": "2027-04-06T21:00:00+00:00",
            "duration_minutes": 45,
            "sessions": 7,
            "meet_link": "https://meet.example.com/abc",
            "replaces_series_id": U2,
        },
    ],
    "series_ended": [{"from_at": "2027-04-05T14:00:00+00:00", "reason": "Term ends early", "ended": 3}],
    "session_series_ended": [
        {"series_id": U1, "from_status": "scheduled", "status": "rescheduled", "reason": "Term ends early"}
    ],
    # Import and enrolment (onboarding)
    "import_completed": [
        {"sha256": "ab" * 32, "rows": 3, "users": 5, "requests": 3, "matches": 3, "packages": 3}
    ],
    "guardian_link_added": [{"guardian_id": U1, "student_id": U2}],
}


def test_every_action_has_a_shape_and_a_historic_row():
    assert set(shapes()) == set(AuditAction.values)
    assert set(HISTORIC) == set(AuditAction.values)


@pytest.mark.parametrize(
    ("action", "details"), [(action, d) for action, rows in HISTORIC.items() for d in rows]
)
def test_every_historic_row_reads_into_its_shape_and_says_itself_in_words(action, details):
    shape = shapes()[action]
    read = read_details(action, details)
    assert type(read) is shape
    assert read.words(_no_names()).strip()
    # Written back, it is the same JSON (shapes only grow: nothing is lost on the way).
    assert {k: v for k, v in read.as_json().items() if k in details} == details


def test_a_row_no_shape_can_read_keeps_its_raw_json():
    read = read_details("session_status_updated", {"from_status": ["not", "a", "status"]})
    assert isinstance(read, UnreadableDetails) and read.raw == {"from_status": ["not", "a", "status"]}
    unknown = read_details("a_later_action", {"x": 1})
    assert isinstance(unknown, UnreadableDetails) and unknown.raw == {"x": 1}


def test_the_audit_log_and_the_timeline_render_every_historic_row(admin, past_session):
    rows = [
        AuditLog.objects.create(
            action=action,
            entity_type=shapes()[action].entity,
            entity_id=past_session.id if action.startswith("session_") else uuid.uuid4(),
            details=details,
        )
        for action, shaped in HISTORIC.items()
        for details in shaped
    ]
    broken = AuditLog.objects.create(
        action="session_status_corrected",
        entity_type="session",
        entity_id=past_session.id,
        details={"from_status": 7},
    )
    client = Client()
    client.force_login(admin)

    # More rows than one page holds: each action's rows are read on a page filtered to it.
    pages = {action: client.get("/audit/", {"action": action}).content.decode() for action in HISTORIC}
    audit_page = client.get("/audit/").content.decode()
    for row in rows:
        words = details_of(row).words(_no_names())
        assert f'data-audit-id="{row.id}"' in pages[row.action]
        assert "data-audit-words" in pages[row.action]
        assert _escaped(words.split(" (")[0]) in pages[row.action], words
    assert f'data-audit-id="{broken.id}"' in audit_page

    timeline = client.get(f"/sessions/{past_session.id}/").content.decode()
    session_rows = [r for r in rows if r.entity_id == past_session.id]
    assert timeline.count("data-timeline-entry=") >= len(session_rows) + 1  # + the session's own creation
    assert "Tutor was ill" in timeline


def _no_names():
    from tutordesk.audit.details import Names

    return Names()


def _escaped(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


def test_the_audit_log_documentation_lists_every_action_with_its_fields():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "audit-log.md").read_text()
    for action, shape in shapes().items():
        line = next((row for row in doc.splitlines() if row.startswith(f"| `{action}` |")), None)
        assert line is not None, f"docs/audit-log.md does not list {action}"
        for field in shape.model_fields:
            assert f"`{field}`" in line, f"docs/audit-log.md: {action} lacks {field}"
