"""SQLite backend whose flush lifts the audit log's append-only triggers for the wipe, and only for it.

`manage.py flush`, `seed_demo --reset` and the test runner's table reset empty every table with
DELETE on SQLite; the triggers that make `audit_logs` append-only would refuse that. PostgreSQL
flushes with TRUNCATE, which row triggers do not see, so it needs no such subclass.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

from tutordesk.audit.triggers import SQLITE_CREATE, SQLITE_DROP


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ):
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if "audit_logs" not in tables:
            return statements
        return [*SQLITE_DROP, *statements, *SQLITE_CREATE]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
