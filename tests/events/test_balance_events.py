"""`package.low_balance`: a charge leaves 1 or 2 sessions on the request's active packages.
`package.exhausted`: the charge used the package's last session."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import make_package, make_session
from tests.helpers import correct_status, update_status
from tutordesk.events.models import Event

pytestmark = pytest.mark.django_db


def balance_events_of_one_done(match, tutor) -> list[Event]:
    session = make_session(match=match)
    mark = timezone.now()
    update_status(session_id=session.id, status="done", actor=tutor)
    return list(Event.objects.filter(created_at__gte=mark, type__startswith="package.").order_by("type"))


@pytest.mark.parametrize(
    ("total", "used", "expected"),
    [(10, 0, []), (4, 0, []), (3, 0, ["low_balance"]), (2, 0, ["low_balance"]), (1, 0, ["exhausted"])],
)
def test_it_raises_what_the_charge_left(match, tutor, total, used, expected):
    make_package(request=match.request, sessions_total=total, sessions_used=used)
    events = balance_events_of_one_done(match, tutor)
    assert [e.type.removeprefix("package.") for e in events] == expected


def test_the_events_carry_the_package_the_request_and_what_is_left(match, tutor):
    package = make_package(request=match.request, sessions_total=2)
    [event] = balance_events_of_one_done(match, tutor)
    assert event.type == "package.low_balance"
    assert event.data["package"]["id"] == str(package.id)
    assert event.data["package"]["sessions_remaining"] == 1
    assert event.data["request_id"] == str(match.request_id)
    assert event.data["student_id"] == str(match.request.student_id)
    assert event.data["request_sessions_left"] == 1


def test_an_exhausted_package_with_another_holding_two_raises_both(match, tutor):
    make_package(request=match.request, sessions_total=1)
    make_package(request=match.request, sessions_total=2)
    events = balance_events_of_one_done(match, tutor)
    assert [e.type for e in events] == ["package.exhausted", "package.low_balance"]
    assert all(e.data["request_sessions_left"] == 2 for e in events)


def test_a_refund_raises_no_balance_event(match, tutor, admin):
    make_package(request=match.request, sessions_total=2)
    session = make_session(match=match)
    update_status(session_id=session.id, status="done", actor=tutor)
    mark = timezone.now()
    correct_status(session_id=session.id, status="no_show_tutor", reason="typo", actor=admin)
    assert not Event.objects.filter(created_at__gte=mark, type__startswith="package.").exists()


def test_a_correction_that_charges_raises_them_too(match, tutor, admin):
    make_package(request=match.request, sessions_total=1)
    session = make_session(match=match)
    update_status(session_id=session.id, status="no_show_tutor", actor=tutor)
    mark = timezone.now()
    correct_status(session_id=session.id, status="done", reason="the tutor was there", actor=admin)
    types = list(Event.objects.filter(created_at__gte=mark).order_by("type").values_list("type", flat=True))
    assert types == ["package.exhausted", "session.status_corrected"]
