"""`TUTORDESK_MEETING_PROVIDER=jitsi` and `none` (CONTRACT §13): a Jitsi room is made in the
booking's own transaction, with no network; a typed link always wins; a replacement keeps its
original's link; `meet_link: null` lets the provider make one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import MEET_LINK, make_session
from tests.helpers import update_status
from tests.meetings.conftest import atomic
from tutordesk.audit.models import AuditLog
from tutordesk.core.errors import ValidationError
from tutordesk.events.models import Job
from tutordesk.meetings.models import LinkState, MeetingLink
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import session_create, session_update_details

pytestmark = pytest.mark.django_db
ROOM = re.compile(r"^https://meet\.jit\.si/Tutordesk-[A-Za-z0-9_-]{24}$")


def soon(hours: int = 24):
    return timezone.now() + timedelta(hours=hours)


def test_a_new_lesson_gets_an_unguessable_jitsi_room_in_its_own_transaction(
    jitsi, match, package, nothing_leaves_the_machine
):
    first = make_session(match=match, scheduled_start_at=soon(), meet_link=None)
    second = make_session(match=match, scheduled_start_at=soon(48), meet_link=None)
    assert ROOM.match(first.meet_link) and ROOM.match(second.meet_link)
    assert first.meet_link != second.meet_link
    assert Session.objects.get(pk=first.pk).meet_link == first.meet_link
    link = MeetingLink.objects.get(session_id=first.pk)
    assert (link.provider, link.state, link.link) == ("jitsi", LinkState.READY, first.meet_link)
    assert (
        AuditLog.objects.get(action="session_created", entity_id=first.id).details["meet_link"]
        == first.meet_link
    )
    assert not Job.objects.exists()
    assert nothing_leaves_the_machine == []  # no network at all


def test_the_jitsi_domain_is_the_businesss_own(jitsi, settings, match, package):
    settings.JITSI_DOMAIN = "video.school.example"
    session = make_session(match=match, scheduled_start_at=soon(), meet_link=None)
    assert session.meet_link.startswith("https://video.school.example/Tutordesk-")


def test_a_typed_link_always_wins(jitsi, match, package):
    session = make_session(match=match, scheduled_start_at=soon(), meet_link=MEET_LINK)
    assert session.meet_link == MEET_LINK
    assert not MeetingLink.objects.exists()


def test_a_replacement_keeps_the_same_room(jitsi, match, package, tutor):
    session = make_session(match=match, scheduled_start_at=soon(), meet_link=None)
    change = update_status(session_id=session.id, status="rescheduled", new_start_at=soon(72), actor=tutor)
    assert change.replacement_session.meet_link == session.meet_link
    assert MeetingLink.objects.get(session_id=change.replacement_session.pk).link == session.meet_link


def test_a_cleared_typed_link_gets_a_room_and_a_cleared_room_stays(jitsi, match, package, tutor):
    session = make_session(match=match, scheduled_start_at=soon(), meet_link=MEET_LINK)
    cleared = atomic(session_update_details, session_id=session.id, meet_link=None, actor=tutor)
    assert ROOM.match(cleared.meet_link)
    again = atomic(session_update_details, session_id=session.id, meet_link=None, actor=tutor)
    assert again.meet_link == cleared.meet_link  # the provider's own link: nothing to clear
    assert AuditLog.objects.filter(action="session_details_updated").count() == 1


def test_without_a_provider_links_are_typed_by_hand(settings, match, package, tutor):
    settings.MEETING_PROVIDER = "none"
    session = make_session(match=match, scheduled_start_at=soon(), meet_link=None)
    assert session.meet_link is None
    typed = make_session(match=match, scheduled_start_at=soon(48))
    cleared = atomic(session_update_details, session_id=typed.id, meet_link=None, actor=tutor)
    assert cleared.meet_link is None
    assert not MeetingLink.objects.exists()


def test_a_bad_typed_link_is_refused_before_any_room_is_made(jitsi, match, package, admin):
    with pytest.raises(ValidationError), transaction.atomic():
        session_create(
            match_id=match.id,
            scheduled_start_at=soon(),
            duration_minutes=60,
            meet_link="http://not-https.example.com",
            actor=admin,
        )
    assert not MeetingLink.objects.exists() and not Session.objects.exists()
