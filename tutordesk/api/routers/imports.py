"""POST /api/v1/imports (CONTRACT §11 "Import"): an enrolment spreadsheet, dry run or for real."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema

from tutordesk.accounts.access import require_admin
from tutordesk.api.auth import AuthedRequest
from tutordesk.api.idempotent import IdempotencyKey, respond_once
from tutordesk.api.responses import WRITE_ERRORS, ok
from tutordesk.api.schemas import Problem
from tutordesk.core.errors import ImportInvalid, ImportTooLarge, UnsupportedMediaType
from tutordesk.onboarding.csvfile import MAX_BYTES
from tutordesk.onboarding.services import import_csv

router = Router(tags=["imports"])

CSV_TYPES = frozenset({"text/csv"})
# Errors that leave no rows to judge: a dry run answers them 422 too.
NOT_A_FILE = frozenset({"empty_file", "not_utf8", "bad_character", "missing_column", "duplicate_column"})


class ImportCounts(Schema):
    users: int
    requests: int
    matches: int
    packages: int


class ImportError_(Schema):
    row: int
    column: str
    code: str
    message: str


class ImportPlanOut(Schema):
    rows: int
    create: ImportCounts
    errors: list[ImportError_]


class ImportDoneOut(Schema):
    rows: int
    created: ImportCounts


def read_csv_body(request: AuthedRequest) -> bytes:
    """The body of a CSV upload, refused by its declared length before a byte of it is read."""
    if request.content_type not in CSV_TYPES:
        raise UnsupportedMediaType("Send the spreadsheet as Content-Type: text/csv (UTF-8, a header row)")
    limit = f"{MAX_BYTES // (1024 * 1024)} MB"
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BYTES:
        raise ImportTooLarge(f"The file is over {limit}; split it into smaller files")
    # Read here rather than through `request.body`, whose limit (DATA_UPLOAD_MAX_MEMORY_SIZE,
    # 2.5 MB) is the JSON endpoints'; a body longer than declared is cut at the limit and refused.
    data = request.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportTooLarge(f"The file is over {limit}; split it into smaller files")
    request._body = data  # the Idempotency-Key's fingerprint reads it as `request.body`
    return data


@router.post(
    "/imports",
    response={
        200: ImportPlanOut | ImportDoneOut,
        201: ImportDoneOut,
        413: Problem,
        415: Problem,
        **WRITE_ERRORS,
    },
    operation_id="imports_create",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string", "description": "UTF-8 CSV with a header row"}}
            },
        }
    },
)
def imports_create(
    request: AuthedRequest, dry_run: bool = False, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """An admin imports enrolments from a spreadsheet (docs/people-and-import.md).

    `dry_run=true` → 200 `{rows, create, errors}`, nothing changed (a body that is no enrolment
    file at all — empty, not UTF-8, a header without the required columns — is 422 `import_invalid`). Otherwise all or nothing:
    201 `{rows, created}`; any bad row → 422 `import_invalid` with every bad cell in `errors`
    (`row` 1 is the header); the same file again → 200 with every count zero. A body over 5 MB →
    413 `import_too_large`; a Content-Type other than `text/csv` → 415 `unsupported_media_type`.
    """
    require_admin(request.auth, "import a spreadsheet")
    data = read_csv_body(request)
    if dry_run:
        plan = import_csv(actor=request.auth, data=data, dry_run=True)
        if any(error.code in NOT_A_FILE for error in plan.errors):
            # No rows to judge: the body is not an enrolment file at all (no header, not text).
            raise ImportInvalid(
                "The body is not an enrolment CSV file", errors=[error.as_dict() for error in plan.errors]
            )
        return ok(plan.dry_run_dict())

    def run() -> tuple[int, Any]:
        result = import_csv(actor=request.auth, data=data, dry_run=False)
        return (200 if result.repeat else 201), result.created_dict()

    return respond_once(request, key=idempotency_key, run=run)
