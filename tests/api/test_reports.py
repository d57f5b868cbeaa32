"""The outcomes report (CONTRACT §9): every number checked against counts made here, independently,
from the sessions themselves."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import assert_problem
from tests.factories import StudentFactory, make_match, make_package, make_session
from tests.helpers import bring_to_status
from tutordesk.scheduling.models import Session

pytestmark = pytest.mark.django_db

STATUSES = ("scheduled", "done", "rescheduled", "no_show_student", "no_show_tutor")
ROW_FIELDS = {"key", "label", *STATUSES, "charged", "no_show_rate"}


@pytest.fixture
def business(tutor, other_tutor, student, match, package):
    """Two tutors, three students, sessions over three months in every status."""
    zoe = make_match(tutor=tutor, student=StudentFactory(name="Zoe Zed"), subject="Physics")
    lee = make_match(tutor=other_tutor, student=StudentFactory(name="Lee Learner"), subject="Chemistry")
    for m in (zoe, lee):
        make_package(request=m.request, sessions_total=20)
    plan = {
        match: ["done", "done", "no_show_student", "no_show_tutor", "rescheduled", "scheduled"],
        zoe: ["done", "no_show_tutor", "scheduled"],
        lee: ["scheduled", "scheduled"],  # nobody held or missed: a null rate
    }
    # All in the past (an outcome needs a start behind it), spread over three or four months.
    start = (timezone.now() - timedelta(days=120)).replace(hour=9, minute=0, second=0, microsecond=0)
    for j, (m, statuses) in enumerate(plan.items()):
        for i, status in enumerate(statuses):
            session = make_session(match=m, scheduled_start_at=start + timedelta(days=17 * i, hours=3 * j))
            bring_to_status(session, status)
    return plan


def expected(group) -> dict[str, dict[str, object]]:
    """Counts per group made here from the sessions, not by the code under test."""
    rows: dict[str, Counter] = {}
    for s in Session.objects.select_related("tutor", "student"):
        rows.setdefault(group(s), Counter())[s.status] += 1
    result = {}
    for key, counts in rows.items():
        held = counts["done"] + counts["no_show_student"] + counts["no_show_tutor"]
        result[key] = {
            **{status: counts[status] for status in STATUSES},
            "charged": counts["done"] + counts["no_show_student"],
            "no_show_rate": (counts["no_show_student"] + counts["no_show_tutor"]) / held if held else None,
        }
    return result


def numbers(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("key", "label")}


@pytest.mark.parametrize(
    "group_by, group",
    [
        ("tutor", lambda s: str(s.tutor_id)),
        ("student", lambda s: str(s.student_id)),
        ("month", lambda s: s.scheduled_start_at.astimezone(UTC).strftime("%Y-%m")),
    ],
)
def test_every_row_agrees_with_the_sessions_table(admin_api, business, group_by, group):
    response = admin_api.get("/reports/outcomes", {"group_by": group_by})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"rows", "totals"}
    assert all(set(row) == ROW_FIELDS for row in body["rows"])
    assert {row["key"]: numbers(row) for row in body["rows"]} == expected(group)
    totals = expected(lambda s: "all")["all"]
    assert body["totals"] == totals


def test_labels_are_names_and_months_in_words(admin_api, business, tutor):
    rows = admin_api.get("/reports/outcomes", {"group_by": "tutor"}).json()["rows"]
    tara = next(r for r in rows if r["key"] == str(tutor.id))
    assert tara["label"] == "Tara Tutor"
    months = admin_api.get("/reports/outcomes", {"group_by": "month"}).json()["rows"]
    first = min(Session.objects.values_list("scheduled_start_at", flat=True)).astimezone(UTC)
    assert [m["key"] for m in months] == sorted(m["key"] for m in months)
    assert months[0]["key"] == f"{first:%Y-%m}" and months[0]["label"] == f"{first:%B %Y}"


def test_the_no_show_rate_is_null_when_nothing_was_held_or_missed(admin_api, business, other_tutor):
    rows = admin_api.get("/reports/outcomes", {"group_by": "tutor"}).json()["rows"]
    lee = next(r for r in rows if r["key"] == str(other_tutor.id))
    assert lee["scheduled"] == 2 and lee["no_show_rate"] is None


def test_from_and_to_narrow_by_start_time(admin_api, business):
    second = sorted(Session.objects.values_list("scheduled_start_at", flat=True))[3].astimezone(UTC)
    start = second.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    query = {"group_by": "month", "from": start.isoformat(), "to": end.isoformat()}
    body = admin_api.get("/reports/outcomes", query).json()
    in_range = Session.objects.filter(scheduled_start_at__gte=start, scheduled_start_at__lt=end)
    assert [r["key"] for r in body["rows"]] == [f"{start:%Y-%m}"]
    assert sum(body["totals"][s] for s in STATUSES) == in_range.count() > 0


def test_the_default_groups_by_tutor(admin_api, business, tutor, other_tutor):
    keys = {r["key"] for r in admin_api.get("/reports/outcomes").json()["rows"]}
    assert keys == {str(tutor.id), str(other_tutor.id)}


def test_an_unknown_group_by_is_a_validation_error(admin_api):
    assert_problem(admin_api.get("/reports/outcomes", {"group_by": "subject"}), 422, "validation_error")


def test_a_bad_date_is_a_validation_error(admin_api):
    assert_problem(admin_api.get("/reports/outcomes", {"from": "yesterday"}), 422, "validation_error")


def test_only_admins_read_reports(tutor_api, student_api, anonymous_api):
    assert_problem(tutor_api.get("/reports/outcomes"), 403, "forbidden")
    assert_problem(student_api.get("/reports/outcomes"), 403, "forbidden")
    assert_problem(anonymous_api.get("/reports/outcomes"), 401, "not_authenticated")


def test_an_empty_period_has_no_rows_and_zero_totals(admin_api):
    body = admin_api.get("/reports/outcomes").json()
    assert body["rows"] == []
    assert body["totals"] == {**dict.fromkeys((*STATUSES, "charged"), 0), "no_show_rate": None}


def test_the_report_is_one_grouped_query_however_many_sessions(admin_api, business, match):
    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_api.get("/reports/outcomes", {"group_by": "student"}).status_code == 200
        return [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"].upper()]

    before = statements()
    for _ in range(5):
        make_session(match=match)
    after = statements()
    assert len(before) == len(after) == 1
