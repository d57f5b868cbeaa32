"""The session status badge: the one place a status becomes a label and colour classes."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tutordesk.scheduling.status import SESSION_STATUS_COLOURS, SESSION_STATUS_LABELS, SessionStatus

register = template.Library()

BADGE_BASE = "inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold whitespace-nowrap"


@register.simple_tag
def session_badge(status: object) -> SafeString:
    """`{% session_badge session %}` or `{% session_badge "done" %}`."""
    value = str(getattr(status, "status", status))
    label = SESSION_STATUS_LABELS.get(value, value)
    colours = SESSION_STATUS_COLOURS.get(value, "bg-gray-100 text-gray-800")
    return format_html(
        '<span class="{} {}" data-status="{}" data-badge>{}</span>', BADGE_BASE, colours, value, label
    )


@register.filter
def awaits_outcome(session: object) -> bool:
    """A session that has started but is still `scheduled`: its badge says Upcoming (the contract's
    label), so the row says plainly that it waits for an outcome."""
    start = getattr(session, "scheduled_start_at", None)
    return (
        getattr(session, "status", None) == SessionStatus.SCHEDULED
        and start is not None
        and start <= timezone.now()
    )


AUDIT_ACTION_LABELS = {
    "session_status_updated": "Status recorded",
    "session_status_corrected": "Status corrected",
    "session_created": "Session scheduled",
    "package_created": "Package added",
    "request_created": "Request added",
    "match_created": "Tutor matched",
}


@register.filter
def action_label(action: str) -> str:
    """An audit action in words; the code itself stays in the CSV export and the filter's value."""
    return AUDIT_ACTION_LABELS.get(action, action.replace("_", " ").capitalize())


@register.simple_tag
def one_time_key() -> str:
    """A fresh idempotency key for one form: a retry of that form replays its first answer."""
    return str(uuid.uuid4())


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, param: str, number: int) -> str:
    """The current URL's query string with one page parameter changed, keeping the filters."""
    params = context["request"].GET.copy()
    params[param] = str(number)
    return f"?{params.urlencode()}"


@register.simple_tag
def status_choices() -> list[tuple[str, str]]:
    return list(SESSION_STATUS_LABELS.items())


@register.filter
def minutes_text(value: timedelta) -> str:
    minutes = max(1, round(value.total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
