"""`python manage.py welcome`: `make run`'s last words. It waits until the server answers and the
worker has sent what was waiting (the demo's emails, printed in the same terminal), then prints
where to open Tutordesk and the demo logins, so they are the last thing on the screen."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutordesk.accounts.models import Role, User
from tutordesk.core import clock
from tutordesk.demo.management.commands.seed_demo import demo_password
from tutordesk.events.selectors import worker_has_work_due

POLL = 0.2  # seconds


class Command(BaseCommand):
    help = (
        "Wait until the server at ADDRESS accepts connections and the worker has sent what was due, "
        "then print the address and the demo logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--address", default="127.0.0.1:8000", help="host:port of the server")
        parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the server (60)")
        parser.add_argument(
            "--worker-timeout",
            type=float,
            default=20.0,
            help="seconds to wait, at most, for the worker's backlog (20)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, _, port = options["address"].rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(f"--address must be host:port, not {options['address']!r}")
        if not _wait_for(lambda: _accepts(host, int(port)), seconds=options["timeout"]):
            raise CommandError(f"Nothing answered at {options['address']} within {options['timeout']:.0f} s.")
        # The worker prints the demo's emails when it starts: let it finish, so this comes last.
        _wait_for(lambda: not worker_has_work_due(now=clock.now()), seconds=options["worker_timeout"])
        time.sleep(0.5)  # the last email's lines reach the terminal
        self.stdout.write(welcome(f"http://{host}:{port}"))


def welcome(url: str) -> str:
    """The block: the address, the demo logins (when this is the demo's data) and how to stop."""
    rule = "─" * 64
    lines = ["", rule, f"  Tutordesk is running: {url}"]
    admin = User.objects.filter(email="admin@example.com", role=Role.ADMIN).first()
    if admin is not None:
        password = demo_password()
        said = password if check_password(password, admin.password) else "the one the demo was seeded with"
        lines += [f"  Log in with password {said} as", "    admin@example.com"]
        for role in (Role.TUTOR, Role.STUDENT, Role.GUARDIAN):
            count = User.objects.filter(role=role, email__regex=rf"^{role}[0-9]+@example\.com$").count()
            if count == 1:
                lines.append(f"    {role}1@example.com")
            elif count > 1:
                lines.append(f"    {role}1@example.com … {role}{count}@example.com")
    lines += ["  Ctrl-C stops the server and the worker.", rule, ""]
    return "\n".join(lines)


def _accepts(host: str, port: int) -> bool:
    """A bare connection, no request: the server logs nothing for it."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _wait_for(condition: Callable[[], bool], *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL)
