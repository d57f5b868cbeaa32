"""Shared fixtures. Personas: `tutor` owns the match, `other_tutor` is an outsider,
`student` is the match's student, `guardian` looks after `student`, `admin` runs the business. The match, its package and its
sessions are made through the services (tests/factories.py), by the system admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    AdminFactory,
    GuardianFactory,
    StudentFactory,
    TutorFactory,
    link_guardian,
    make_match,
    make_package,
    make_session,
)


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tutor(db):
    return TutorFactory(name="Tara Tutor", email="tara@example.test")


@pytest.fixture
def other_tutor(db):
    return TutorFactory(name="Otto Outsider", email="otto@example.test")


@pytest.fixture
def student(db):
    return StudentFactory(name="Sam Student", email="sam@example.test")


@pytest.fixture
def guardian(student):
    """Sam's parent: sees Sam's lessons and packages, read-only, and gets Sam's emails."""
    return link_guardian(GuardianFactory(name="Gina Guardian", email="gina@example.test"), student)


@pytest.fixture
def admin(db):
    return AdminFactory(name="Ada Admin", email="ada@example.test")


@pytest.fixture
def match(tutor, student):
    return make_match(tutor=tutor, student=student)


@pytest.fixture
def package(match):
    return make_package(request=match.request, sessions_total=10)


@pytest.fixture
def past_session(match, package):
    """Started an hour ago, still scheduled, its request holding a package with 10 sessions."""
    return make_session(match=match, scheduled_start_at=timezone.now() - timedelta(hours=1))


@pytest.fixture
def future_session(match, package):
    return make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=1))
