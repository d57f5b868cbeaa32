"""Seeded random API traffic from many clients, each behaving as a careful integration would:
every write carries an Idempotency-Key, and a write without a final answer (no HTTP answer, or a 503)
is sent again with the same key until it gets one. Everything sent and answered is recorded for
harness.checks. Requests go only to the app servers given (127.0.0.1).

The mix: status updates (done, both no-shows, reschedules with and without a new time), admin
corrections, new sessions, exact retries of answered writes (must replay byte for byte), keys reused
with another body (must be refused), and reads.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.servers import HOST
from harness.world import World

STATUSES = ["done", "no_show_student", "no_show_tutor", "rescheduled"]
CORRECTIONS = ["scheduled", "done", "no_show_student", "no_show_tutor", "rescheduled"]


@dataclass
class Call:
    kind: str  # status | correction | create | reuse | read
    method: str
    path: str
    token: str
    body: dict[str, Any] | None = None
    key: str | None = None


@dataclass
class Answer:
    status: int | None  # None: no HTTP answer (connection refused or cut)
    content: bytes = b""
    replayed: bool = False
    at: float = 0.0


@dataclass
class Exchange:
    """One logical request: every attempt, and the final answer (if one came)."""

    call: Call
    attempts: list[Answer] = field(default_factory=list)
    final: Answer | None = None
    first: Exchange | None = None  # for an exact retry: the exchange it repeats


@dataclass
class Record:
    exchanges: list[Exchange] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, exchange: Exchange) -> None:
        with self.lock:
            self.exchanges.append(exchange)

    @property
    def requests(self) -> int:
        return sum(len(e.attempts) for e in self.exchanges)


class Client:
    """One keep-alive connection at a time to one of the servers, reopened after any failure."""

    def __init__(self, ports: list[int], rng: random.Random, timeout: float) -> None:
        self.ports = ports
        self.rng = rng
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def send(self, call: Call) -> Answer:
        headers = {"Authorization": f"Bearer {call.token}"}
        payload = None
        if call.body is not None:
            payload = json.dumps(call.body).encode()
            headers["Content-Type"] = "application/json"
        if call.key is not None:
            headers["Idempotency-Key"] = call.key
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    HOST, self.rng.choice(self.ports), timeout=self.timeout
                )
            self.connection.request(call.method, call.path, body=payload, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
            answer = Answer(response.status, content, response.getheader("Idempotent-Replayed") == "true")
            if response.getheader("Connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException):
            self.close()
            answer = Answer(None)
        answer.at = time.monotonic()
        return answer

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def exchange(client: Client, call: Call, *, give_up_after: float) -> Exchange:
    """Send until a final answer (anything but no answer or a 503), at most `give_up_after` seconds."""
    done = Exchange(call)
    deadline = time.monotonic() + give_up_after
    pause = 0.05
    while True:
        answer = client.send(call)
        done.attempts.append(answer)
        if answer.status is not None and answer.status != 503:
            done.final = answer
            return done
        if call.key is None and call.method == "GET" and time.monotonic() > deadline:
            return done
        if time.monotonic() > deadline:
            return done
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


def run_traffic(
    world: World,
    ports: list[int],
    *,
    clients: int,
    duration: float,
    seed: int,
    give_up_after: float = 60.0,
    request_timeout: float = 30.0,
) -> Record:
    """`clients` threads send the mix for `duration` seconds; return everything that happened."""
    record = Record(started=time.monotonic())
    stop_at = record.started + duration
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

    def one_client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        client = Client(ports, rng, request_timeout)
        answered: list[Exchange] = []
        count = 0
        try:
            while time.monotonic() < stop_at:
                count += 1
                call, first = _next_call(world, rng, answered, now, f"soak-{seed}-{number}-{count}")
                done = exchange(client, call, give_up_after=give_up_after)
                done.first = first
                record.add(done)
                if _final_and_stored(done) and first is None and call.kind != "reuse":
                    answered.append(done)
        finally:
            client.close()

    threads = [threading.Thread(target=one_client, args=(n,), name=f"client-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    record.ended = time.monotonic()
    return record


def _final_and_stored(done: Exchange) -> bool:
    """A keyed write whose answer the server stored (all but a busy key's 409, never stored)."""
    if done.final is None or done.call.key is None:
        return False
    return b'"idempotency_key_in_use"' not in done.final.content


def _next_call(
    world: World, rng: random.Random, answered: list[Exchange], now: datetime, key: str
) -> tuple[Call, Exchange | None]:
    roll = rng.random()
    tutor = rng.choice(world.tutors)
    body: dict[str, Any]
    if roll < 0.10 and answered:
        first = rng.choice(answered)
        return first.call, first  # the exact same request, key included: must replay
    if roll < 0.15 and answered:
        first = rng.choice(answered)
        body = dict(first.call.body or {})
        # Another request under the same key: must be refused and change nothing.
        if first.call.kind == "create":
            body["duration_minutes"] = 240 if body["duration_minutes"] != 240 else 15
        elif first.call.kind == "correction":
            body["reason"] = "another reason"
        else:
            body["tutor_notes"] = f"other {rng.randrange(1000)}"
        return Call("reuse", first.call.method, first.call.path, first.call.token, body, first.call.key), None
    if roll < 0.55:
        session = rng.choice(tutor.sessions)
        status = rng.choice(STATUSES)
        body = {"status": status}
        if rng.random() < 0.3:
            body["tutor_notes"] = f"note {rng.randrange(1000)}"
        if status == "rescheduled" and rng.random() < 0.4:
            body["new_start_at"] = _future_slot(rng, now).isoformat()
        return Call("status", "POST", f"/api/v1/sessions/{session}/status", tutor.token, body, key), None
    if roll < 0.70:
        session = rng.choice(tutor.sessions)
        body = {"status": rng.choice(CORRECTIONS), "reason": "soak correction"}
        return Call(
            "correction", "POST", f"/api/v1/sessions/{session}/correction", world.admin.token, body, key
        ), None
    if roll < 0.85 and tutor.matches:
        body = {
            "match_id": rng.choice(tutor.matches),
            "scheduled_start_at": _future_slot(rng, now).isoformat(),
            "duration_minutes": rng.choice([30, 45, 60]),
        }
        return Call("create", "POST", "/api/v1/sessions", tutor.token, body, key), None
    if rng.random() < 0.5:
        return Call("read", "GET", f"/api/v1/sessions/{rng.choice(tutor.sessions)}", tutor.token), None
    return Call("read", "GET", "/api/v1/sessions?limit=20&status=scheduled", tutor.token), None


def _future_slot(rng: random.Random, now: datetime) -> datetime:
    return now + timedelta(days=rng.randrange(30, 90), hours=rng.randrange(24), minutes=rng.choice([0, 30]))
