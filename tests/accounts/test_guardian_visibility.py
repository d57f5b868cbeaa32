"""A guardian sees exactly what each linked student sees (sessions, packages), read-only, and
nothing of any other student."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory, make_match, make_package, make_session
from tutordesk.accounts.models import Guardianship, Role
from tutordesk.scheduling.selectors import session_is_visible, sessions_visible_to
from tutordesk.tutoring.selectors import packages_visible_to

pytestmark = pytest.mark.django_db


def test_a_guardian_sees_the_sessions_and_packages_of_their_students_only(
    student, match, package, past_session
):
    guardian = UserFactory(role=Role.GUARDIAN)
    Guardianship.objects.create(guardian=guardian, student=student)
    other_match = make_match()
    other_package = make_package(request=other_match.request)
    other_session = make_session(match=other_match)

    assert list(sessions_visible_to(guardian)) == [past_session]
    assert session_is_visible(past_session, guardian)
    assert not session_is_visible(other_session, guardian)
    assert list(packages_visible_to(guardian)) == [package]
    assert other_package not in packages_visible_to(guardian)


def test_a_guardian_of_nobody_sees_nothing(past_session):
    guardian = UserFactory(role=Role.GUARDIAN)
    assert not sessions_visible_to(guardian).exists()
    assert not session_is_visible(past_session, guardian)
    assert not packages_visible_to(guardian).exists()
