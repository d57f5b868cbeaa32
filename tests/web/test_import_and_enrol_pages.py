"""The Import page (/imports/: upload, preview with every bad row, confirm) and the Enrol form
(/enrol/), admins only (CONTRACT §11 "Pages", §15 hooks)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.onboarding.helpers import GOOD, enrolment_file
from tests.web.conftest import logged_in
from tutordesk.accounts.models import Guardianship, User
from tutordesk.onboarding.models import Import, PendingImport
from tutordesk.tutoring.models import Match, Package

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name: str = "enrolments.csv"):
    return client.post("/imports/", {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def confirm_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(idempotency_key|pending)" value="([^"]+)"', html))


def test_the_page_has_the_hooks(admin_client_):
    html = admin_client_.get("/imports/").content.decode()
    assert 'type="file" name="file"' in html
    assert 'data-action="preview"' in html
    assert 'data-action="import"' not in html


def test_a_preview_shows_what_would_be_made_then_the_import_makes_it(admin_client_):
    preview = upload(admin_client_, GOOD)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert 'data-create="users">5<' in html and 'data-create="packages">3<' in html
    assert "data-import-error" not in html
    assert 'data-action="import"' in html
    assert not User.objects.filter(email="ann@example.com").exists()
    fields = confirm_fields(html)
    done = admin_client_.post("/imports/confirm/", fields)
    assert done.status_code == 200
    summary = done.content.decode()
    assert "data-import-summary" in summary and 'data-created="packages">3<' in summary
    assert Package.objects.count() == 3 and Import.objects.count() == 1
    assert not PendingImport.objects.exists()
    # A double click replays the summary; nothing is made twice.
    again = admin_client_.post("/imports/confirm/", fields)
    assert 'data-created="packages">3<' in again.content.decode()
    assert Package.objects.count() == 3


def test_a_preview_lists_every_bad_row_and_offers_no_import(admin_client_):
    data = enrolment_file(
        'ann@example.com,"=HYPERLINK(""http://x"")",,Maths,tom@example.com,Tom,,10,,',
        "ben@example.com,Ben,Mars/Base,Maths,tom@example.com,Tom,,10,,",
        "cat@example.com,Cat,,Maths,tom@example.com,Tom,,ten,,",
    )
    html = upload(admin_client_, data).content.decode()
    rows = re.findall(
        r'data-import-error data-row="(\d+)" data-column="([a-z_]*)" data-code="([a-z_]+)"', html
    )
    assert rows == [
        ("2", "student_name", "formula"),
        ("3", "student_timezone", "unknown_timezone"),
        ("4", "sessions_total", "bad_sessions_total"),
    ]
    assert 'data-action="import"' not in html
    assert not PendingImport.objects.exists()


def test_a_confirmation_of_someone_elses_file_imports_nothing(admin_client_, admin):
    from tests.factories import AdminFactory

    other = logged_in(AdminFactory(email="other-admin@example.test"))
    fields = confirm_fields(upload(admin_client_, GOOD).content.decode())
    response = other.post("/imports/confirm/", fields)
    assert response.status_code == 422
    assert Package.objects.count() == 0


def test_only_admins_see_the_pages(tutor_client, student_client):
    for client in (tutor_client, student_client):
        assert client.get("/imports/").status_code == 403
        assert client.get("/enrol/").status_code == 403


def test_the_admin_nav_links_import_and_enrol(admin_client_, tutor_client):
    html = admin_client_.get("/").content.decode()
    assert 'href="/imports/"' in html and 'href="/enrol/"' in html
    assert 'href="/imports/"' not in tutor_client.get("/").content.decode()


def enrol_form(client) -> dict[str, str]:
    html = client.get("/enrol/").content.decode()
    return {"idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)}


def test_enrolling_a_new_student_with_a_guardian_in_one_go(admin_client_, tutor):
    fields = {
        **enrol_form(admin_client_),
        "student_email": "Nina@Example.com",
        "student_name": "Nina Novak",
        "student_timezone": "Europe/Paris",
        "subject": "French",
        "tutor": str(tutor.id),
        "sessions_total": "12",
        "guardian_email": "mum@example.com",
        "guardian_name": "Mara Novak",
    }
    response = admin_client_.post("/enrol/", fields)
    html = response.content.decode()
    assert response.status_code == 200, html
    assert "data-enrolled" in html and 'data-created="users">2<' in html
    nina = User.objects.get(email="nina@example.com")
    assert nina.timezone == "Europe/Paris"
    match = Match.objects.get(request__student=nina)
    assert match.tutor_id == tutor.id and match.request.subject == "French"
    assert match.request.packages.get().sessions_total == 12
    assert Guardianship.objects.filter(student=nina, guardian__email="mum@example.com").exists()
    # The same form sent twice (a double click) enrols once.
    admin_client_.post("/enrol/", fields)
    assert Package.objects.filter(request__student=nina).count() == 1


def test_an_existing_student_is_reused(admin_client_, tutor, student):
    fields = {
        **enrol_form(admin_client_),
        "student_email": student.email,
        "student_name": student.name,
        "subject": "Chess",
        "tutor": str(tutor.id),
        "sessions_total": "4",
    }
    html = admin_client_.post("/enrol/", fields).content.decode()
    assert 'data-created="users">0<' in html and 'data-created="requests">1<' in html


def test_errors_are_shown_per_field_and_nothing_is_made(admin_client_, tutor, other_tutor):
    fields = {
        **enrol_form(admin_client_),
        "student_email": other_tutor.email,
        "student_name": "=evil()",
        "subject": "",
        "tutor": str(tutor.id),
        "sessions_total": "0",
    }
    response = admin_client_.post("/enrol/", fields)
    html = response.content.decode()
    assert response.status_code == 422
    for name in ("subject", "sessions_total"):
        assert f'data-field-error="{name}"' in html
    fields.update(subject="Maths", sessions_total="3")
    html = admin_client_.post("/enrol/", fields).content.decode()
    assert 'data-field-error="student_name"' in html
    fields.update(student_name="Otto")
    html = admin_client_.post("/enrol/", fields).content.decode()
    assert 'data-field-error="student_email"' in html  # a tutor's email, not a student's
    assert Package.objects.count() == 0
