"""Every CSV export that carries names neutralises spreadsheet formulas: a cell starting with
= + - @, a tab or a carriage return gets a leading ' (the reports CSV and the audit log export)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import StudentFactory, TutorFactory, make_match, make_package, make_session
from tests.helpers import bring_to_status
from tutordesk.web.views import csv_cell

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_that_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Ann", "", "a=b", "1-2", "ann@example.com", None, 12])
def test_other_cells_are_left_as_they_are(text):
    assert csv_cell(text) == ("" if text is None else str(text))


@pytest.mark.parametrize("name", HOSTILE)
def test_the_reports_csv_defuses_a_tutors_name(admin_client_, name):
    tutor = TutorFactory(name=name)
    match = make_match(tutor=tutor, student=StudentFactory(name="-Sam"))
    make_package(request=match.request, sessions_total=2)
    bring_to_status(make_session(match=match), "done")
    for group_by, expected in (("tutor", "'" + name), ("student", "'-Sam")):
        response = admin_client_.get(f"/reports/outcomes.csv?group_by={group_by}")
        rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
        assert rows[1][1] == expected


def test_the_audit_export_defuses_an_actors_email(admin_client_, admin):
    from tutordesk.accounts.services import user_create

    hostile = TutorFactory(name="T", email="=cmd@example.com", role="admin")
    user_create(email="new@example.com", name="New", role="student", actor=hostile)
    response = admin_client_.get("/audit/export.csv?action=user_created")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))
    assert [row[3] for row in rows[1:] if row[3].endswith("cmd@example.com")] == ["'=cmd@example.com"]
