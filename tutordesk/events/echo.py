"""The email backend of development (no SMTP server set): one line per email on the worker's
console, so `make run` stays readable. `TUTORDESK_EMAIL_ECHO=full` prints whole messages instead
(Django's console backend)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class OneLineEmailBackend(BaseEmailBackend):
    """`email <kind> to <recipient>: <subject> [+ attachment names]`, one line each."""

    def __init__(self, *args: Any, stream: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        with self._lock:
            for message in email_messages:
                kind = message.extra_headers.get("X-Tutordesk-Kind", "email")
                files = [a[0] for a in message.attachments if isinstance(a, tuple) and a[0]]
                extra = f" [+ {', '.join(files)}]" if files else ""
                self.stream.write(
                    f"email {kind} to {', '.join(message.recipients())}: {message.subject}{extra}\n"
                )
                sent += 1
            self.stream.flush()
        return sent
