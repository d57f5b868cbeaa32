"""Meeting-link tests: the Google-shaped server on 127.0.0.1 (google_server.py), the settings that
point the product at it, the worker's rounds run in this process at a chosen "now", and a guard
that fails any test in which anything but 127.0.0.1 is connected to or looked up."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from datetime import datetime

import pytest
from django.db import transaction

from tests.meetings.google_server import GoogleServer, start_google, stop_google
from tutordesk.events.models import Job
from tutordesk.events.worker import dispatch_events, run_due_jobs
from tutordesk.meetings import google as google_client
from tutordesk.meetings.models import MeetingLink


def _is_loopback(address: object) -> bool:
    if isinstance(address, str | bytes):  # a Unix socket
        return True
    if isinstance(address, tuple) and address:
        try:
            return ipaddress.ip_address(address[0]).is_loopback
        except ValueError:
            return address[0] == "localhost"
    return False


@pytest.fixture(autouse=True)
def nothing_leaves_the_machine(monkeypatch) -> Iterator[list[object]]:
    """Every address this process connects to or resolves during the test is on this machine;
    the test fails (after it ran) naming any other."""
    seen: list[object] = []
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: object) -> None:
        seen.append(address)
        if not _is_loopback(address):
            raise ConnectionRefusedError(f"the tests reach nothing but 127.0.0.1, not {address!r}")
        return connect(self, address)

    def guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        seen.append((host, "lookup"))
        if host not in ("127.0.0.1", "localhost", "::1", None):
            raise socket.gaierror(f"the tests look up nothing but 127.0.0.1, not {host!r}")
        return getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield seen
    outside = [
        a
        for a in seen
        if not (a[1] == "lookup" and a[0] in ("127.0.0.1", "localhost")) and not _is_loopback(a)
    ]  # type: ignore[index]
    assert not outside, f"something reached beyond this machine: {outside}"


@pytest.fixture
def google(tmp_path, settings) -> Iterator[GoogleServer]:
    """The Google-shaped server, and Tutordesk set to make Google Meet links through it."""
    server = start_google(tmp_path / "service-account.json")
    settings.MEETING_PROVIDER = "google"
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = str(tmp_path / "service-account.json")
    settings.GOOGLE_API_URL = server.root
    settings.GOOGLE_TIMEOUT_SECONDS = 2
    google_client._local.__dict__.pop("services", None)
    try:
        yield server
    finally:
        stop_google(server)
        google_client._local.__dict__.pop("services", None)


@pytest.fixture
def jitsi(settings):
    settings.MEETING_PROVIDER = "jitsi"
    settings.JITSI_DOMAIN = "meet.jit.si"


def run_jobs(*, now: datetime | None = None, rounds: int = 30) -> None:
    """What `run_worker` does for meeting links, in this process, until nothing is due at `now`."""
    for _ in range(rounds):
        if not dispatch_events(now=now) + run_due_jobs(now=now):
            return
    raise AssertionError("the worker still had work after many rounds")


def job_of(session) -> Job:
    link = MeetingLink.objects.get(session_id=session.pk)
    return Job.objects.get(key=link.event_id)


def atomic(function, /, **kwargs):
    with transaction.atomic():
        return function(**kwargs)
