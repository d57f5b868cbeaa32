"""Each change writes its events in its own transaction, beside the audit row (CONTRACT §10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_package, make_session
from tests.helpers import correct_status, snapshot, update_status
from tutordesk.core.errors import NoActivePackage
from tutordesk.events.models import Event
from tutordesk.scheduling.services import session_update_status
from tutordesk.scheduling.shapes import session_dict
from tutordesk.tutoring.shapes import package_dict

pytestmark = pytest.mark.django_db


def events_since(mark):
    return list(Event.objects.filter(created_at__gte=mark).order_by("created_at", "type"))


def test_it_records_session_created_with_the_session(match):
    session = make_session(match=match)
    event = Event.objects.get(type="session.created")
    assert event.data == {"session": session_dict(session)}


def test_it_records_package_created_with_the_package_and_its_request(match):
    package = make_package(request=match.request, sessions_total=10)
    event = Event.objects.get(type="package.created")
    assert event.data == {
        "package": package_dict(package),
        "request_id": str(match.request_id),
        "student_id": str(match.request.student_id),
    }


def test_it_records_a_status_update_with_the_package_it_charged(tutor, past_session):
    mark = timezone.now()
    change = update_status(session_id=past_session.id, status="done", actor=tutor, tutor_notes="Good work")
    [event] = events_since(mark)
    assert event.type == "session.status_updated"
    assert event.data["session"]["status"] == "done"
    assert event.data["session"]["tutor_notes"] == "Good work"
    assert event.data["package"] == package_dict(change.package)
    assert event.data["package"]["sessions_used"] == 1
    assert event.data["replacement_session"] is None


def test_it_records_a_reschedule_and_the_replacement_it_created(tutor, past_session):
    mark = timezone.now()
    new_start = timezone.now() + timedelta(days=3)
    change = update_status(
        session_id=past_session.id, status="rescheduled", actor=tutor, new_start_at=new_start
    )
    events = {e.type: e for e in events_since(mark)}
    assert set(events) == {"session.status_updated", "session.created"}
    assert events["session.status_updated"].data["package"] is None
    replacement = session_dict(change.replacement_session)
    assert events["session.status_updated"].data["replacement_session"] == replacement
    assert events["session.created"].data == {"session": replacement}


def test_it_records_a_correction_with_the_package_it_refunded(tutor, admin, past_session):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    mark = timezone.now()
    correct_status(session_id=past_session.id, status="no_show_tutor", reason="Tutor was ill", actor=admin)
    [event] = events_since(mark)
    assert event.type == "session.status_corrected"
    assert event.data["session"]["status"] == "no_show_tutor"
    assert event.data["package"]["sessions_used"] == 0


def test_a_rolled_back_change_leaves_no_event(tutor, past_session):
    before = snapshot()
    with pytest.raises(RuntimeError), transaction.atomic():
        session_update_status(session_id=past_session.id, status="done", actor=tutor)
        assert Event.objects.filter(type="session.status_updated").exists()
        raise RuntimeError("the request failed after the service ran")
    assert snapshot() == before


def test_a_refused_change_leaves_no_event(tutor, match):
    session = make_session(match=match)  # the request has no package
    before = snapshot()
    with pytest.raises(NoActivePackage):
        update_status(session_id=session.id, status="done", actor=tutor)
    assert snapshot() == before


def test_all_events_of_one_change_are_one_insert(tutor, match):
    make_package(request=match.request, sessions_total=1)
    make_package(request=match.request, sessions_total=2)
    session = make_session(match=match)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        # charges the 1-session package (exhausted), leaving 2 on the request (low balance)
        session_update_status(session_id=session.id, status="done", actor=tutor)
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "events"')]
    assert len(inserts) == 1
    types = set(Event.objects.filter(created_at__gte=session.created_at).values_list("type", flat=True))
    assert {"session.status_updated", "package.exhausted", "package.low_balance"} <= types


def test_every_event_has_an_id_a_type_a_time_and_data(match):
    make_package(request=match.request)
    for event in Event.objects.all():
        payload = event.payload()
        assert set(payload) == {"type", "timestamp", "data"}
        assert (
            event.id
            and payload["type"] == event.type
            and payload["timestamp"] == event.created_at.isoformat()
        )
