"""PostgreSQL backend whose check of a kept connection costs no round trip while it is in use.

Django checks a kept connection at the start of each request (CONN_HEALTH_CHECKS) by sending
`SELECT 1` and waiting for the answer: one more round trip on every request. Here a connection
last checked a moment ago (under load, every few milliseconds) is trusted when its socket says
nothing: one the server closed (a restart, a terminated backend) is readable at once, with the
server's goodbye or the end of the stream. Anything to read, a socket error, a transaction left
open, or a connection idle longer than IDLE_SECONDS (a firewall or NAT may have dropped it without
a word) falls back to Django's own `SELECT 1`, which settles it. TCP keepalives (settings.py) make
a peer that vanished show up as a socket error too.

It also lets the kept cursor of the row helpers read `timestamptz` with psycopg's own, compiled
loader where Django's Python one gives the same datetime (`read_times_fast`).
"""

from __future__ import annotations

import datetime
import select
import time

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.utils import CursorWrapper
from psycopg import pq
from psycopg.postgres import types as pg_types

TIMESTAMPTZ_OID = pg_types["timestamptz"].oid
# psycopg's own text loader for timestamptz, compiled under psycopg[binary] (and psycopg[c]).
PSYCOPG_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT)
_COMPILED_LOADER = not PSYCOPG_TIMESTAMPTZ_LOADER.__module__.startswith("psycopg.")

# Network devices drop idle connections after minutes, not seconds.
IDLE_SECONDS = 30.0


class DatabaseWrapper(base.DatabaseWrapper):
    _last_checked = 0.0

    def connect(self) -> None:
        super().connect()
        self._last_checked = time.monotonic()  # a new connection needs no check

    def read_times_fast(self, cursor: CursorWrapper) -> bool:
        """Let `cursor` read `timestamptz` values with psycopg's own loader where it gives what
        Django's gives; True if it does.

        Django registers, on every connection, a Python subclass of psycopg's pure-Python loader
        that parses the text and then sets the connection's time zone (UTC with USE_TZ). psycopg's
        default loader, compiled under psycopg[binary], returns the same aware datetime in the
        session's TimeZone, which Django sets to UTC at connect; parsing in C costs a fraction
        (a status update's statements read several such values). Used for the row helpers'
        kept cursor only: Django checks its own loader's `timezone` before each new cursor, and
        every other cursor keeps Django's loader. Any zone but UTC keeps Django's loader here too.
        The session's zone is read when the cursor is made: nothing in Tutordesk sets it later, and
        Django sets it only with a change of its own zone, for which the kept cursor is made again.
        """
        if self.timezone is not datetime.UTC or not _COMPILED_LOADER:
            return False  # another zone, or psycopg's pure-Python build: nothing to gain
        if cursor.connection.info.parameter_status("TimeZone") != "UTC":
            return False
        cursor.cursor.adapters.register_loader(TIMESTAMPTZ_OID, PSYCOPG_TIMESTAMPTZ_LOADER)
        return True

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
