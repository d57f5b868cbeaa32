"""POST /api/v1/imports (CONTRACT §11 "Import"): dry run 200, created 201, bad rows 422
`import_invalid` with every bad cell, the same file again 200 with zeros, admins only."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_problem
from tests.onboarding.helpers import GOOD, HEADER, enrolment_file
from tutordesk.accounts.models import User
from tutordesk.onboarding.csvfile import MAX_BYTES
from tutordesk.tutoring.models import Package

pytestmark = pytest.mark.django_db

ZERO = {"users": 0, "requests": 0, "matches": 0, "packages": 0}


def post_csv(
    api, data: bytes | str, *, dry_run: bool, key: str | None = None, content_type: str = "text/csv"
):
    return api.post(f"/imports?dry_run={str(dry_run).lower()}", raw=data, key=key, content_type=content_type)


def error_cells(response) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["code"]) for e in response.json()["errors"]]


def test_a_dry_run_answers_what_would_be_made(admin_api):
    response = post_csv(admin_api, GOOD, dry_run=True)
    assert response.status_code == 200
    assert response.json() == {
        "rows": 3,
        "create": {"users": 5, "requests": 3, "matches": 3, "packages": 3},
        "errors": [],
    }
    assert not User.objects.filter(email="ann@example.com").exists()


def test_an_import_creates_201_and_the_same_file_again_200_with_zeros(admin_api):
    first = post_csv(admin_api, GOOD, dry_run=False)
    assert first.status_code == 201, first.content
    assert first.json() == {"rows": 3, "created": {"users": 5, "requests": 3, "matches": 3, "packages": 3}}
    again = post_csv(admin_api, GOOD, dry_run=False)
    assert again.status_code == 200
    assert again.json() == {"rows": 3, "created": ZERO}
    assert Package.objects.count() == 3


def test_an_idempotency_key_replays_the_first_answer(admin_api):
    first = post_csv(admin_api, GOOD, dry_run=False, key="import-1")
    replay = post_csv(admin_api, GOOD, dry_run=False, key="import-1")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Package.objects.count() == 3


def test_bad_rows_are_all_listed_and_nothing_is_made(admin_api, tutor):
    data = enrolment_file(
        'ann@example.com,=HYPERLINK("http://evil"),,Maths,tom@example.com,Tom,,10,,',
        "ben@example.com,Ben,Mars/Base,Maths,tom@example.com,Tom,,10,,",
        "BEN@example.com,Benjamin,,Physics,tom@example.com,Tom,,10,,",
        f"cat@example.com,Cat,,Maths,tom@example.com,Tom,,10,{tutor.email},Tara",
        "dan@example.com,Dan,,Maths,tom@example.com,Tom,,-3,,",
        "eve@example.com,Eve,,Maths,tom@example.com,Tom,,10,,",
    )
    expected = [
        (2, "student_name", "formula"),
        (3, "student_timezone", "unknown_timezone"),
        (4, "student_name", "name_conflict"),  # ben@ is "Ben" on row 3, bad as that row is
        (5, "guardian_email", "role_conflict"),
        (6, "sessions_total", "bad_sessions_total"),
    ]
    dry = post_csv(admin_api, data, dry_run=True)
    assert dry.status_code == 200
    assert error_cells(dry) == expected
    body = assert_problem(post_csv(admin_api, data, dry_run=False), 422, "import_invalid")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == expected
    assert all(e["message"] for e in body["errors"])
    assert not User.objects.filter(email="eve@example.com").exists()


def test_the_same_email_in_another_case_with_another_name_is_refused(admin_api):
    data = enrolment_file(
        "ben@example.com,Ben,,Maths,tom@example.com,Tom,,10,,",
        "BEN@Example.COM,Benjamin,,Physics,tom@example.com,Tom,,10,,",
    )
    body = assert_problem(post_csv(admin_api, data, dry_run=False), 422, "import_invalid")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (3, "student_name", "name_conflict")
    ]


def test_a_bom_semicolons_crlf_and_blank_lines_import(admin_api):
    text = "\ufeff" + HEADER.replace(",", ";") + "\r\n\r\n"
    text += "ann@example.com;Ann Lee;;Maths;tom@example.com;Tom Tutor;;10;;\r\n\r\n"
    response = post_csv(admin_api, text.encode(), dry_run=False)
    assert response.status_code == 201, response.content
    assert response.json()["created"] == {"users": 2, "requests": 1, "matches": 1, "packages": 1}


def test_a_missing_column_is_named(admin_api):
    data = enrolment_file(
        "ann@example.com,Ann,,tom@example.com,Tom,,10", header=HEADER.replace("subject,", "")
    )
    body = assert_problem(post_csv(admin_api, data, dry_run=False), 422, "import_invalid")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [(1, "subject", "missing_column")]


def test_a_50_mb_upload_is_refused_413(admin_api):
    response = post_csv(admin_api, b"a" * (50 * 1024 * 1024), dry_run=True)
    assert_problem(response, 413, "import_too_large")
    just_over = post_csv(admin_api, b"a" * (MAX_BYTES + 1), dry_run=False)
    assert_problem(just_over, 413, "import_too_large")


def test_a_file_between_djangos_limit_and_ours_is_read(admin_api):
    row = "ann@example.com,Ann Lee,,Maths,tom@example.com,Tom Tutor,,10,,"
    data = enrolment_file(*([row] * 40_000))[: 3 * 1024 * 1024]  # over 2.5 MB, cut mid-row
    response = post_csv(admin_api, data, dry_run=True)
    assert response.status_code == 200
    assert error_cells(response)[-1][2] in {"too_many_rows", "required", "bad_email", "bad_sessions_total"}


@pytest.mark.parametrize(
    "content_type", ["application/json", "multipart/form-data; boundary=x", "text/plain"]
)
def test_another_content_type_is_415(admin_api, content_type):
    assert_problem(
        post_csv(admin_api, GOOD, dry_run=True, content_type=content_type), 415, "unsupported_media_type"
    )


def test_text_csv_with_a_charset_is_taken(admin_api):
    response = post_csv(admin_api, GOOD, dry_run=True, content_type="text/csv; charset=utf-8")
    assert response.status_code == 200


def test_only_admins_import(tutor_api, student_api, anonymous_api):
    assert_problem(post_csv(tutor_api, GOOD, dry_run=True), 403, "forbidden")
    assert_problem(post_csv(student_api, GOOD, dry_run=False), 403, "forbidden")
    assert_problem(post_csv(anonymous_api, GOOD, dry_run=True), 401, "not_authenticated")


def test_a_bad_dry_run_value_is_a_validation_error(admin_api):
    response = admin_api.post("/imports?dry_run=perhaps", raw=GOOD, content_type="text/csv")
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize("body", [b"\n", b"{}", b"\xff\xfe\x00", b"just,some,columns\n1,2,3\n"])
def test_a_dry_run_of_a_body_that_is_no_enrolment_file_is_422(admin_api, body):
    assert_problem(post_csv(admin_api, body, dry_run=True), 422, "import_invalid")
