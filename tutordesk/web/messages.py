"""The pages' words for every error code (core.errors): one map, read by code, never by text.

A validation error may carry a `reason` (a stable sub-code set by the service) for a message of
its own; without one, its detail is already written in plain words by the service.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from tutordesk.core.errors import DomainError
from tutordesk.scheduling.status import SESSION_STATUS_LABELS

MESSAGES: dict[str, str] = {
    "not_authenticated": "Your login has expired. Log in again and retry.",
    "forbidden": "Your role cannot make this change.",
    "not_found": "This is no longer available to you. Reload the page.",
    "invalid_transition": "This session already has an outcome, so it cannot be changed here.",
    "session_not_started": "This session hasn't started yet. You can record an outcome once it has.",
    "no_active_package": "This student has no sessions left — ask an admin to add a package.",
    "tutor_double_booked": "The tutor already has another session at that time. Pick a different time.",
    "request_already_matched": "This request already has a tutor. End that match or reassign it instead.",
    "match_not_active": "This match has already ended. Reload the page.",
    "idempotency_key_in_use": "This change is still being saved. Reload the page in a moment.",
    "idempotency_key_reused": "This form was already used for a different change. Reload the page and try again.",
    "cancellation_too_late": "It is too late to cancel this lesson here.",
    # People (CONTRACT §11).
    "email_taken": "Someone already uses this email address (emails ignore case).",
    "has_upcoming_sessions": "This tutor still has upcoming lessons. Reassign or cancel them first.",
    "service_unavailable": "Tutordesk cannot reach its database right now; nothing was changed. Try again shortly.",
}

REASONS: dict[str, str] = {
    "not_in_future": "The new time must be in the future.",
    "in_past": "That time is in the past. Pick a time from now on (an admin can record a past lesson).",
    "only_with_rescheduled": "A new time goes only with a reschedule.",
    "match_ended": "This match has ended, so no sessions can be added to it. Ask an admin to set up a new one.",
    "meeting_link_not_failed": "Only a meeting link that could not be made can be tried again; reload the page.",
}


def error_message(error: DomainError) -> str:
    """Plain words for a refusal, chosen by its code (and reason), never by its text."""
    reason = error.context.get("reason")
    if isinstance(reason, str) and reason in REASONS:
        return REASONS[reason]
    if error.code == "tutor_double_booked" and error.context.get("conflicting_start_at"):
        return double_booked_message(error.context["conflicting_start_at"])
    if error.code == "invalid_transition" and error.context.get("current_status") in SESSION_STATUS_LABELS:
        label = SESSION_STATUS_LABELS[error.context["current_status"]]
        return f"This session is already {label}, so that change is not possible."
    if error.code == "validation_error":
        return error.detail if error.detail.endswith(".") else f"{error.detail}."
    return MESSAGES.get(error.code, error.detail)


def double_booked_message(conflicting_start_at: str) -> str:
    """Names the clashing session in the viewer's time zone (the active one while rendering)."""
    start = timezone.localtime(datetime.fromisoformat(conflicting_start_at))
    return (
        f"The tutor already has a session at {start:%a %-d %b %Y, %H:%M} {start:%Z}. Pick a different time."
    )
