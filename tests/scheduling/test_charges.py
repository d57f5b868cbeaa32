"""Which statuses charge a package, which package, and what happens when none has room."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_package, make_session
from tests.helpers import snapshot, update_status
from tutordesk.core.errors import InvalidTransition, NoActivePackage, ValidationError
from tutordesk.tutoring.models import Package


@pytest.mark.parametrize("status", ["done", "no_show_student"])
def test_it_charges_one_session_for_a_consuming_status(status, past_session, package, tutor):
    change = update_status(session_id=past_session.id, status=status, actor=tutor)
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert change.package is not None and change.package.id == package.id
    assert change.package.sessions_used == 1
    assert change.session.package_id == package.id


@pytest.mark.parametrize("status", ["no_show_tutor", "rescheduled"])
def test_it_charges_nothing_for_a_non_consuming_status(status, past_session, package, tutor):
    change = update_status(session_id=past_session.id, status=status, actor=tutor)
    package.refresh_from_db()
    assert package.sessions_used == 0
    assert change.package is None
    assert change.session.package_id is None


def test_it_charges_the_oldest_active_package_first(match, tutor):
    older = make_package(request=match.request, sessions_total=1)
    newer = make_package(request=match.request, sessions_total=5)
    first, second, third = (
        make_session(match=match, scheduled_start_at=past_session_time(hours)) for hours in (3, 2, 1)
    )
    assert update_status(session_id=first.id, status="done", actor=tutor).package.id == older.id
    assert update_status(session_id=second.id, status="no_show_student", actor=tutor).package.id == newer.id
    assert update_status(session_id=third.id, status="done", actor=tutor).package.id == newer.id
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.sessions_used, older.status) == (1, "exhausted")
    assert (newer.sessions_used, newer.status) == (2, "active")


def test_it_skips_cancelled_packages(match, tutor):
    cancelled = make_package(request=match.request, sessions_total=5)
    # No service cancels a package yet; the status is one CONTRACT §2 names, set as an operator would.
    Package.objects.filter(pk=cancelled.pk).update(status=Package.Status.CANCELLED)
    live = make_package(request=match.request, sessions_total=5)
    session = make_session(match=match)
    assert update_status(session_id=session.id, status="done", actor=tutor).package.id == live.id


def test_it_never_charges_another_requests_package(match, tutor):
    make_package(sessions_total=5)  # someone else's request
    session = make_session(match=match)
    with pytest.raises(NoActivePackage):
        update_status(session_id=session.id, status="done", actor=tutor)


def test_the_last_session_flips_the_package_to_exhausted(match, tutor):
    package = make_package(request=match.request, sessions_total=1)
    session = make_session(match=match)
    change = update_status(session_id=session.id, status="done", actor=tutor)
    package.refresh_from_db()
    assert (package.sessions_used, package.status) == (1, "exhausted")
    assert change.package.status == "exhausted"
    assert change.package.sessions_remaining == 0


@pytest.mark.parametrize("status", ["done", "no_show_student"])
def test_without_capacity_it_refuses_and_writes_nothing(status, match, tutor):
    make_package(request=match.request, sessions_total=1, sessions_used=1)  # exhausted
    session = make_session(match=match)
    before = snapshot()
    with pytest.raises(NoActivePackage) as info:
        update_status(session_id=session.id, status=status, actor=tutor, tutor_notes="went well")
    assert info.value.code == "no_active_package"
    assert snapshot() == before


def test_without_capacity_a_non_consuming_status_still_works(match, tutor):
    session = make_session(match=match)
    change = update_status(session_id=session.id, status="no_show_tutor", actor=tutor)
    assert change.session.status == "no_show_tutor"


def test_a_repeated_update_is_refused_and_never_charges_twice(past_session, package, tutor):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    with pytest.raises(InvalidTransition) as info:
        update_status(session_id=past_session.id, status="done", actor=tutor)
    assert info.value.code == "invalid_transition"
    assert info.value.context["current_status"] == "done"
    package.refresh_from_db()
    assert package.sessions_used == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": "finished"},
        {"status": ""},
        {"status": None},
        {"status": "DONE"},
        {"status": "done", "tutor_notes": "x" * 2001},
        {"status": "done", "tutor_notes": "nul \x00 byte"},
        {"status": "done", "tutor_notes": 42},
        {"status": "done", "new_start_at": "tomorrow"},
    ],
)
def test_bad_input_is_a_validation_error_and_writes_nothing(kwargs, past_session, tutor):
    before = snapshot()
    with pytest.raises(ValidationError):
        update_status(session_id=past_session.id, actor=tutor, **kwargs)
    assert snapshot() == before


def test_notes_of_exactly_2000_characters_are_kept(past_session, tutor):
    change = update_status(session_id=past_session.id, status="done", actor=tutor, tutor_notes="n" * 2000)
    assert len(change.session.tutor_notes) == 2000


@pytest.mark.parametrize("session_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "", "1"])
def test_an_unknown_session_is_not_found(session_id, tutor):
    from tutordesk.core.errors import NotFound

    with pytest.raises(NotFound):
        update_status(session_id=session_id, status="done", actor=tutor)


def past_session_time(hours: int):
    from django.utils import timezone

    return timezone.now() - timedelta(hours=hours)
