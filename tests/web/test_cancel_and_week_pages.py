"""The pages of CONTRACT §12/§15: Cancel as its own action with a reason, offered only where the
viewer may cancel (no `data-action="cancel"` anywhere else); Reschedule needs a new time; no
lesson in the past by accident; the week view `/week/`; the admin's list opening on today."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UserFactory, make_match, make_session
from tests.helpers import bring_to_status, snapshot
from tests.web.conftest import htmx, logged_in, row_of, status_post
from tutordesk.accounts.models import Guardianship, Role
from tutordesk.audit.models import AuditLog
from tutordesk.core import clock
from tutordesk.scheduling.models import Session

pytestmark = pytest.mark.django_db
CANCEL_HOOK = 'data-action="cancel"'


@pytest.fixture
def upcoming(match, package):
    return make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=3))


@pytest.fixture
def soon(match, package):
    """Inside the default 24-hour notice."""
    return make_session(match=match, scheduled_start_at=timezone.now() + timedelta(hours=5))


@pytest.fixture
def guardian_client(student):
    guardian = UserFactory(role=Role.GUARDIAN, email="gwen@example.test", name="Gwen Guardian")
    Guardianship.objects.create(guardian=guardian, student=student)
    return logged_in(guardian)


def page(client, session) -> str:
    response = client.get(f"/sessions/{session.id}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["tutor_client", "admin_client_", "student_client", "guardian_client"])
def test_the_session_page_offers_cancel_with_a_reason_to_each_who_may(who, request, upcoming):
    html = page(request.getfixturevalue(who), upcoming)
    assert html.count(CANCEL_HOOK) == 1
    form = html[html.index("data-cancel-form") :]
    assert 'name="reason"' in form[: form.index("</form>")]


def test_a_guardian_sees_the_lesson_without_the_staff_forms(guardian_client, upcoming):
    html = page(guardian_client, upcoming)
    for hook in ("done", "no_show_student", "no_show_tutor", "rescheduled", "correct"):
        assert f'data-action="{hook}"' not in html


@pytest.mark.parametrize("who", ["student_client", "guardian_client"])
def test_no_cancel_hook_for_a_student_or_guardian_inside_the_notice(who, request, soon):
    html = page(request.getfixturevalue(who), soon)
    assert CANCEL_HOOK not in html
    assert "data-cancel-refusal" in html
    # The student's dashboard row has none either; the tutor still may.
    if who == "student_client":
        assert CANCEL_HOOK not in request.getfixturevalue(who).get("/").content.decode()


def test_no_cancel_hook_once_started_or_recorded(tutor_client, student_client, past_session):
    assert CANCEL_HOOK not in page(tutor_client, past_session)
    assert CANCEL_HOOK not in row_of(tutor_client.get("/").content.decode(), past_session.id)
    bring_to_status(past_session, "done")
    assert CANCEL_HOOK not in page(tutor_client, past_session)
    assert CANCEL_HOOK not in page(student_client, past_session)


@pytest.mark.parametrize("who", ["tutor_client", "admin_client_", "student_client"])
def test_dashboard_rows_offer_cancel_where_allowed(who, request, upcoming):
    # The admin's list opens on today: the lesson in three days is under a filter (or "Newer").
    html = request.getfixturevalue(who).get("/?status=scheduled" if who == "admin_client_" else "/")
    assert CANCEL_HOOK in row_of(html.content.decode(), upcoming.id)


def test_a_student_cancels_from_the_page_and_the_timeline_says_so(
    student_client, student, upcoming, tutor_client
):
    response = student_client.post(
        f"/sessions/{upcoming.id}/cancel/",
        {"reason": "Exam week", "idempotency_key": str(uuid.uuid4()), "next": f"/sessions/{upcoming.id}/"},
    )
    assert response.status_code == 302
    assert Session.objects.get(pk=upcoming.pk).status == "rescheduled"
    html = page(tutor_client, upcoming)
    assert re.search(
        rf"Cancelled by {student.name} \(student\), 7[12](\.\d)? hours&#x27; notice: Exam week", html
    ), html[html.index("data-timeline") :][:3000]
    assert CANCEL_HOOK not in html


def test_a_cancel_without_a_reason_is_refused_in_words(tutor_client, upcoming):
    before = snapshot()
    response = htmx(tutor_client, f"/sessions/{upcoming.id}/cancel/", {"reason": "", "idempotency_key": "k1"})
    assert snapshot() == before
    assert response.status_code == 302 or response.status_code == 200


def test_the_cancel_panel_shows_a_refusal_in_words(student_client, soon):
    response = student_client.post(
        f"/sessions/{soon.id}/cancel/",
        {"reason": "Ill", "idempotency_key": "k2"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="panel-body",
    )
    assert response.status_code == 200
    assert "data-form-error" in response.content.decode()
    assert Session.objects.get(pk=soon.pk).status == "scheduled"


def test_another_student_or_tutor_gets_404(other_tutor, upcoming):
    for person in (other_tutor, make_match().request.student):
        client = logged_in(person)
        assert client.get(f"/sessions/{upcoming.id}/").status_code == 404
        response = client.post(f"/sessions/{upcoming.id}/cancel/", {"reason": "x", "idempotency_key": "k"})
        assert response.status_code == 404
    assert Session.objects.get(pk=upcoming.pk).status == "scheduled"


# ---------------------------------------------------------------- Reschedule needs a new time


def test_an_empty_reschedule_is_a_form_error_and_cancels_nothing(tutor_client, upcoming):
    before = snapshot()
    response = status_post(tutor_client, upcoming, "rescheduled")
    assert Session.objects.get(pk=upcoming.pk).status == "scheduled"
    assert snapshot() == before
    assert "Choose the new time" in response.content.decode()


def test_a_reschedule_with_a_new_time_still_moves_the_lesson(tutor_client, upcoming):
    new = timezone.localtime(upcoming.scheduled_start_at + timedelta(days=1))
    status_post(tutor_client, upcoming, "rescheduled", new_start_at=new.strftime("%Y-%m-%dT%H:%M"))
    assert Session.objects.get(pk=upcoming.pk).status == "rescheduled"
    assert Session.objects.filter(rescheduled_from_id=upcoming.pk).count() == 1


# ---------------------------------------------------------------- no lesson in the past by accident


def _schedule(client, match, start, **extra):
    data = {
        "match": str(match.id),
        "scheduled_start_at": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "60",
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }
    return client.post("/sessions/new/", data)


def test_a_tutor_cannot_schedule_in_the_past_from_the_page(tutor_client, match):
    response = _schedule(tutor_client, match, timezone.now() - timedelta(days=1))
    assert response.status_code == 200
    assert "That time is in the past" in response.content.decode()
    assert not Session.objects.exists()


def test_an_admin_is_asked_to_confirm_a_past_lesson(admin_client_, match):
    start = timezone.now() - timedelta(days=1)
    response = _schedule(admin_client_, match, start)
    html = response.content.decode()
    assert "data-confirm-past" in html and 'name="confirm_past"' in html
    assert not Session.objects.exists()
    response = _schedule(admin_client_, match, start, confirm_past="on")
    assert response.status_code == 302
    assert Session.objects.count() == 1


# ---------------------------------------------------------------- the week view


def _monday(day):
    return day - timedelta(days=day.weekday())


def test_the_week_shows_the_lessons_on_and_off_the_schedule_but_not_those_that_left(
    tutor_client, tutor, match, package, other_tutor
):
    monday = _monday(timezone.localdate()) + timedelta(days=7)
    at = timezone.make_aware(timezone.datetime.combine(monday, timezone.datetime.min.time())) + timedelta(
        hours=10
    )
    kept = make_session(match=match, scheduled_start_at=at + timedelta(days=2))
    left = make_session(match=match, scheduled_start_at=at + timedelta(days=3))
    bring_to_status(left, "rescheduled")
    next_week = make_session(match=match, scheduled_start_at=at + timedelta(days=7))
    foreign = make_session(match=make_match(tutor=other_tutor), scheduled_start_at=at + timedelta(days=1))

    html = tutor_client.get(f"/week/?start={monday:%Y-%m-%d}").content.decode()
    assert f'data-session-id="{kept.id}"' in html
    assert 'data-status="scheduled"' in html
    for absent in (left, next_week, foreign):
        assert f'data-session-id="{absent.id}"' not in html
    assert html.count("data-day=") == 7
    assert f"?start={monday + timedelta(days=7):%Y-%m-%d}" in html
    assert f"?start={monday - timedelta(days=7):%Y-%m-%d}" in html
    assert f'href="/sessions/{kept.id}/"' in html
    # Any day of the week opens that week.
    mid = tutor_client.get(f"/week/?start={monday + timedelta(days=3):%Y-%m-%d}").content.decode()
    assert f'data-week="{monday:%Y-%m-%d}"' in mid


def test_an_admin_chooses_a_tutor(admin_client_, match, package, other_tutor, tutor):
    # Next week's Monday at 10:00, whatever the day and hour the test runs at.
    monday = _monday(timezone.localdate()) + timedelta(days=7)
    at = timezone.make_aware(timezone.datetime.combine(monday, timezone.datetime.min.time())) + timedelta(
        hours=10
    )
    mine = make_session(match=match, scheduled_start_at=at)
    theirs = make_session(match=make_match(tutor=other_tutor), scheduled_start_at=at)
    everyone = admin_client_.get(f"/week/?start={monday:%Y-%m-%d}").content.decode()
    assert f'data-session-id="{mine.id}"' in everyone and f'data-session-id="{theirs.id}"' in everyone
    one = admin_client_.get(f"/week/?start={monday:%Y-%m-%d}&tutor={other_tutor.id}").content.decode()
    assert f'data-session-id="{theirs.id}"' in one and f'data-session-id="{mine.id}"' not in one
    assert other_tutor.name in one


def test_a_student_is_told_the_week_is_not_for_their_role(student_client):
    response = student_client.get("/week/")
    assert response.status_code == 403
    assert "data-forbidden" in response.content.decode()


def test_the_nav_links_the_week_for_tutors_and_admins(tutor_client, admin_client_, student_client):
    assert 'data-nav="week"' in tutor_client.get("/").content.decode()
    assert 'data-nav="week"' in admin_client_.get("/").content.decode()
    assert 'data-nav="week"' not in student_client.get("/").content.decode()


def test_a_bad_start_shows_this_week(tutor_client):
    html = tutor_client.get("/week/?start=not-a-date").content.decode()
    assert f'data-week="{_monday(timezone.localdate()):%Y-%m-%d}"' in html


# ---------------------------------------------------------------- the admin's list opens on today


def test_the_admins_list_opens_on_today(admin_client_, match, package):
    now = clock.now()
    today = make_session(match=match, scheduled_start_at=now - timedelta(minutes=1))
    far = [make_session(match=match, scheduled_start_at=now + timedelta(days=14, hours=i)) for i in range(25)]
    html = admin_client_.get("/").content.decode()
    assert f'data-session-id="{today.id}"' in html
    assert all(f'data-session-id="{s.id}"' not in html for s in far)
    assert AuditLog.objects.exists()


def test_the_week_costs_the_same_statements_with_one_lesson_or_many(
    tutor_client, admin_client_, match, package
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client, url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    monday = _monday(timezone.localdate()) + timedelta(days=7)
    base = timezone.make_aware(timezone.datetime.combine(monday, timezone.datetime.min.time()))
    make_session(match=match, scheduled_start_at=base + timedelta(hours=9))
    url = f"/week/?start={monday:%Y-%m-%d}"
    few = count(tutor_client, url), count(admin_client_, url + f"&tutor={match.tutor_id}")
    for day in range(7):
        for hour in (11, 13, 15):
            make_session(match=match, scheduled_start_at=base + timedelta(days=day, hours=hour))
    many = count(tutor_client, url), count(admin_client_, url + f"&tutor={match.tutor_id}")
    assert few == many
