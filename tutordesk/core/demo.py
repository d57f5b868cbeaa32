"""Deterministic demo data (CONTRACT §6): same seed, same day, same data."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from tutordesk.accounts.models import Role, User
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import SessionStatus
from tutordesk.tutoring.models import Match, Package, TutoringRequest

SUBJECTS = ["Algebra", "Chemistry", "Physics", "English essay writing", "Spanish", "Calculus", "Biology"]
FIRST_NAMES = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hugo", "Ines", "Jon", "Kiko", "Lena"]
LAST_NAMES = ["Okafor", "Schmidt", "Nakamura", "Silva", "Brown", "Kowalski", "Haddad", "Larsen"]
TIME_ZONES = ["Europe/London", "America/New_York", "Asia/Singapore", "UTC", "Europe/Berlin"]
WORKING_HOURS = range(8, 20)  # lesson slots start on the hour, UTC
DAYS_BACK = 14
DAYS_AHEAD = 14
PACKAGE_SIZE = 10


@dataclass(frozen=True)
class DemoSummary:
    admin_email: str
    tutor_emails: list[str]
    student_emails: list[str]
    sessions: int
    password: str


def check_demo_size(*, tutors: int, students: int, sessions_per_match: int) -> None:
    """Raise ValueError when the sessions cannot all get a free hour of their tutor."""
    slots = (DAYS_BACK + DAYS_AHEAD) * len(WORKING_HOURS)
    students_per_tutor = -(-students // tutors)
    if students_per_tutor * sessions_per_match > slots:
        raise ValueError(
            f"{students_per_tutor * sessions_per_match} sessions per tutor do not fit in "
            f"{slots} free hours; add tutors or lower --sessions-per-match"
        )


def seed_demo(
    *,
    tutors: int,
    students: int,
    sessions_per_match: int,
    seed: int,
    password: str,
    now: datetime,
    progress: Callable[[Iterable[Session], int], Iterable[Session]] = lambda items, total: items,
) -> DemoSummary:
    """Create the demo users, requests, matches, packages and sessions on an empty database."""
    rng = random.Random(seed)

    def next_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    check_demo_size(tutors=tutors, students=students, sessions_per_match=sessions_per_match)

    # One hash for everyone: hashing is deliberately slow, and every demo login shares the password.
    password_hash = make_password(password)

    def people(role: Role, count: int) -> list[User]:
        return [
            User(
                id=next_id(),
                email=f"{role.value}{i}@example.com",
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                role=role,
                timezone=rng.choice(TIME_ZONES),
                password=password_hash,
            )
            for i in range(1, count + 1)
        ]

    admin = User(
        id=next_id(), email="admin@example.com", name="Avery Admin", role=Role.ADMIN, password=password_hash
    )
    tutor_users = people(Role.TUTOR, tutors)
    student_users = people(Role.STUDENT, students)

    day0 = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    free_slots = {
        tutor.id: [
            day0 + timedelta(days=day, hours=hour)
            for day in range(-DAYS_BACK, DAYS_AHEAD)
            for hour in WORKING_HOURS
        ]
        for tutor in tutor_users
    }
    requests, matches, packages, sessions = [], [], [], []
    for index, student in enumerate(student_users):
        tutor = tutor_users[index % tutors]
        request = TutoringRequest(
            id=next_id(), student=student, subject=rng.choice(SUBJECTS), status=TutoringRequest.Status.MATCHED
        )
        match = Match(id=next_id(), request=request, tutor=tutor)
        requests.append(request)
        matches.append(match)
        packages.append(Package(id=next_id(), request=request, sessions_total=PACKAGE_SIZE))
        slots = free_slots[tutor.id]
        for _ in range(sessions_per_match):
            start = slots.pop(rng.randrange(len(slots)))
            sessions.append(
                Session(
                    id=next_id(),
                    match=match,
                    request=request,
                    tutor=tutor,
                    student=student,
                    scheduled_start_at=start,
                    duration_minutes=rng.choice([45, 60]),
                    meet_link=f"https://meet.example.com/{rng.getrandbits(40):010x}",
                )
            )
    sessions.sort(key=lambda s: (s.scheduled_start_at, str(s.id)))

    with transaction.atomic():
        User.objects.bulk_create([admin, *tutor_users, *student_users], batch_size=1000)
        TutoringRequest.objects.bulk_create(requests, batch_size=1000)
        Match.objects.bulk_create(matches, batch_size=1000)
        Package.objects.bulk_create(packages, batch_size=1000)
        batch: list[Session] = []
        for session in progress(sessions, len(sessions)):
            batch.append(session)
            if len(batch) == 1000:
                Session.objects.bulk_create(batch)
                batch = []
        Session.objects.bulk_create(batch)
    assert all(s.status == SessionStatus.SCHEDULED for s in sessions)
    return DemoSummary(
        admin_email=admin.email,
        tutor_emails=[t.email for t in tutor_users],
        student_emails=[s.email for s in student_users],
        sessions=len(sessions),
        password=password,
    )
