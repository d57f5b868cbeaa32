"""Every from-status × to-status × actor, for the status update and the admin correction.

Each case starts from a session the services brought to its from-status: recorded by its tutor,
charged to the package when the status consumes one, with its audit row."""

from __future__ import annotations

import pytest

from tests.factories import StudentFactory
from tests.helpers import bring_to_status, correct_status, snapshot, update_status
from tutordesk.core.errors import Forbidden, InvalidTransition, NotFound
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import SESSION_STATUS_LABELS, can_correct, can_transition

STATUSES = list(SESSION_STATUS_LABELS)
ACTORS = ["owning_tutor", "other_tutor", "student", "other_student", "admin"]


@pytest.fixture
def actors(tutor, other_tutor, student, admin):
    return {
        "owning_tutor": tutor,
        "other_tutor": other_tutor,
        "student": student,
        "other_student": StudentFactory(),
        "admin": admin,
    }


def expected_update_error(actor: str, frm: str, to: str) -> type[Exception] | None:
    if actor in ("student", "other_student"):
        return Forbidden  # the role may never do this, whosever the session
    if actor == "other_tutor":
        return NotFound
    return None if can_transition(frm, to) else InvalidTransition


def expected_correction_error(actor: str, frm: str, to: str) -> type[Exception] | None:
    if actor in ("student", "other_student"):
        return Forbidden
    if actor == "other_tutor":
        return NotFound  # another tutor's session does not exist for them, never 403
    if actor == "owning_tutor":
        return Forbidden
    return None if can_correct(frm, to) else InvalidTransition


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("to", STATUSES)
@pytest.mark.parametrize("frm", STATUSES)
def test_status_update_matrix(frm, to, actor, actors, past_session):
    session = bring_to_status(past_session, frm)
    expected = expected_update_error(actor, frm, to)
    if expected is None:
        change = update_status(session_id=session.id, status=to, actor=actors[actor])
        assert change.session.status == to
        assert Session.objects.get(pk=session.pk).status == to
        return
    before = snapshot()
    with pytest.raises(expected) as info:
        update_status(session_id=session.id, status=to, actor=actors[actor])
    assert snapshot() == before
    if expected is InvalidTransition:
        assert info.value.context["current_status"] == frm


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("to", STATUSES)
@pytest.mark.parametrize("frm", STATUSES)
def test_correction_matrix(frm, to, actor, actors, past_session):
    session = bring_to_status(past_session, frm)
    expected = expected_correction_error(actor, frm, to)
    if expected is None:
        change = correct_status(
            session_id=session.id, status=to, reason="Entered wrongly", actor=actors[actor]
        )
        assert change.session.status == to
        assert Session.objects.get(pk=session.pk).status == to
        return
    before = snapshot()
    with pytest.raises(expected):
        correct_status(session_id=session.id, status=to, reason="Entered wrongly", actor=actors[actor])
    assert snapshot() == before
