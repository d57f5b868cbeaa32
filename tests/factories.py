"""Test data, built the way the product builds it.

Users are plain rows (there is no user service). Everything else goes through the services,
each call inside an outermost `transaction.atomic()` as the product's own callers make it:
requests (`request_create`), matches (`match_create`, `match_end`), packages (`package_create`)
and sessions (`session_create`). So every row a test stands on passed the services' checks and
left its audit row, and a tutor is never booked twice at once.

The services want an admin as the actor. When a test names none, the "system admin" (created
on first use) does the setup, so the personas' own audit trails hold only what a test makes
them do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import factory
from django.db import transaction
from django.utils import timezone

from tutordesk.accounts.models import Guardianship, Role, User
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import session_create, session_update_status
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.tutoring.services import match_create, match_end, package_create, request_create

TEST_PASSWORD = "correct-horse-battery"
SYSTEM_ADMIN_EMAIL = "system-admin@example.test"
MEET_LINK = "https://meet.example.com/abc-defg-hij"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Faker("name")
    role = Role.STUDENT
    timezone = "UTC"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save(update_fields=["password"])


class StudentFactory(UserFactory):
    role = Role.STUDENT
    email = factory.Sequence(lambda n: f"student{n}@example.test")


class TutorFactory(UserFactory):
    role = Role.TUTOR
    email = factory.Sequence(lambda n: f"tutor{n}@example.test")


class AdminFactory(UserFactory):
    role = Role.ADMIN
    email = factory.Sequence(lambda n: f"admin{n}@example.test")


class GuardianFactory(UserFactory):
    role = Role.GUARDIAN
    email = factory.Sequence(lambda n: f"guardian{n}@example.test")


def link_guardian(guardian: User, *students: User) -> User:
    """The guardian looks after these students (a plain row: the links' own service belongs to
    the people pages)."""
    for student in students:
        Guardianship.objects.create(guardian=guardian, student=student)
    return guardian


def system_admin() -> User:
    """The admin who sets up a test's data when the test names no actor."""
    existing = User.objects.filter(email=SYSTEM_ADMIN_EMAIL).first()
    return existing or AdminFactory(email=SYSTEM_ADMIN_EMAIL, name="System Admin")


def make_request(
    *, student: User | None = None, subject: str = "Algebra", actor: User | None = None
) -> TutoringRequest:
    """An open request (`request_create`), for a new student unless one is given."""
    with transaction.atomic():
        return request_create(
            student=student or StudentFactory(), subject=subject, actor=actor or system_admin()
        )


def make_match(
    *,
    tutor: User | None = None,
    request: TutoringRequest | None = None,
    student: User | None = None,
    subject: str = "Algebra",
    actor: User | None = None,
) -> Match:
    """An active match (`match_create`) of `tutor` (a new one by default) with `request`, or with a
    new request of `student` in `subject`."""
    actor = actor or system_admin()
    if request is None:
        request = make_request(student=student, subject=subject, actor=actor)
    with transaction.atomic():
        match = match_create(request=request, tutor=tutor or TutorFactory(), actor=actor)
    return Match.objects.select_related("request", "tutor").get(pk=match.pk)


def end_match(match: Match, *, actor: User | None = None) -> Match:
    """End an active match (`match_end`): its request is open again for a new tutor."""
    with transaction.atomic():
        ended = match_end(match_id=match.pk, actor=actor or system_admin())
    assert ended, "the match had ended already"
    match.refresh_from_db()
    return match


def make_package(
    *,
    request: TutoringRequest | None = None,
    sessions_total: int = 10,
    sessions_used: int = 0,
    actor: User | None = None,
) -> Package:
    """A package sold for `request` (`package_create`; by default for a new match's request),
    with `sessions_used` of its sessions spent (see `spend_sessions`)."""
    actor = actor or system_admin()
    if request is None:
        request = make_match(actor=actor).request
    with transaction.atomic():
        package = package_create(request_id=request.pk, sessions_total=sessions_total, actor=actor)
    if sessions_used:
        spend_sessions(package, sessions_used, actor=actor)
    return package


def spend_sessions(package: Package, count: int, *, actor: User | None = None) -> Package:
    """Spend `count` sessions of `package` the real way: that many past sessions of its request's
    active match are scheduled and recorded `done` by the tutor, each charging this package (so it
    must be the request's oldest package with room). A full package ends `exhausted`."""
    match = Match.objects.select_related("tutor").get(
        request_id=package.request_id, status=Match.Status.ACTIVE
    )
    for _ in range(count):
        session = make_session(match=match, actor=actor)
        with transaction.atomic():
            change = session_update_status(session_id=session.id, status="done", actor=match.tutor)
        assert change.package is not None and change.package.pk == package.pk, (
            "the done charged another package: spend the request's oldest package with room"
        )
    package.refresh_from_db()
    return package


def make_session(
    *,
    match: Match | None = None,
    scheduled_start_at: datetime | None = None,
    duration_minutes: int = 60,
    meet_link: str | None = MEET_LINK,
    actor: User | None = None,
) -> Session:
    """A scheduled session (`session_create`) of `match` (a new match by default).

    Without a start it begins an hour ago (ready for an outcome), or a whole number of hours
    earlier if the tutor already has a session then: `session_create` refuses a double booking.
    """
    actor = actor or system_admin()
    if match is None:
        match = make_match(actor=actor)
    if scheduled_start_at is None:
        scheduled_start_at = free_past_start(tutor_id=match.tutor_id, duration_minutes=duration_minutes)
    with transaction.atomic():
        return session_create(
            match_id=match.pk,
            scheduled_start_at=scheduled_start_at,
            duration_minutes=duration_minutes,
            meet_link=meet_link,
            actor=actor,
        )


def free_past_start(*, tutor_id: object, duration_minutes: int) -> datetime:
    """The latest start, one or more whole hours ago, at which the tutor has no session at all."""
    now = timezone.now()
    taken = [
        (s.scheduled_start_at, s.scheduled_end_at)
        for s in Session.objects.filter(tutor_id=tutor_id).only("scheduled_start_at", "duration_minutes")
    ]
    hours = 1
    while True:
        start = now - timedelta(hours=hours)
        end = start + timedelta(minutes=duration_minutes)
        if all(end <= other_start or start >= other_end for other_start, other_end in taken):
            return start
        hours += 1
