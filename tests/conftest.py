"""Shared fixtures. Personas: `tutor` owns the match, `other_tutor` is an outsider,
`student` is the match's student, `admin` runs the business."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    AdminFactory,
    MatchFactory,
    PackageFactory,
    SessionFactory,
    StudentFactory,
    TutorFactory,
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
def admin(db):
    return AdminFactory(name="Ada Admin", email="ada@example.test")


@pytest.fixture
def match(tutor, student):
    return MatchFactory(tutor=tutor, request__student=student)


@pytest.fixture
def package(match):
    return PackageFactory(request=match.request, sessions_total=10)


@pytest.fixture
def past_session(match, package):
    """Started an hour ago, still scheduled, its request holding a package with 10 sessions."""
    return SessionFactory(match=match)


@pytest.fixture
def future_session(match, package):
    return SessionFactory(match=match, scheduled_start_at=timezone.now() + timedelta(days=1))
