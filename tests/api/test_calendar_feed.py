"""Calendar feeds (CONTRACT §8): a secret, revocable iCalendar link per user, parsed here with the
`icalendar` library the way a calendar app reads it."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from tests.api.conftest import ApiClient, assert_problem, token_for
from tests.factories import MEET_LINK, make_match, make_package, make_session
from tests.helpers import bring_to_status, correct_status, update_status
from tutordesk.audit.models import AuditLog
from tutordesk.calendars.models import CalendarFeed
from tutordesk.core.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def issue(api: ApiClient, **headers: str) -> str:
    response = api.post("/calendar-feed", None, raw=b"", **headers)
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"url"}
    return response.json()["url"]


def fetch(url: str):
    return Client().get(url.removeprefix("http://testserver"))


def events(url: str) -> dict[str, object]:
    """The feed's events by UID, as a calendar app parses them."""
    response = fetch(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(b"".join(response.streaming_content))
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(session) -> str:
    return f"{session.id}@tutordesk"


def test_a_tutor_gets_a_link_whose_feed_lists_their_sessions_as_events(tutor_api, tutor, match, past_session):
    url = issue(tutor_api)
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    event = events(url)[uid(past_session)]
    start = past_session.scheduled_start_at.replace(microsecond=0)  # iCalendar counts whole seconds
    assert event.decoded("DTSTART") == start
    assert event["DTSTART"].to_ical().endswith(b"Z")  # written in UTC
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == start + timedelta(minutes=60)
    assert str(event["SUMMARY"]) == "Algebra with Sam Student"
    assert str(event["URL"]) == MEET_LINK and str(event["LOCATION"]) == MEET_LINK
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert f"/sessions/{past_session.id}/" in str(event["DESCRIPTION"])


def test_a_student_sees_the_tutors_name_and_only_their_own_sessions(student, past_session, other_tutor):
    foreign = make_session(match=make_match(tutor=other_tutor))
    found = events(issue(ApiClient(token_for(student))))
    assert str(found[uid(past_session)]["SUMMARY"]) == "Algebra with Tara Tutor"
    assert uid(foreign) not in found


def test_a_tutor_never_sees_another_tutors_sessions(tutor_api, past_session, other_tutor):
    foreign = make_session(match=make_match(tutor=other_tutor))
    assert set(events(issue(tutor_api))) == {uid(past_session)}
    assert uid(past_session) not in events(issue(ApiClient(token_for(other_tutor))))
    del foreign


def test_an_admin_sees_every_session_naming_both_parties(admin_api, past_session, other_tutor):
    foreign = make_session(match=make_match(tutor=other_tutor, subject="Physics"))
    found = events(issue(admin_api))
    assert {uid(past_session), uid(foreign)} <= set(found)
    assert str(found[uid(past_session)]["SUMMARY"]) == "Algebra: Sam Student with Tara Tutor"


def test_the_feed_reaches_back_sixty_days(tutor_api, match, package):
    now = timezone.now()
    recent = make_session(match=match, scheduled_start_at=now - timedelta(days=59))
    old = make_session(match=match, scheduled_start_at=now - timedelta(days=61))
    found = events(issue(tutor_api))
    assert uid(recent) in found and uid(old) not in found


def test_a_session_without_a_meet_link_has_no_url_or_location(tutor_api, match):
    session = make_session(match=match, meet_link=None)
    event = events(issue(tutor_api))[uid(session)]
    assert "URL" not in event and "LOCATION" not in event


def test_a_rescheduled_session_is_cancelled_and_its_replacement_listed(tutor_api, tutor, past_session):
    new_start = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    change = update_status(
        session_id=past_session.id, status="rescheduled", actor=tutor, new_start_at=new_start
    )
    found = events(issue(tutor_api))
    assert str(found[uid(past_session)]["STATUS"]) == "CANCELLED"
    replacement = found[uid(change.replacement_session)]
    assert str(replacement["STATUS"]) == "CONFIRMED"
    assert replacement.decoded("DTSTART") == new_start


def test_the_sequence_grows_with_every_change(tutor_api, admin, past_session, package):
    url = issue(tutor_api)

    def sequence() -> int:
        return int(events(url)[uid(past_session)]["SEQUENCE"])

    seen = [sequence()]
    bring_to_status(past_session, "done")
    seen.append(sequence())
    correct_status(session_id=past_session.id, status="no_show_tutor", reason="Wrong button", actor=admin)
    seen.append(sequence())
    correct_status(session_id=past_session.id, status="scheduled", reason="Back on", actor=admin)
    seen.append(sequence())
    assert seen == sorted(set(seen)) and len(seen) == 4  # strictly growing


def test_a_new_post_rotates_the_link_and_the_old_one_answers_404(tutor_api, past_session):
    first = issue(tutor_api)
    second = issue(tutor_api)
    assert first != second
    assert fetch(first).status_code == 404
    assert fetch(second).status_code == 200
    assert CalendarFeed.objects.count() == 1


def test_delete_turns_the_link_off_and_can_be_repeated(tutor_api, past_session):
    url = issue(tutor_api)
    assert tutor_api.delete("/calendar-feed").status_code == 204
    assert fetch(url).status_code == 404
    assert tutor_api.delete("/calendar-feed").status_code == 204
    assert not CalendarFeed.objects.exists()


def test_only_a_hash_of_the_token_is_stored_anywhere(tutor_api, tutor, past_session):
    url = issue(tutor_api, **{"Idempotency-Key": "feed-1"})
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=tutor)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(v) for v in CalendarFeed.objects.values_list()]
    stored += [str(v) for v in AuditLog.objects.values_list("details", flat=True)]
    stored += list(IdempotencyKey.objects.values_list("response_body", flat=True))
    assert not any(token in text for text in stored)


