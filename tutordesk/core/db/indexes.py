"""Migration steps that drop or add an index by name without holding up writes.

On PostgreSQL they run `DROP INDEX CONCURRENTLY` / `CREATE INDEX CONCURRENTLY`, which wait for
the table's readers without locking its writers out (a plain DROP INDEX takes the table's
strongest lock, and writes queue behind it while it waits). CONCURRENTLY cannot run inside a
transaction: a migration using these sets `atomic = False`. SQLite drops and creates plainly.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def drop_index(name: str, *, table: str, column: str) -> migrations.RunPython:
    """Drop index `name`; undone by creating it again on `table` (`column`)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {name}")

    def backward(apps: Any, schema_editor: Any) -> None:
        schema_editor.execute(
            f"CREATE INDEX{_concurrently(schema_editor)} IF NOT EXISTS {name} ON {table} ({column})"
        )

    return migrations.RunPython(forward, backward, atomic=False)


def _concurrently(schema_editor: Any) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
