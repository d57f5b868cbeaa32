"""The demo's bulk rows, generated from the seed and streamed: never a model object per row.

Every value is a string already in the form the database stores, so the same generator feeds
PostgreSQL's COPY and SQLite's executemany: ids are 32 hex digits (a version-4 UUID, the way
Django stores a UUIDField on SQLite and a form PostgreSQL's uuid type reads), times are UTC.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tutordesk.demo.plan import DAYS_BACK, FUTURE_SLOTS, HOURS, PAST_SLOTS, Plan

SUBJECTS = ["Algebra", "Chemistry", "Physics", "English essay writing", "Spanish", "Calculus", "Biology"]
FIRST_NAMES = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hugo", "Ines", "Jon", "Kiko", "Lena"]
LAST_NAMES = ["Okafor", "Schmidt", "Nakamura", "Silva", "Brown", "Kowalski", "Haddad", "Larsen"]


def person_name(k: int, firsts: Sequence[str], lasts: Sequence[str]) -> str:
    """The k-th person's name: no two of the first 12 share a first name, no two of the first 8 a
    last name, and all 12 × 8 names are used before any comes again (5 and 8 share no factor)."""
    a, j = k % len(firsts), (k // len(firsts)) % len(lasts)
    return f"{firsts[a]} {lasts[(a + 13 * j) % len(lasts)]}"


TIME_ZONES = ["Europe/London", "America/New_York", "Asia/Singapore", "UTC", "Europe/Berlin"]
# Guardians (parents, payers) share their first student's last name.
GUARDIAN_FIRST_NAMES = ["Maria", "David", "Priya", "Tom", "Aisha", "Kenji", "Rosa", "Sam"]
GUARDIAN_EVERY = 3  # student1, student4, student7, … each have a guardian
DURATIONS = ("45", "60")
PACKAGE_SIZE = 10
ADMIN_NAME = "Avery Admin"

# Version 4, RFC 4122 variant: the bits uuid.UUID(version=4) sets.
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (0x4000 << 64)


class IdStream:
    """Version-4 UUIDs drawn from a seeded generator: the same seed, the same ids."""

    def __init__(self, rng: random.Random) -> None:
        self._bits = rng.getrandbits

    def hex(self) -> str:
        return f"{(self._bits(128) & _UUID_CLEAR) | _UUID_SET:032x}"

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=(self._bits(128) & _UUID_CLEAR) | _UUID_SET)


@dataclass(frozen=True)
class Format:
    """How one database reads a time and a boolean from text."""

    utc_suffix: str  # "+00" for PostgreSQL; SQLite stores naive UTC
    true: str

    def time(self, moment: datetime) -> str:
        return f"{moment:%Y-%m-%d %H:%M:%S}{self.utc_suffix}"


FORMATS = {"postgresql": Format(utc_suffix="+00", true="t"), "sqlite": Format(utc_suffix="", true="1")}


@dataclass
class SessionSpec:
    """A story session: the story creates it through session_create."""

    start: datetime
    duration_minutes: int
    meet_link: str


@dataclass
class DemoRows:
    """The seed's people and, for students outside the story, their request, match, package and
    sessions. Users, requests, matches and packages are held as ids (a few tens of megabytes at a
    million sessions); sessions are generated while they are written."""

    plan: Plan
    seed: int
    now: datetime
    fmt: Format
    password_hash: str
    tutor_ids: list[str] = field(default_factory=list)
    student_ids: list[str] = field(default_factory=list)
    admin_id: str = ""
    # story student index -> its sessions, in time order; and each reschedule's new start
    story_sessions: dict[int, list[SessionSpec]] = field(default_factory=dict)
    replacement_starts: dict[int, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"tutordesk-demo:{self.seed}:rows")
        self.ids = IdStream(random.Random(f"tutordesk-demo:{self.seed}:ids"))
        day0 = self.now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.slot_times = [
            day0 + timedelta(days=day, hours=hour)
            for day in range(-DAYS_BACK, FUTURE_SLOTS // len(HOURS))
            for hour in HOURS
        ]
        self.slot_text = [self.fmt.time(t) for t in self.slot_times]
        # Rows made by the seed itself are dated the day before the first lesson, the same all day
        # long; the story's first service calls come later that day (story.py).
        self.today = day0
        self.eve = day0 - timedelta(days=DAYS_BACK + 1)
        self.created = self.fmt.time(self.eve)
        self._free: list[tuple[list[int], list[int]] | None] = [None] * self.plan.tutors
        self.admin_id = self.ids.hex()
        self.tutor_ids = [self.ids.hex() for _ in range(self.plan.tutors)]
        self.student_ids = [self.ids.hex() for _ in range(self.plan.students)]
        story = self.plan.story
        self.request_ids = [""] * len(story) + [self.ids.hex() for _ in range(len(story), self.plan.students)]
        self.match_ids = [""] * len(story) + [self.ids.hex() for _ in range(len(story), self.plan.students)]
        self.package_ids = [""] * len(story) + [self.ids.hex() for _ in range(len(story), self.plan.students)]
        self.subjects = [SUBJECTS[self.rng.randrange(len(SUBJECTS))] for _ in range(self.plan.students)]
        self._plan_story_sessions()
        # Guardians draw from their own streams, so the rows above are the same with or without them.
        self.guardian_rng = random.Random(f"tutordesk-demo:{self.seed}:guardians")
        guardian_ids = IdStream(random.Random(f"tutordesk-demo:{self.seed}:guardian-ids"))
        self.guardian_ids = [guardian_ids.hex() for _ in range(self.guardians)]
        self.guardianship_ids = [guardian_ids.hex() for _ in self.guardianship_pairs()]

    # -- guardians -----------------------------------------------------------------------------

    @property
    def guardians(self) -> int:
        """One guardian for every third student (student1, student4, …)."""
        return -(-self.plan.students // GUARDIAN_EVERY)

    def guardianship_pairs(self) -> list[tuple[int, int]]:
        """(guardian, student) indexes, 0-based: guardian k looks after student 3k; guardian1 also
        after student2 (a family of two, whose package runs out in the story)."""
        pairs = [(k, k * GUARDIAN_EVERY) for k in range(self.guardians)]
        if self.plan.students > 1:
            pairs.insert(1, (0, 1))
        return pairs

    # -- slots ---------------------------------------------------------------------------------

    def _free_slots(self, tutor: int) -> tuple[list[int], list[int]]:
        free = self._free[tutor]
        if free is None:
            free = (list(range(PAST_SLOTS)), list(range(PAST_SLOTS, PAST_SLOTS + FUTURE_SLOTS)))
            self._free[tutor] = free
        return free

    def _pick(self, student: int) -> list[int]:
        """Slots for one match: its past share from the tutor's past hours, the rest ahead."""
        past_free, future_free = self._free_slots(self.plan.tutor_of(student))
        randrange = self.rng.randrange
        past = self.plan.past_of(student)
        picks = [past_free.pop(randrange(len(past_free))) for _ in range(past)]
        picks += [
            future_free.pop(randrange(len(future_free))) for _ in range(self.plan.sessions_per_match - past)
        ]
        picks.sort()
        return picks

    def _plan_story_sessions(self) -> None:
        for match in self.plan.reschedules():
            # From tomorrow on: in the future whatever the hour, so the service accepts it.
            future_free = self._free_slots(match.tutor)[1]
            tomorrow = [i for i, slot in enumerate(future_free) if slot >= PAST_SLOTS + len(HOURS)]
            slot = future_free.pop(tomorrow[self.rng.randrange(len(tomorrow))])
            self.replacement_starts[match.student] = self.slot_times[slot]
        for match in self.plan.story:
            self.story_sessions[match.student] = [
                SessionSpec(
                    start=self.slot_times[slot],
                    duration_minutes=int(DURATIONS[self.rng.getrandbits(1)]),
                    meet_link=self._meet_link(),
                )
                for slot in self._pick(match.student)
            ]

    def _meet_link(self) -> str:
        return f"https://meet.example.com/{self.rng.getrandbits(40):010x}"

    # -- rows ----------------------------------------------------------------------------------
    # Each generator yields tuples in the order of its COLUMNS.

    USER_COLUMNS = ("id", "password", "email", "name", "role", "timezone", "is_active", "date_joined")

    def users(self) -> Iterator[tuple[str, ...]]:
        rng, true, created, hashed = self.rng, self.fmt.true, self.created, self.password_hash
        yield (self.admin_id, hashed, "admin@example.com", ADMIN_NAME, "admin", "UTC", true, created)
        firsts, lasts = rng.sample(FIRST_NAMES, len(FIRST_NAMES)), rng.sample(LAST_NAMES, len(LAST_NAMES))
        people = 0
        student_names: list[str] = []
        for role, ids in (("tutor", self.tutor_ids), ("student", self.student_ids)):
            for number, user_id in enumerate(ids, start=1):
                name = person_name(people, firsts, lasts)
                people += 1
                zone = TIME_ZONES[rng.randrange(len(TIME_ZONES))]
                if role == "student" and (number - 1) % GUARDIAN_EVERY == 0:
                    student_names.append(name)
                yield (user_id, hashed, f"{role}{number}@example.com", name, role, zone, true, created)
        grng = self.guardian_rng
        for k, user_id in enumerate(self.guardian_ids):
            first = GUARDIAN_FIRST_NAMES[k % len(GUARDIAN_FIRST_NAMES)]
            name = f"{first} {student_names[k].rpartition(' ')[2]}"
            zone = TIME_ZONES[grng.randrange(len(TIME_ZONES))]
            yield (user_id, hashed, f"guardian{k + 1}@example.com", name, "guardian", zone, true, created)

    GUARDIANSHIP_COLUMNS = ("id", "guardian_id", "student_id", "created_at")

    def guardianships(self) -> Iterator[tuple[str, ...]]:
        for link_id, (guardian, student) in zip(
            self.guardianship_ids, self.guardianship_pairs(), strict=True
        ):
            yield (link_id, self.guardian_ids[guardian], self.student_ids[student], self.created)

    REQUEST_COLUMNS = ("id", "student_id", "subject", "status", "created_at")

    def requests(self) -> Iterator[tuple[str, ...]]:
        for i in range(len(self.plan.story), self.plan.students):
            yield (self.request_ids[i], self.student_ids[i], self.subjects[i], "matched", self.created)

    MATCH_COLUMNS = ("id", "request_id", "tutor_id", "status", "created_at")

    def matches(self) -> Iterator[tuple[str, ...]]:
        for i in range(len(self.plan.story), self.plan.students):
            tutor = self.tutor_ids[self.plan.tutor_of(i)]
            yield (self.match_ids[i], self.request_ids[i], tutor, "active", self.created)

    PACKAGE_COLUMNS = (
        "id",
        "request_id",
        "sessions_total",
        "sessions_used",
        "status",
        "created_at",
        "updated_at",
    )

    def packages(self) -> Iterator[tuple[str, ...]]:
        size, created = str(PACKAGE_SIZE), self.created
        for i in range(len(self.plan.story), self.plan.students):
            yield (self.package_ids[i], self.request_ids[i], size, "0", "active", created, created)

    SESSION_COLUMNS = (
        "id",
        "match_id",
        "request_id",
        "tutor_id",
        "student_id",
        "scheduled_start_at",
        "duration_minutes",
        "meet_link",
        "status",
        "tutor_notes",
        "created_at",
        "updated_at",
    )

    @property
    def bulk_sessions(self) -> int:
        return (self.plan.students - len(self.plan.story)) * self.plan.sessions_per_match

    def sessions(self) -> Iterator[tuple[str, ...]]:
        # The hot loop of a large seed: locals only, no attribute lookups per row.
        new_id, bits, slot_text, created = self.ids.hex, self.rng.getrandbits, self.slot_text, self.created
        for i in range(len(self.plan.story), self.plan.students):
            match, request = self.match_ids[i], self.request_ids[i]
            tutor, student = self.tutor_ids[self.plan.tutor_of(i)], self.student_ids[i]
            for slot in self._pick(i):
                yield (
                    new_id(),
                    match,
                    request,
                    tutor,
                    student,
                    slot_text[slot],
                    DURATIONS[bits(1)],
                    f"https://meet.example.com/{bits(40):010x}",
                    "scheduled",
                    "",
                    created,
                    created,
                )
