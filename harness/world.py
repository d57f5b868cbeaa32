"""The data a soak or crash run works on, made by the product's own commands in a subprocess:
`migrate`, `seed_demo`, and API tokens through the accounts service. The run then talks to the
product over HTTP only, and checks the database with SQL (harness.checks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_TOKENS_SCRIPT = """
import json
from tutordesk.accounts.models import User
from tutordesk.accounts.services import api_token_create
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match

def token(user):
    return api_token_create(email=user.email, name="soak")[1]

admin = User.objects.get(email="admin@example.com")
tutors = []
for tutor in User.objects.filter(role="tutor").order_by("email"):
    tutors.append({
        "id": str(tutor.id),
        "token": token(tutor),
        "matches": [str(m) for m in Match.objects.filter(tutor=tutor, status="active").values_list("id", flat=True)],
        "sessions": [str(s) for s in Session.objects.filter(tutor=tutor).order_by("scheduled_start_at", "id").values_list("id", flat=True)],
    })
print(json.dumps({"admin": {"id": str(admin.id), "token": token(admin)}, "tutors": tutors}))
"""


@dataclass
class Person:
    id: str
    token: str
    matches: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)


@dataclass
class World:
    database_url: str
    admin: Person
    tutors: list[Person]

    def user_of_token(self, token: str) -> str:
        for person in [self.admin, *self.tutors]:
            if person.token == token:
                return person.id
        raise KeyError(token)


def manage(database_url: str, *args: str, timeout: float = 600, env: dict[str, str] | None = None) -> str:
    """Run `manage.py args…` against `database_url` (debug on unless `env` says otherwise); return its
    standard output."""
    env = {**os.environ, "DATABASE_URL": database_url, "TUTORDESK_DEBUG": "1", **(env or {})}
    env.pop("TUTORDESK_TEST_DB_SUFFIX", None)
    done = subprocess.run(  # noqa: S603 (this interpreter running the project's manage.py)
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def prepare_world(
    database_url: str,
    *,
    tutors: int = 8,
    students: int = 48,
    sessions_per_match: int = 24,
    seed: int = 7,
    migrate: bool = False,
) -> World:
    if migrate:
        manage(database_url, "migrate", "--verbosity", "0")
    manage(
        database_url,
        "seed_demo",
        "--tutors",
        str(tutors),
        "--students",
        str(students),
        "--sessions-per-match",
        str(sessions_per_match),
        "--seed",
        str(seed),
    )
    data = json.loads(manage(database_url, "shell", "-c", _TOKENS_SCRIPT).strip().splitlines()[-1])
    return World(
        database_url=database_url,
        admin=Person(**data["admin"]),
        tutors=[Person(**t) for t in data["tutors"]],
    )
