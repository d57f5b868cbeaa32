"""The audit shape of an import (audit.details explains the rules)."""

from __future__ import annotations

from tutordesk.audit.details import AuditDetails, Names
from tutordesk.audit.models import AuditAction, AuditEntity


class ImportCompleted(AuditDetails):
    action = AuditAction.IMPORT_COMPLETED
    entity = AuditEntity.IMPORT

    sha256: str
    rows: int
    users: int
    requests: int
    matches: int
    packages: int

    def words(self, names: Names) -> str:
        return (
            f"Spreadsheet of {self.rows} rows imported: {self.users} people, {self.requests} requests, "
            f"{self.matches} matches, {self.packages} packages added"
        )
