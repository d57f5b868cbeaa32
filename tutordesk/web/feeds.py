"""The calendar feed itself: `/calendar/<token>.ics`, no login (the secret token is the key)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from tutordesk.calendars.ics import feed_chunks
from tutordesk.calendars.selectors import calendar_feed_owner, calendar_feed_sessions
from tutordesk.core import clock
from tutordesk.scheduling.models import Session


@require_GET
def calendar_feed_ics(request: HttpRequest, token: str) -> StreamingHttpResponse:
    """The feed: the link's owner's sessions from 60 days back on. An unknown, replaced or
    turned-off link is a plain 404."""
    user = calendar_feed_owner(token)
    if user is None:
        raise Http404("No such calendar")
    sessions = calendar_feed_sessions(user, now=clock.now()).iterator(chunk_size=1000)

    def page_url(session: Session) -> str:
        return request.build_absolute_uri(f"/sessions/{session.id}/")

    response = StreamingHttpResponse(
        feed_chunks(viewer=user, sessions=sessions, page_url=page_url),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="tutordesk.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
