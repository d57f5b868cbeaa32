"""Deterministic demo data (CONTRACT §6): same seed, same day, same data, ids included.

Two kinds of rows (docs/demo-data.md):
- the bulk, written straight into empty tables by the fastest way each database has
  (bulk.py): every user, and the requests, matches, packages and sessions of students outside
  the story; no audit rows, nothing the product could not have written itself;
- the story (story.py): a few students whose requests, matches, packages, sessions and outcomes
  are made through the product's services, by the admin and the tutors, in the same transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils.crypto import RANDOM_STRING_CHARS

from tutordesk.accounts.models import Guardianship, User
from tutordesk.audit.models import AuditLog
from tutordesk.demo import story
from tutordesk.demo.bulk import BulkLoader, Table, loader_for
from tutordesk.demo.plan import make_plan
from tutordesk.demo.rows import FORMATS, DemoRows
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest

# From this many bulk sessions on, indexes are dropped for the load and built again after it.
REBUILD_INDEXES_FROM = 20_000


class DatabaseNotEmpty(Exception):
    """The demo only fills an empty database."""


@dataclass(frozen=True)
class DemoSummary:
    admin_email: str
    tutor_emails: list[str]
    student_emails: list[str]
    guardian_emails: list[str]
    sessions: int
    password: str


class ProgressBar(Protocol):
    """What the seed asks of a progress bar (tqdm has it)."""

    def update(self, n: int) -> object: ...
    def set_postfix_str(self, s: str) -> object: ...
    def close(self) -> object: ...


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def set_postfix_str(self, s: str) -> None:
        pass

    def close(self) -> None:
        pass


def check_demo_size(*, tutors: int, students: int, sessions_per_match: int) -> None:
    """Raise DemoSizeError (a ValueError) when these sizes cannot hold the demo (before anything
    is wiped)."""
    make_plan(tutors=tutors, students=students, sessions_per_match=sessions_per_match)


def seed_demo(
    *,
    tutors: int,
    students: int,
    sessions_per_match: int,
    seed: int,
    password: str,
    now: datetime,
    progress: Callable[[int], ProgressBar] | None = None,
    rebuild_indexes: bool | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo; DatabaseNotEmpty (and nothing written) otherwise.

    Runs in one transaction (the caller's, or its own): all of it is written, or none.
    `progress(total)` returns a bar (ProgressBar) for the bulk sessions.
    `rebuild_indexes` forces or forbids dropping indexes around the load (by default: from
    REBUILD_INDEXES_FROM bulk sessions on).
    """
    plan = make_plan(tutors=tutors, students=students, sessions_per_match=sessions_per_match)
    with transaction.atomic():
        _lock_and_check_empty()
        rows = DemoRows(
            plan=plan, seed=seed, now=now, fmt=FORMATS[connection.vendor], password_hash=_hash(password, seed)
        )
        tables = [
            Table(User, rows.USER_COLUMNS),
            Table(Guardianship, rows.GUARDIANSHIP_COLUMNS),
            Table(TutoringRequest, rows.REQUEST_COLUMNS),
            Table(Match, rows.MATCH_COLUMNS),
            Table(Package, rows.PACKAGE_COLUMNS),
            Table(Session, rows.SESSION_COLUMNS),
        ]
        if rebuild_indexes is None:
            rebuild_indexes = rows.bulk_sessions >= REBUILD_INDEXES_FROM
        loader = loader_for(connection)
        bar: ProgressBar = progress(rows.bulk_sessions) if progress is not None else _NoProgress()
        try:
            with loader.without_secondary_indexes(tables) if rebuild_indexes else nullcontext():
                _load(loader, tables, rows, bar.update)
                bar.set_postfix_str("indexes" if rebuild_indexes else "story")
            bar.set_postfix_str("statistics, story")
            loader.analyze(tables)
            story_sessions = story.tell(rows, seed=seed)
        finally:
            bar.close()
    return DemoSummary(
        admin_email="admin@example.com",
        tutor_emails=[f"tutor{i}@example.com" for i in range(1, tutors + 1)],
        student_emails=[f"student{i}@example.com" for i in range(1, students + 1)],
        guardian_emails=[f"guardian{i}@example.com" for i in range(1, rows.guardians + 1)],
        sessions=rows.bulk_sessions + story_sessions,
        password=password,
    )


def _hash(password: str, seed: int) -> str:
    """One hash for every login (hashing is deliberately slow, and they share the password), its
    salt drawn from the seed so that the same seed gives the same rows. The salt is as long and
    from the same alphabet as Django's own, so Django never asks to rehash it."""
    rng = random.Random(f"tutordesk-demo:{seed}:salt")
    salt = "".join(rng.choice(RANDOM_STRING_CHARS) for _ in range(22))
    return make_password(password, salt=salt)


def _load(loader: BulkLoader, tables: list[Table], rows: DemoRows, progress: Callable[[int], object]) -> None:
    users, guardianships, requests, matches, packages, sessions = tables
    loader.load(users, rows.users())
    loader.load(guardianships, rows.guardianships())
    loader.load(requests, rows.requests())
    loader.load(matches, rows.matches())
    loader.load(packages, rows.packages())
    loader.load(sessions, rows.sessions(), progress)


def _lock_and_check_empty() -> None:
    """Under a lock, so two seeds started at once cannot both find the database empty."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(User._meta.db_table)} IN EXCLUSIVE MODE")
    # (SQLite: the transaction began IMMEDIATE, holding the database's write lock already.)
    for model in (User, TutoringRequest, Package, Session, AuditLog):
        if model.objects.exists():
            raise DatabaseNotEmpty(f"the {model._meta.db_table} table has rows")
