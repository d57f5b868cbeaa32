"""`update_if` and the hand-written package UPDATEs: `updated_at` comes from the clock through the
field (callers never pass it), statuses are the model's own values, and a check-and-set that no
longer matches changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction

from tests.factories import make_package, make_session
from tutordesk.core import clock
from tutordesk.core.db.rows import update_if
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import session_correct_status, session_update_status
from tutordesk.tutoring.models import Package
from tutordesk.tutoring.services import Charge, decrement_sessions_used, increment_sessions_used

pytestmark = pytest.mark.django_db

WHEN = datetime(2087, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_it_sets_updated_at_from_the_clock_and_the_values_asked_for(past_session, tutor):
    with transaction.atomic(), clock.at(WHEN):
        changed = update_if(
            past_session,
            where={"status": "scheduled"},
            values={"status": "rescheduled", "tutor_notes": "moved", "updated_by": tutor},
        )
    assert changed is True
    row = Session.objects.get(pk=past_session.pk)
    assert (row.status, row.tutor_notes, row.updated_by_id, row.updated_at) == (
        "rescheduled",
        "moved",
        tutor.id,
        WHEN,
    )
    # the instance holds what was written
    assert (past_session.status, past_session.updated_by_id, past_session.updated_at) == (
        "rescheduled",
        tutor.id,
        WHEN,
    )


def test_a_row_that_no_longer_matches_is_left_alone(past_session):
    before = Session.objects.get(pk=past_session.pk)
    with transaction.atomic(), clock.at(WHEN):
        changed = update_if(past_session, where={"status": "done"}, values={"status": "no_show_tutor"})
    assert changed is False
    after = Session.objects.get(pk=past_session.pk)
    assert (after.status, after.updated_at) == ("scheduled", before.updated_at)


def test_a_status_update_and_a_correction_stamp_the_session_with_the_clock(past_session, tutor, admin):
    with transaction.atomic(), clock.at(WHEN):
        change = session_update_status(session_id=past_session.id, status="done", actor=tutor)
    assert change.session.updated_at == WHEN
    assert Session.objects.get(pk=past_session.pk).updated_at == WHEN
    later = WHEN.replace(hour=9)
    with transaction.atomic(), clock.at(later):
        session_correct_status(session_id=past_session.id, status="no_show_tutor", reason="ill", actor=admin)
    assert Session.objects.get(pk=past_session.pk).updated_at == later
    assert Package.objects.get(pk=change.package.id).updated_at == later  # refunded then


def test_a_charge_is_a_typed_result_with_the_package_after_it(match):
    full = make_package(request=match.request, sessions_total=1)
    make_package(request=match.request, sessions_total=3)
    with transaction.atomic(), clock.at(WHEN):
        charge = increment_sessions_used(request_id=match.request_id)
    assert isinstance(charge, Charge)
    assert (charge.package.id, charge.package.sessions_used, charge.package.status) == (
        full.id,
        1,
        "exhausted",
    )
    assert charge.package.updated_at == WHEN
    assert charge.request_sessions_left == 3
    assert Package.objects.get(pk=full.pk).updated_at == WHEN

    with transaction.atomic():
        refund = decrement_sessions_used(package_id=full.id)
    assert (refund.package.status, refund.package.sessions_used, refund.request_sessions_left) == (
        Package.Status.ACTIVE,
        0,
        4,
    )


def test_no_package_with_a_session_left_charges_nothing(match):
    make_package(request=match.request, sessions_total=2, sessions_used=2)
    session = make_session(match=match)
    with transaction.atomic():
        assert increment_sessions_used(request_id=match.request_id) is None
    assert list(Package.objects.values_list("sessions_used", "status")) == [(2, "exhausted")]
    assert Session.objects.get(pk=session.pk).package_id is None
