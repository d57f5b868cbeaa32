"""Recurring lessons over the API (CONTRACT §12): a weekly series, all or nothing, its preview,
wall-clock time across daylight-saving changes, every refused input, reading it and ending it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.api.conftest import assert_problem
from tests.factories import make_session
from tutordesk.audit.models import AuditLog
from tutordesk.events.models import Event
from tutordesk.scheduling.models import Series, Session
from tutordesk.tutoring.models import Package

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def body(match, **fields):
    return {
        "match_id": str(match.id),
        "start_at": "2083-03-22T16:00:00+01:00",  # a Monday, the week before Berlin's clocks go forward
        "timezone": "Europe/Berlin",
        "duration_minutes": 60,
        **fields,
    }


def local_starts(sessions, zone):
    return [datetime.fromisoformat(s["scheduled_start_at"]).astimezone(zone) for s in sessions]


def test_it_books_every_lesson_of_a_weekly_series(tutor_api, match, package):
    response = tutor_api.post("/series", body(match, weekdays=["MO", "TH"], count=10))
    assert response.status_code == 201, response.content
    answer = response.json()
    series = answer["series"]
    assert series["rrule"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH;COUNT=10"
    assert series["timezone"] == "Europe/Berlin"
    assert {"id", "match_id", "rrule", "timezone", "duration_minutes", "created_at"} <= set(series)
    assert len(answer["sessions"]) == 10
    assert {s["series_id"] for s in answer["sessions"]} == {series["id"]}
    assert {s["status"] for s in answer["sessions"]} == {"scheduled"}
    days = [start.strftime("%a") for start in local_starts(answer["sessions"], BERLIN)]
    assert days == ["Mon", "Thu"] * 5
    assert Session.objects.filter(series_id=series["id"]).count() == 10
    created = AuditLog.objects.filter(
        action="session_created", entity_id__in=[s["id"] for s in answer["sessions"]]
    )
    assert created.count() == 10
    assert AuditLog.objects.filter(action="series_created", entity_id=series["id"]).count() == 1
    assert Event.objects.filter(type="session.created").count() >= 10
    package.refresh_from_db()
    assert package.sessions_used == 0  # booking charges nothing


def test_a_lone_session_has_no_series(tutor_api, future_session):
    assert tutor_api.get(f"/sessions/{future_session.id}").json()["series_id"] is None


def test_sixteen_hundred_in_berlin_stays_sixteen_hundred_across_both_clock_changes(tutor_api, match):
    spring = tutor_api.post("/series", body(match, count=3))
    assert spring.status_code == 201, spring.content
    starts = local_starts(spring.json()["sessions"], BERLIN)
    assert [(s.day, s.hour, s.minute) for s in starts] == [(22, 16, 0), (29, 16, 0), (5, 16, 0)]
    utc_hours = [
        datetime.fromisoformat(s["scheduled_start_at"]).astimezone(ZoneInfo("UTC")).hour
        for s in spring.json()["sessions"]
    ]
    assert utc_hours == [15, 14, 14]

    autumn = tutor_api.post("/series", body(match, start_at="2083-10-25T16:00:00+02:00", count=2))
    assert autumn.status_code == 201, autumn.content
    assert [(s.day, s.hour) for s in local_starts(autumn.json()["sessions"], BERLIN)] == [(25, 16), (1, 16)]


def test_new_york_keeps_its_wall_clock_time_when_the_clocks_go_back(tutor_api, match):
    response = tutor_api.post(
        "/series",
        body(match, start_at="2083-11-02T17:00:00-04:00", timezone="America/New_York", until="2083-11-16"),
    )
    assert response.status_code == 201, response.content
    starts = local_starts(response.json()["sessions"], NEW_YORK)
    assert [(s.day, s.hour) for s in starts] == [(2, 17), (9, 17), (16, 17)]
    assert "UNTIL=20831116T235959" in response.json()["series"]["rrule"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 101}, "count"),
        ({"count": 3, "until": "2083-05-01"}, "count"),
        ({}, "count"),
        ({"until": "2083-03-01"}, "until"),
        ({"until": "2085-12-31"}, "until"),  # more than 100 lessons
        ({"count": 3, "weekdays": ["MO", "XX"]}, "weekdays"),
        ({"count": 3, "weekdays": []}, "weekdays"),
        ({"count": 3, "interval": 0}, "interval"),
        ({"count": 3, "interval": 5}, "interval"),
        ({"count": 3, "timezone": "Mars/Olympus_Mons"}, "timezone"),
        # 02:30 on Berlin's spring-forward night does not exist; on its autumn night it happens twice.
        ({"count": 2, "start_at": "2083-03-21T02:30:00+01:00"}, "start_at"),
        ({"count": 2, "start_at": "2083-10-24T02:30:00+02:00"}, "start_at"),
        (
            {"count": 2, "start_at": "2083-03-07T02:30:00-05:00", "timezone": "America/New_York"},
            "start_at",
        ),
    ],
)
def test_it_refuses_a_bad_rule_in_words_naming_the_field_and_creates_nothing(tutor_api, match, fields, field):
    before = Session.objects.count()
    response = tutor_api.post("/series", body(match, **fields))
    problem = assert_problem(response, 422, "validation_error")
    assert field in problem["detail"], problem
    assert "couldn't be interpreted" not in problem["detail"]
    assert Series.objects.count() == 0
    assert Session.objects.count() == before


def test_a_time_that_does_not_exist_is_named_with_its_date(tutor_api, match):
    problem = assert_problem(
        tutor_api.post("/series", body(match, count=2, start_at="2083-03-21T02:30:00+01:00")),
        422,
        "validation_error",
    )
    assert "28 Mar 2083" in problem["detail"]


def test_any_clash_refuses_the_whole_series_listing_every_clash(tutor_api, match):
    taken = [
        make_session(match=match, scheduled_start_at=datetime(2083, 3, 29, 14, 30, tzinfo=ZoneInfo("UTC"))),
        make_session(match=match, scheduled_start_at=datetime(2083, 4, 12, 14, 0, tzinfo=ZoneInfo("UTC"))),
    ]
    before = Session.objects.count()
    problem = assert_problem(tutor_api.post("/series", body(match, count=5)), 409, "tutor_double_booked")
    conflicts = problem["conflicts"]
    assert [c["conflicting_session_id"] for c in conflicts] == [str(s.id) for s in taken]
    assert {"scheduled_start_at", "conflicting_session_id", "conflicting_start_at"} == set(conflicts[0])
    assert Session.objects.count() == before
    assert Series.objects.count() == 0


def test_a_dry_run_previews_each_lesson_with_its_clash_and_creates_nothing(tutor_api, match):
    taken = make_session(match=match, scheduled_start_at=datetime(2083, 3, 29, 14, 0, tzinfo=ZoneInfo("UTC")))
    before = Session.objects.count()
    response = tutor_api.post("/series", body(match, count=3, dry_run=True))
    assert response.status_code == 200, response.content
    occurrences = response.json()["occurrences"]
    assert len(occurrences) == 3
    assert [o["conflict"] is None for o in occurrences] == [True, False, True]
    assert occurrences[1]["conflict"]["conflicting_session_id"] == str(taken.id)
    assert Session.objects.count() == before
    assert Series.objects.count() == 0


def test_a_student_may_not_create_a_series(student_api, match):
    assert_problem(student_api.post("/series", body(match, count=2)), 403, "forbidden")


def test_another_tutors_match_does_not_exist_for_them(other_tutor_api, match):
    assert_problem(other_tutor_api.post("/series", body(match, count=2)), 404, "not_found")


def test_an_admin_creates_a_series_and_a_retry_with_the_same_key_replays_it(admin_api, match):
    first = admin_api.post("/series", body(match, count=4), key="term-1")
    assert first.status_code == 201, first.content
    again = admin_api.post("/series", body(match, count=4), key="term-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Series.objects.count() == 1


def test_whoever_sees_its_lessons_reads_the_series(tutor_api, student_api, other_tutor_api, admin_api, match):
    made = tutor_api.post("/series", body(match, count=3)).json()
    series_id = made["series"]["id"]
    for api in (tutor_api, student_api, admin_api):
        response = api.get(f"/series/{series_id}")
        assert response.status_code == 200, response.content
        assert response.json()["series"]["id"] == series_id
        assert [s["id"] for s in response.json()["sessions"]] == [s["id"] for s in made["sessions"]]
    assert_problem(other_tutor_api.get(f"/series/{series_id}"), 404, "not_found")
    assert_problem(tutor_api.get("/series/00000000-0000-0000-0000-000000000000"), 404, "not_found")


def test_ending_a_series_takes_every_later_lesson_off_the_schedule_uncharged(tutor_api, match, package):
    made = tutor_api.post("/series", body(match, count=5)).json()
    series_id, sessions = made["series"]["id"], made["sessions"]
    response = tutor_api.post(
        f"/series/{series_id}/end", {"from": sessions[2]["scheduled_start_at"], "reason": "Term ends early"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["ended"] == 3
    assert response.json()["series"]["ended_at"] is not None
    statuses = [Session.objects.get(pk=s["id"]).status for s in sessions]
    assert statuses == ["scheduled", "scheduled", "rescheduled", "rescheduled", "rescheduled"]
    assert not Session.objects.filter(rescheduled_from_id__in=[s["id"] for s in sessions]).exists()
    assert Package.objects.get(pk=package.pk).sessions_used == 0
    rows = AuditLog.objects.filter(action="session_series_ended")
    assert rows.count() == 3
    assert {row.details["reason"] for row in rows} == {"Term ends early"}
    assert AuditLog.objects.filter(action="series_ended", entity_id=series_id).count() == 1
    # Ending again from the start ends only what is still scheduled.
    again = tutor_api.post(
        f"/series/{series_id}/end", {"from": sessions[0]["scheduled_start_at"], "reason": "All off"}
    )
    assert again.json()["ended"] == 2


def test_a_student_may_not_end_a_series_and_another_tutor_cannot_see_it(
    tutor_api, student_api, other_tutor_api, match
):
    made = tutor_api.post("/series", body(match, count=2)).json()
    end = {"from": made["sessions"][0]["scheduled_start_at"], "reason": "No"}
    assert_problem(student_api.post(f"/series/{made['series']['id']}/end", end), 403, "forbidden")
    assert_problem(other_tutor_api.post(f"/series/{made['series']['id']}/end", end), 404, "not_found")
    assert_problem(
        tutor_api.post(f"/series/{made['series']['id']}/end", {"from": end["from"], "reason": ""}),
        422,
        "validation_error",
    )
    assert Session.objects.filter(status="scheduled").count() == 2


def test_a_moved_occurrence_stays_in_its_series(tutor_api, match):
    made = tutor_api.post("/series", body(match, count=2)).json()
    first = made["sessions"][0]
    response = tutor_api.post(
        f"/sessions/{first['id']}/status",
        {"status": "rescheduled", "new_start_at": "2083-03-23T16:00:00+01:00"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["replacement_session"]["series_id"] == made["series"]["id"]


def test_a_series_may_not_start_in_the_past(admin_api, match):
    problem = assert_problem(
        admin_api.post("/series", body(match, start_at="2020-03-02T16:00:00+01:00", count=2)),
        422,
        "validation_error",
    )
    assert "start_at" in problem["detail"]
    assert Series.objects.count() == 0
