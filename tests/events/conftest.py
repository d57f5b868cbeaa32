"""A real webhook receiver on 127.0.0.1 (a small threaded http.server), endpoints made through the
services, and the worker run in this process with its notion of "now"."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import system_admin
from tutordesk.events.models import EventType, WebhookDelivery, WebhookEndpoint
from tutordesk.events.services import webhook_endpoint_create
from tutordesk.events.worker import deliver_due, dispatch_events, send_due_emails

HOST = "127.0.0.1"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)


# A receiver's rule: given the request and how many came before with its webhook-id, the status
# to answer, and optionally seconds to wait first and a body.
Rule = Callable[[Received, int], "int | tuple[int, float] | tuple[int, float, bytes]"]


@dataclass
class Receiver:
    rule: Rule
    requests: list[Received] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    most_at_once: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://{HOST}:{self.server.server_port}/hooks"

    def for_id(self, webhook_id: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.headers.get("webhook-id") == webhook_id]

    def answered_ok(self) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def wait_for(self, count: int, within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the receiver got {len(self.requests)} requests, not {count}")
            time.sleep(0.02)


def start_receiver(rule: Rule) -> Receiver:
    receiver = Receiver(rule=rule)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received = Received(
                self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
            )
            webhook_id = received.headers.get("webhook-id", "")
            with receiver.lock:
                before = sum(1 for r in receiver.requests if r.headers.get("webhook-id") == webhook_id)
                receiver.requests.append(received)
                receiver.in_flight[webhook_id] = receiver.in_flight.get(webhook_id, 0) + 1
                receiver.most_at_once[webhook_id] = max(
                    receiver.most_at_once.get(webhook_id, 0), receiver.in_flight[webhook_id]
                )
            answer = rule(received, before)
            status, delay, body = (answer, 0.0, b"ok") if isinstance(answer, int) else (*answer, b"ok")[:3]
            try:
                if delay:
                    receiver.release.wait(delay)
                received.status = status
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the worker gave up on this request (a timeout) or was killed
            finally:
                with receiver.lock:
                    receiver.in_flight[webhook_id] -= 1

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default 5 drops connections that arrive together

    server = Server((HOST, 0), Handler)
    server.daemon_threads = True
    receiver.server = server
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


@pytest.fixture
def receivers() -> Iterator[Callable[[Rule], Receiver]]:
    """Start receivers with a rule each; all are stopped after the test."""
    started: list[Receiver] = []

    def start(rule: Rule) -> Receiver:
        receiver = start_receiver(rule)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.release.set()
        assert receiver.server is not None
        receiver.server.shutdown()
        receiver.server.server_close()


@pytest.fixture
def receiver(receivers) -> Receiver:
    """Answers 200 to everything."""
    return receivers(lambda request, before: 200)


@pytest.fixture
def allow_private(settings):
    """Only to reach the receiver on 127.0.0.1."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture(scope="session", autouse=True)
def api_document_as_the_server_starts():
    """The API's schema for a webhook URL follows the private switch as it is when the API is first
    imported, as a server's does when it starts: import it before any test here turns it on."""
    import tutordesk.api.api  # noqa: F401


def make_endpoint(
    url: str, *, events: list[str] | None = None, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    with transaction.atomic():
        return webhook_endpoint_create(
            url=url, events=events or list(EventType.values), description=description, actor=system_admin()
        )


def run_worker(*, now: datetime | None = None, rounds: int = 50) -> None:
    """What `run_worker` does, in this process, until nothing is due at `now`."""
    for _ in range(rounds):
        done = dispatch_events(now=now) + deliver_due(now=now, timeout=5) + send_due_emails(now=now)
        if not done:
            return
    raise AssertionError("the worker still had work after many rounds")


def run_until_settled(delivery: WebhookDelivery, *, limit: int = 20) -> WebhookDelivery:
    """Walk a delivery through its schedule: each round's "now" is its next attempt's time."""
    for _ in range(limit):
        delivery.refresh_from_db()
        if delivery.next_attempt_at is None:
            return delivery
        run_worker(now=max(delivery.next_attempt_at, timezone.now()))
    raise AssertionError("the delivery never settled")
