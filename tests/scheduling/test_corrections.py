"""Admin corrections: refunds when leaving a consuming status, charges when entering one."""

from __future__ import annotations

import pytest

from tests.factories import make_package, make_session
from tests.helpers import correct_status, snapshot, update_status
from tutordesk.audit.models import AuditLog
from tutordesk.core.errors import NoActivePackage, ValidationError
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Package


def test_done_to_tutor_no_show_refunds_the_package(past_session, package, tutor, admin):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    change = correct_status(
        session_id=past_session.id, status="no_show_tutor", reason="Tutor was ill", actor=admin
    )
    package.refresh_from_db()
    assert package.sessions_used == 0
    assert change.package.id == package.id and change.package.sessions_used == 0
    assert change.session.package_id is None
    assert change.replacement_session is None


def test_tutor_no_show_to_done_charges_fifo(past_session, package, tutor, admin):
    update_status(session_id=past_session.id, status="no_show_tutor", actor=tutor)
    change = correct_status(
        session_id=past_session.id, status="done", reason="Lesson did happen", actor=admin
    )
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert change.session.package_id == package.id


def test_done_back_to_scheduled_refunds(past_session, package, tutor, admin):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    correct_status(session_id=past_session.id, status="scheduled", reason="Marked too early", actor=admin)
    package.refresh_from_db()
    past_session.refresh_from_db()
    assert package.sessions_used == 0
    assert past_session.status == "scheduled"
    assert past_session.package_id is None
    # and it can be recorded again, charging once more
    update_status(session_id=past_session.id, status="done", actor=tutor)
    package.refresh_from_db()
    assert package.sessions_used == 1


def test_rescheduled_back_to_scheduled_charges_nothing(past_session, package, tutor, admin):
    update_status(session_id=past_session.id, status="rescheduled", actor=tutor)
    change = correct_status(session_id=past_session.id, status="scheduled", reason="Wrong row", actor=admin)
    package.refresh_from_db()
    assert package.sessions_used == 0
    assert change.package is None


def test_done_to_student_no_show_keeps_the_charge(past_session, package, tutor, admin):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    change = correct_status(
        session_id=past_session.id, status="no_show_student", reason="Student absent", actor=admin
    )
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert change.session.package_id == package.id
    assert change.package is None


def test_a_refund_returns_an_exhausted_package_to_active(match, tutor, admin):
    package = make_package(request=match.request, sessions_total=1)
    session = make_session(match=match)
    update_status(session_id=session.id, status="done", actor=tutor)
    package.refresh_from_db()
    assert package.status == "exhausted"
    change = correct_status(session_id=session.id, status="no_show_tutor", reason="Tutor late", actor=admin)
    package.refresh_from_db()
    assert (package.sessions_used, package.status) == (0, "active")
    assert change.package.status == "active"


def test_a_refund_goes_to_the_package_charged_even_when_a_newer_one_exists(match, tutor, admin):
    old = make_package(request=match.request, sessions_total=1)
    session = make_session(match=match)
    update_status(session_id=session.id, status="done", actor=tutor)
    new = make_package(request=match.request, sessions_total=10)
    correct_status(session_id=session.id, status="no_show_tutor", reason="Tutor late", actor=admin)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.sessions_used, new.sessions_used) == (0, 0)


def test_a_refund_to_a_cancelled_package_keeps_it_cancelled(past_session, package, tutor, admin):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    # No service cancels a package yet; the status is one CONTRACT §2 names, set as an operator would.
    Package.objects.filter(pk=package.pk).update(status=Package.Status.CANCELLED)
    correct_status(session_id=past_session.id, status="no_show_tutor", reason="Refund", actor=admin)
    package.refresh_from_db()
    assert (package.sessions_used, package.status) == (0, "cancelled")


def test_entering_a_consuming_status_without_capacity_changes_nothing(match, tutor, admin):
    make_package(request=match.request, sessions_total=1, sessions_used=1)  # exhausted
    session = make_session(match=match)
    update_status(session_id=session.id, status="no_show_tutor", actor=tutor)
    before = snapshot()
    with pytest.raises(NoActivePackage):
        correct_status(session_id=session.id, status="done", reason="It happened", actor=admin)
    assert snapshot() == before


@pytest.mark.parametrize("reason", ["", "   ", "\x1c\t", "\ufeff\u3000", "r" * 501, None, "nul\x00"])
def test_a_correction_needs_a_reason_of_1_to_500_characters(reason, past_session, tutor, admin):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    before = snapshot()
    with pytest.raises(ValidationError):
        correct_status(session_id=past_session.id, status="no_show_tutor", reason=reason, actor=admin)
    assert snapshot() == before


def test_a_correction_writes_one_audit_row_with_its_details(past_session, package, tutor, admin):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    correct_status(session_id=past_session.id, status="no_show_tutor", reason="  Tutor was ill ", actor=admin)
    row = AuditLog.objects.get(action="session_status_corrected")
    assert row.actor_id == admin.id
    assert (row.entity_type, row.entity_id) == ("session", past_session.id)
    assert row.details == {
        "from_status": "done",
        "status": "no_show_tutor",
        "reason": "Tutor was ill",
        "package_id": str(package.id),
        "sessions_used_after": 0,
    }


def test_back_to_scheduled_may_not_double_book_the_tutor(future_session, tutor, admin):
    from datetime import timedelta

    from tutordesk.core.errors import TutorDoubleBooked

    moved = update_status(
        session_id=future_session.id,
        status="rescheduled",
        actor=tutor,
        new_start_at=future_session.scheduled_start_at + timedelta(minutes=30),
    )
    before = snapshot()
    with pytest.raises(TutorDoubleBooked) as info:
        correct_status(session_id=future_session.id, status="scheduled", reason="Wrong button", actor=admin)
    assert info.value.context["conflicting_session_id"] == str(moved.replacement_session.id)
    assert snapshot() == before
    assert Session.objects.get(pk=future_session.pk).status == "rescheduled"
    assert not AuditLog.objects.filter(
        entity_id=future_session.id, action="session_status_corrected"
    ).exists()
