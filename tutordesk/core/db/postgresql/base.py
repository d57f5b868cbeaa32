"""PostgreSQL backend whose check of a kept connection costs no round trip while it is in use.

Django checks a kept connection at the start of each request (CONN_HEALTH_CHECKS) by sending
`SELECT 1` and waiting for the answer: one more round trip on every request. Here a connection
last checked a moment ago (under load, every few milliseconds) is trusted when its socket says
nothing: one the server closed (a restart, a terminated backend) is readable at once, with the
server's goodbye or the end of the stream. Anything to read, a socket error, a transaction left
open, or a connection idle longer than IDLE_SECONDS (a firewall or NAT may have dropped it without
a word) falls back to Django's own `SELECT 1`, which settles it. TCP keepalives (settings.py) make
a peer that vanished show up as a socket error too.
"""

from __future__ import annotations

import select
import time

from django.db.backends.postgresql import base
from psycopg import pq

# Network devices drop idle connections after minutes, not seconds.
IDLE_SECONDS = 30.0


class DatabaseWrapper(base.DatabaseWrapper):
    _last_checked = 0.0

    def connect(self) -> None:
        super().connect()
        self._last_checked = time.monotonic()  # a new connection needs no check

    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        now = time.monotonic()
        recent, self._last_checked = now - self._last_checked < IDLE_SECONDS, now
        if recent and conn.info.transaction_status == pq.TransactionStatus.IDLE and _quiet(conn.fileno()):
            return True
        return bool(super().is_usable())


def _quiet(fd: int) -> bool:
    """Nothing to read and no error on the socket, without waiting."""
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False
