"""Every write about meeting links.

Three kinds of callers:
- the session's own change (scheduling's creation path and the edit of a link, through the
  provider in providers.py), inside that change's transaction: a new row for a provider's link,
  a Google event handed over to a reschedule's replacement, and the worker's job asked for;
- the worker, after a call to Google (sync.py): what Google now holds of an event, and, once the
  link exists, the lesson's `meet_link` (audited, with a `session.updated` event, as any change of
  a lesson), or, when it gave up, the link marked failed (audited);
- a person: "try again" on a failed link (audited).

Locks follow the product's order (docs/architecture.md): the session first, then its link's row.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from django.db import transaction

from tutordesk.accounts.access import require_staff
from tutordesk.accounts.models import User
from tutordesk.audit.details import FromTo
from tutordesk.audit.services import audit_log_write
from tutordesk.core import clock
from tutordesk.core.db import run_in_transaction
from tutordesk.core.db.rows import insert_rows
from tutordesk.core.errors import NotFound, ValidationError, require
from tutordesk.events.jobs import job_enqueue, job_enqueue_new
from tutordesk.events.models import EventType
from tutordesk.events.services import NewEvent, events_record
from tutordesk.meetings.audit import MeetingLinkFailed, MeetingLinkReady, MeetingLinkRetried
from tutordesk.meetings.models import EventState, LinkState, MeetingLink, Provider
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.selectors import session_is_visible
from tutordesk.scheduling.shapes import session_dict
from tutordesk.scheduling.status import SessionStatus

# The worker's job that keeps one Google Calendar event in step with its lesson (sync.py).
JOB_KIND = "meetings.google_event"


def event_id_for(session_id: uuid.UUID, *, fresh: bool = False) -> str:
    """The Google event id of a session's link: its UUID in hex, which Google's rule for ids
    (base32hex: a–v, 0–9; 5–1024 characters) accepts. Chosen here, not by Google, so an insert
    retried after a lost answer finds its own event (HTTP 409) instead of making a second.
    `fresh`: for a session whose first event went on with a replacement."""
    return session_id.hex + (secrets.token_hex(4) if fresh else "")


def wants_event(link: MeetingLink, session: Session) -> bool:
    """Whether this Google link's event should be on the tutor's calendar: the lesson is on the
    schedule and its link is this one (or none yet: a typed link would have replaced it)."""
    return (
        link.provider == Provider.GOOGLE
        and session.status == SessionStatus.SCHEDULED
        and (session.meet_link is None or session.meet_link == link.link)
    )


# ---------------------------------------------------------------- inside a lesson's change


def meeting_link_track_jitsi(session: Session, link: str) -> None:
    insert_rows([MeetingLink(session=session, provider=Provider.JITSI, link=link, state=LinkState.READY)])


def meeting_link_track_google(session: Session) -> None:
    """A new lesson whose Google link the worker will make: the row says "being prepared"."""
    event_id = event_id_for(session.id)
    insert_rows(
        [MeetingLink(session=session, provider=Provider.GOOGLE, state=LinkState.PREPARING, event_id=event_id)]
    )
    job_enqueue_new(kind=JOB_KIND, key=event_id)


def meeting_link_hand_over(made: MeetingLink, replacement: Session) -> None:
    """A reschedule's replacement carries the original's Google event on: the same event is moved
    to the new time (events.patch), never made again."""
    MeetingLink.objects.filter(pk=made.pk).update(state=LinkState.MOVED, updated_at=clock.now())
    insert_rows(
        [
            MeetingLink(
                session=replacement,
                provider=made.provider,
                link=made.link,
                state=LinkState.READY if made.link else LinkState.PREPARING,
                event_id=made.event_id,
                calendar_id=made.calendar_id,
                event_state=made.event_state,
                event_start=made.event_start,
                event_end=made.event_end,
            )
        ]
    )
    if made.event_id:
        job_enqueue(kind=JOB_KIND, key=made.event_id)


def meeting_link_make_jitsi(session: Session, link: str) -> None:
    """A cleared link on a Jitsi business: a new room (the row is rewritten if there was one)."""
    updated = MeetingLink.objects.filter(pk=session.pk).update(
        provider=Provider.JITSI, link=link, state=LinkState.READY, updated_at=clock.now()
    )
    if not updated:
        meeting_link_track_jitsi(session, link)


def meeting_link_make_google(session: Session) -> None:
    """A cleared link on a Google business: the lesson's event is made (or brought back, if a
    typed link had replaced it) by the worker; until then the link is being prepared."""
    row = MeetingLink.objects.filter(pk=session.pk).first()
    if row is None:
        meeting_link_track_google(session)
        return
    fields: dict[str, object] = {"provider": Provider.GOOGLE, "state": LinkState.PREPARING}
    if row.state == LinkState.MOVED or not row.event_id:
        # Its first event went on with a replacement (or it never had one): a new event.
        fields.update(
            event_id=event_id_for(session.id, fresh=row.state == LinkState.MOVED),
            link=None,
            calendar_id="",
            event_state=EventState.NONE,
            event_start=None,
            event_end=None,
        )
    MeetingLink.objects.filter(pk=session.pk).update(**fields, updated_at=clock.now())
    job_enqueue(kind=JOB_KIND, key=str(fields.get("event_id", row.event_id)))


# ---------------------------------------------------------------- the worker's answers


def live_link(event_id: str) -> MeetingLink | None:
    """The row that holds a Google event now (the latest lesson it followed)."""
    return (
        MeetingLink.objects.filter(event_id=event_id)
        .exclude(state=LinkState.MOVED)
        .select_related("session")
        .first()
    )


def meeting_event_asked(*, event_id: str, calendar_id: str) -> None:
    """Before the first insert: from now on the event may exist (an answer can be lost), so it is
    only ever asked for again under the same id, and deleted if the lesson goes."""
    run_in_transaction(
        lambda: (
            MeetingLink.objects.filter(event_id=event_id, event_state=EventState.NONE)
            .exclude(state=LinkState.MOVED)
            .update(event_state=EventState.ASKED, calendar_id=calendar_id, updated_at=clock.now())
        )
    )


def meeting_event_synced(
    *,
    event_id: str,
    calendar_id: str,
    present: bool,
    start: datetime | None = None,
    end: datetime | None = None,
    link: str | None = None,
) -> bool:
    """What Google holds of the event after the worker's calls, written on the event's live row,
    and the link put on the lesson if it has none yet. Returns False when the lesson changed
    meanwhile in a way the calls did not cover (the job is then run again)."""

    def work() -> bool:
        row = live_link(event_id)
        if row is None:
            return True
        # Lock order: the session, then its link's row.
        session = Session.objects.select_for_update(no_key=True).get(pk=row.session_id)
        locked = (
            MeetingLink.objects.select_for_update(no_key=True)
            .filter(pk=row.pk)
            .exclude(state=LinkState.MOVED)
            .first()
        )
        if locked is None:
            return False  # handed over to a replacement meanwhile
        row = locked
        new_link = link or row.link
        want = wants_event(row, session)
        state = (LinkState.READY if new_link else LinkState.PREPARING) if want else LinkState.REMOVED
        MeetingLink.objects.filter(pk=row.pk).update(
            calendar_id=calendar_id,
            event_state=(
                EventState.PRESENT
                if present
                else EventState.NONE
                if row.event_state == EventState.NONE
                else EventState.DELETED
            ),
            event_start=start if present else None,
            event_end=end if present else None,
            link=new_link,
            state=state,
            updated_at=clock.now(),
        )
        if present and want and new_link and session.meet_link is None:
            _put_link_on(session, provider=row.provider, link=new_link, event_id=event_id)
        in_step = present == want and (
            not present
            or (start == session.scheduled_start_at and end == session.scheduled_end_at and bool(new_link))
        )
        return in_step

    return run_in_transaction(work)


def _put_link_on(session: Session, *, provider: str, link: str, event_id: str | None) -> None:
    updated = Session.objects.filter(
        pk=session.pk, meet_link__isnull=True, status=SessionStatus.SCHEDULED
    ).update(meet_link=link, updated_at=clock.now())
    if not updated:
        return
    session.meet_link, session.updated_at = link, clock.now()
    audit_log_write(
        actor=None,
        entity_id=session.id,
        details=MeetingLinkReady(provider=provider, link=link, event_id=event_id),
    )
    change = FromTo(before=None, after=link).model_dump(mode="json")
    events_record(
        changes=[
            NewEvent(
                EventType.SESSION_UPDATED,
                {"session": session_dict(session), "changes": {"meet_link": change}},
            )
        ]
    )


def meeting_link_failed(*, event_id: str, error: str) -> None:
    """The worker gave up on the event (in the transaction that marks its job failed): while the
    lesson is on the schedule without a link, the page says the link could not be made."""
    row = live_link(event_id)
    if row is None or row.state in (LinkState.FAILED, LinkState.REMOVED):
        return
    MeetingLink.objects.filter(pk=row.pk).update(state=LinkState.FAILED, updated_at=clock.now())
    audit_log_write(
        actor=None,
        entity_id=row.session_id,
        details=MeetingLinkFailed(provider=row.provider, error=error[:500], event_id=event_id),
    )


# ---------------------------------------------------------------- a person


@transaction.atomic(savepoint=False)
def meeting_link_retry(*, session_id: uuid.UUID | str, actor: User, error_before: str = "") -> MeetingLink:
    """ "Try again" on a link that could not be made (the session's tutor, or an admin): the
    worker's job starts afresh, its attempts from zero."""
    require_staff(actor, "ask for a meeting link again")
    try:
        session = Session.objects.select_for_update(no_key=True).get(pk=session_id)
    except (Session.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such session") from exc
    require(actor.is_admin or session_is_visible(session, actor), NotFound, "No such session")
    row = MeetingLink.objects.select_for_update(no_key=True).filter(pk=session.pk).first()
    require(
        row is not None and row.state == LinkState.FAILED and row.event_id is not None,
        ValidationError,
        "Only a meeting link that could not be made can be tried again",
        field="meet_link",
        reason="meeting_link_not_failed",
    )
    assert row is not None and row.event_id is not None
    row.state = LinkState.READY if row.link else LinkState.PREPARING
    MeetingLink.objects.filter(pk=row.pk).update(state=row.state, updated_at=clock.now())
    job_enqueue(kind=JOB_KIND, key=row.event_id)
    audit_log_write(
        actor=actor,
        entity_id=session.id,
        details=MeetingLinkRetried(
            provider=row.provider, event_id=row.event_id, error_before=error_before[:500]
        ),
    )
    return row
