"""POST /api/v1/imports over real HTTP (the live server, a socket, raw bytes): the hostile inputs
of an enrolment file as a client really sends them."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

import pytest

from tests.factories import AdminFactory, TutorFactory
from tests.onboarding.helpers import HEADER, enrolment_file
from tutordesk.accounts.services import api_token_create
from tutordesk.tutoring.models import Package

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def post(live_server):
    admin = AdminFactory(email="ada@example.test")
    token = api_token_create(email=admin.email)[1]
    url = urlparse(live_server.url)

    def send(body: bytes, *, dry_run: bool, content_type: str = "text/csv", length: int | None = None):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        try:
            connection.putrequest("POST", f"/api/v1/imports?dry_run={str(dry_run).lower()}")
            connection.putheader("Authorization", f"Bearer {token}")
            connection.putheader("Content-Type", content_type)
            connection.putheader("Content-Length", str(len(body) if length is None else length))
            connection.endheaders()
            connection.send(body)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type"), json.loads(response.read())
        finally:
            connection.close()

    return send


def cells(body) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["code"]) for e in body["errors"]]


def test_a_bom_semicolons_crlf_and_blank_lines_import(post):
    text = "\ufeff" + HEADER.replace(",", ";") + "\r\n\r\n"
    text += "ann@example.com;Ann Lee;Europe/Berlin;Maths;tom@example.com;Tom Tutor;;10;;\r\n\r\n\r\n"
    status, _, body = post(text.encode(), dry_run=False)
    assert status == 201
    assert body == {"rows": 1, "created": {"users": 2, "requests": 1, "matches": 1, "packages": 1}}
    status, _, body = post(text.encode(), dry_run=False)
    assert (status, body["created"]["packages"]) == (200, 0)
    assert Package.objects.count() == 1


def test_every_bad_input_is_one_listed_cell_and_nothing_is_made(post):
    tutor = TutorFactory(email="tara@example.test", name="Tara")
    data = enrolment_file(
        'ann@example.com,"=HYPERLINK(""http://evil"")",,Maths,tom@example.com,Tom,,10,,',
        "ben@example.com,Ben,Mars/Olympus,Maths,tom@example.com,Tom,,10,,",
        "cat@example.com,Cat,,Maths,tom@example.com,Tom,,5,,",
        "CAT@EXAMPLE.COM,Catherine,,Physics,tom@example.com,Tom,,5,,",
        f"dan@example.com,Dan,,Maths,tom@example.com,Tom,,5,{tutor.email.upper()},Tara",
        "eve@example.com,Eve,,Maths,tom@example.com,Tom,,0,,",
    )
    expected = [
        (2, "student_name", "formula"),
        (3, "student_timezone", "unknown_timezone"),
        (5, "student_name", "name_conflict"),
        (6, "guardian_email", "role_conflict"),
        (7, "sessions_total", "bad_sessions_total"),
    ]
    status, _, body = post(data, dry_run=True)
    assert status == 200 and cells(body) == expected
    status, content_type, body = post(data, dry_run=False)
    assert (status, content_type, body["code"]) == (422, "application/problem+json", "import_invalid")
    assert cells(body) == expected
    assert Package.objects.count() == 0


def test_a_50_mb_upload_is_refused_before_it_is_read(post):
    # Only the first megabyte is sent: the answer comes from the declared length alone.
    status, content_type, body = post(b"x" * 1024 * 1024, dry_run=True, length=50 * 1024 * 1024)
    assert (status, content_type, body["code"]) == (413, "application/problem+json", "import_too_large")


def test_a_json_body_is_415(post):
    status, _, body = post(b'{"rows": []}', dry_run=True, content_type="application/json")
    assert (status, body["code"]) == (415, "unsupported_media_type")