def test_a_replayed_post_answers_the_same_working_link(tutor_api, past_session):
    key = str(uuid.uuid4())
    first = tutor_api.post("/calendar-feed", None, raw=b"", key=key)
    again = tutor_api.post("/calendar-feed", None, raw=b"", key=key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert fetch(again.json()["url"]).status_code == 200
    assert AuditLog.objects.filter(action="calendar_feed_issued").count() == 1


def test_issuing_and_turning_off_are_audited_without_the_secret(tutor_api, tutor):
    issue(tutor_api)
    issue(tutor_api)
    tutor_api.delete("/calendar-feed")
    rows = list(AuditLog.objects.filter(entity_type="calendar_feed").order_by("created_at", "id"))
    assert [r.action for r in rows] == [
        "calendar_feed_issued",
        "calendar_feed_issued",
        "calendar_feed_revoked",
    ]
    assert all(r.actor_id == tutor.id for r in rows)
    assert [r.details.get("replaced_earlier_link") for r in rows[:2]] == [False, True]


def test_unknown_or_malformed_links_are_404(db):
    for path in (
        "/calendar/nope.ics",
        "/calendar/" + "a" * 43 + ".ics",
        "/calendar/a%2Fb.ics",
        "/calendar/.ics",
    ):
        assert Client().get(path).status_code == 404


def test_a_deactivated_users_link_stops_working(tutor, tutor_api, past_session):
    url = issue(tutor_api)
    tutor.is_active = False
    tutor.save(update_fields=["is_active"])
    assert fetch(url).status_code == 404


def test_without_credentials_the_endpoints_are_401(anonymous_api):
    assert_problem(anonymous_api.post("/calendar-feed", None, raw=b""), 401, "not_authenticated")
    assert_problem(anonymous_api.delete("/calendar-feed"), 401, "not_authenticated")


def test_the_feed_query_count_does_not_grow_with_sessions(tutor_api, tutor, match, package):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = issue(tutor_api)
    make_session(match=match)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            events(url)
        return len(ctx.captured_queries)

    few = count()
    for _ in range(5):
        bring_to_status(make_session(match=match), "done")
    other = make_match(tutor=tutor, subject="Physics")
    make_package(request=other.request)
    make_session(match=other, scheduled_start_at=datetime.now(UTC) + timedelta(days=3))
    assert count() == few


def test_the_feed_asks_calendar_apps_to_refresh_hourly_in_both_dialects(tutor_api, past_session):
    body = b"".join(fetch(issue(tutor_api)).streaming_content)
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body  # RFC 7986
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body  # Outlook's older name, the same duration
