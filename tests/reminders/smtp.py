"""A real SMTP receiver on 127.0.0.1 (aiosmtpd), keeping every message it is handed."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def kind(self) -> str:
        return str(self.message["X-Tutordesk-Kind"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        return body.get_content() if body is not None else ""

    def attachments(self) -> dict[str, str]:
        found = {}
        for part in self.message.iter_attachments():
            payload = part.get_payload(decode=True)
            found[part.get_filename() or ""] = payload.decode() if isinstance(payload, bytes) else ""
        return found


@dataclass
class SmtpReceiver:
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Seconds each message waits before the server answers (a slow server, to kill a worker mid-send).
    delay: float = 0.0
    # One entry per SMTP conversation that handed over a message (a connection's session).
    conversations: set[int] = field(default_factory=set)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.messages.append(Received(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
            self.conversations.add(id(session))
        return "250 OK"

    def reminders(self) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if m.kind == "reminder"]

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.recipients]

    def wait_for(self, condition: Callable[[], bool], *, what: str = "", seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.05)
        raise AssertionError(f"the condition never held; {len(self.messages)} messages received\n{what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_smtp() -> tuple[SmtpReceiver, Controller, int]:
    """The receiver, its server (stop it) and its port. (aiosmtpd's Controller needs a port it
    can connect to once started, so a free one is chosen first.)"""
    receiver = SmtpReceiver()
    port = free_port()
    controller = Controller(receiver, hostname="127.0.0.1", port=port)
    controller.start()
    return receiver, controller, port
