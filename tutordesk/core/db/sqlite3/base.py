"""SQLite backend whose flush lifts the triggers of the tables it empties, and only for the wipe.

`manage.py flush`, `seed_demo --reset` and the test runner's table reset empty every table with
DELETE on SQLite; a trigger that makes a table append-only (the audit log's) would refuse that.
The triggers are read from the schema itself, dropped for the flush and created again with their
own SQL, so this backend knows no app. PostgreSQL flushes with TRUNCATE, which row triggers do
not see, so it needs no such subclass.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not tables:
            return statements
        wanted = set(tables)
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            )
            triggers = [(name, sql) for name, sql, table in cursor.fetchall() if table in wanted]
        drops = [f'DROP TRIGGER IF EXISTS "{name}"' for name, _ in triggers]
        creates = [sql for _, sql in triggers]
        return [*drops, *statements, *creates]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
