"""The meeting provider behind scheduling's link hook (scheduling/links.py), chosen by
`TUTORDESK_MEETING_PROVIDER`: `none`, `jitsi` or `google` (docs/meetings.md).

A link typed by hand always wins and is never overwritten. A reschedule's replacement keeps the
original's link: a Jitsi room stays the same room, and a Google event moves to the new time with
the lesson (the same event, patched by the worker) as long as the tutor is the same; a lesson
moved to another tutor gets a new event on that tutor's calendar (the old one is deleted with the
lesson that left), since an event lives on its tutor's calendar.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings

from tutordesk.meetings import services
from tutordesk.meetings.models import LinkState, MeetingLink, Provider
from tutordesk.scheduling.links import NewLink
from tutordesk.scheduling.models import Session

# 24 random characters of [A-Za-z0-9_-]: 144 bits, so nobody finds a room by guessing.
ROOM_NAME_BYTES = 18


def jitsi_link() -> str:
    """A new room on the business's Jitsi server: `https://{domain}/{an unguessable name}`."""
    return f"https://{settings.JITSI_DOMAIN}/Tutordesk-{secrets.token_urlsafe(ROOM_NAME_BYTES)}"


def _carried_link(original: Session) -> MeetingLink | None:
    """The original's link if a provider made it and the original still carries it (or a Google
    link not made yet): what a replacement takes over."""
    row = (
        MeetingLink.objects.filter(pk=original.pk)
        .exclude(state__in=[LinkState.MOVED, LinkState.REMOVED])
        .first()
    )
    if row is None:
        return None
    if original.meet_link is None:
        return row if row.provider == Provider.GOOGLE else None
    return row if original.meet_link == row.link else None


class MeetingLinks:
    """scheduling.links.LinkProvider for Tutordesk's providers."""

    def new_session_link(
        self, *, tutor_id: uuid.UUID, meet_link: str | None, rescheduled_from: Session | None
    ) -> NewLink:
        if rescheduled_from is not None and meet_link == rescheduled_from.meet_link:
            made = _carried_link(rescheduled_from)
            if made is not None and made.provider == Provider.JITSI and made.link:
                room: str = made.link
                return NewLink(meet_link, lambda session: services.meeting_link_track_jitsi(session, room))
            if made is not None and rescheduled_from.tutor_id == tutor_id:
                return NewLink(meet_link, lambda session: services.meeting_link_hand_over(made, session))
            if made is not None:
                meet_link = None  # another tutor: a link of their own, below
        if meet_link is not None:
            return NewLink(meet_link)
        provider = settings.MEETING_PROVIDER
        if provider == Provider.JITSI:
            link = jitsi_link()
            return NewLink(link, lambda session: services.meeting_link_track_jitsi(session, link))
        if provider == Provider.GOOGLE:
            return NewLink(None, services.meeting_link_track_google)
        return NewLink(None)

    def link_cleared(self, session: Session) -> str | None:
        row = MeetingLink.objects.filter(pk=session.pk).first()
        if row is not None and row.state != LinkState.MOVED and row.link and session.meet_link == row.link:
            return row.link  # the provider's own link already: nothing to clear
        provider = settings.MEETING_PROVIDER
        if provider == Provider.JITSI:
            link = jitsi_link()
            services.meeting_link_make_jitsi(session, link)
            return link
        if provider == Provider.GOOGLE:
            services.meeting_link_make_google(session)
        return None
