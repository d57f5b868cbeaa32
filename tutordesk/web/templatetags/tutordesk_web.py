"""The session status badge: the one place a status becomes a label and colour classes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

from django import template
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tutordesk.core import clock
from tutordesk.scheduling.status import SESSION_STATUS_COLOURS, SESSION_STATUS_LABELS, SessionStatus
from tutordesk.web.forms import PICKER_TYPES, as_printed

register = template.Library()

BADGE_BASE = "inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold whitespace-nowrap"


@register.simple_tag
def session_badge(status: object, hook: bool = True) -> SafeString:
    """`{% session_badge session %}` or `{% session_badge "done" %}`. `hook=False` draws the same
    badge without the `data-status` hook (a past status in a timeline, not the session's own)."""
    value = str(getattr(status, "status", status))
    label = SESSION_STATUS_LABELS.get(value, value)
    colours = SESSION_STATUS_COLOURS.get(value, "bg-gray-100 text-gray-800")
    if not hook:
        return format_html(
            '<span class="{} {}" data-status-label="{}">{}</span>', BADGE_BASE, colours, value, label
        )
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
        and start <= clock.now()
    )


@register.simple_tag
def one_time_key() -> str:
    """A fresh idempotency key for one form: a retry of that form replays its first answer."""
    return str(uuid.uuid4())


@register.filter
def any_awaiting(sessions: Iterable[object]) -> bool:
    """Whether any of these sessions waits for an outcome (so the list offers bulk marking)."""
    return any(awaits_outcome(s) for s in sessions)


@register.simple_tag(takes_context=True)
def cursor_url(context: template.Context, param: str, cursor: str | None = None) -> str:
    """The current URL with one list's cursor set (or dropped, for its first page), keeping the
    filters and the other lists' cursors."""
    request = context["request"]
    params = request.GET.copy()
    if cursor:
        params[param] = cursor
    else:
        params.pop(param, None)
    query = params.urlencode()
    return f"?{query}" if query else request.path


@register.simple_tag
def status_choices() -> list[tuple[str, str]]:
    return list(SESSION_STATUS_LABELS.items())


@register.filter
def minutes_text(value: timedelta) -> str:
    minutes = max(1, round(value.total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


@register.filter
def is_picker(field: BoundField) -> bool:
    """A date or date-and-time field, shown with the browser's picker."""
    return getattr(field.field.widget, "input_type", None) in PICKER_TYPES


@register.filter
def printed(field: BoundField) -> str:
    """The date or time in a form's field as the pages print it ("" when empty or not a date)."""
    value = field.value()
    if isinstance(value, str):
        try:
            value = field.field.to_python(value)
        except ValidationError:
            return ""
    return as_printed(value)
