"""PostgreSQL backend whose check of a kept connection costs no round trip while the server is quiet.

Django checks a kept connection at the start of each request (CONN_HEALTH_CHECKS) by sending
`SELECT 1` and waiting for the answer: one more round trip on every request. An idle connection the
server still holds has nothing to read; one the server closed (a restart, a terminated backend, an
idle timeout) is readable at once, with the server's goodbye or the end of the stream. So the
socket is polled first, without waiting: nothing to read means the connection is in use as it was;
anything to read, or a socket error, falls back to Django's own `SELECT 1`, which settles it.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            poller = select.poll()
            poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
            quiet = not poller.poll(0)
        except (OSError, ValueError):
            quiet = False
        return quiet or bool(super().is_usable())
