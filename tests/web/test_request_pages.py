"""The requests pages (CONTRACT §11): the list with its filters and "New request" form, a request's
page with its matches, packages and lessons, matching a tutor, ending a match, reassigning it (a
clash listed in words, every one, and nothing changed), and selling a package only once confirmed."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import StudentFactory, TutorFactory, make_match, make_package, make_request, make_session
from tests.helpers import snapshot
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest

pytestmark = pytest.mark.django_db


def _key() -> str:
    return str(uuid.uuid4())


def _hour(days: float):
    return (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


def test_the_requests_list_filters_and_links_each_request(admin_client_, match, student):
    other = make_request(student=StudentFactory(name="Olga Other"), subject="Physics")
    html = admin_client_.get("/requests/").content.decode()
    assert f'href="/requests/{match.request_id}/"' in html and f'href="/requests/{other.id}/"' in html
    assert "Tara Tutor" in html  # the active tutor, by name
    only_open = admin_client_.get("/requests/", {"status": "open"}).content.decode()
    assert str(other.id) in only_open and str(match.request_id) not in only_open
    by_student = admin_client_.get("/requests/", {"student": "Sam"}).content.decode()
    assert str(match.request_id) in by_student and str(other.id) not in by_student
    by_subject = admin_client_.get("/requests/", {"subject": "phys"}).content.decode()
    assert str(other.id) in by_subject and str(match.request_id) not in by_subject


def test_a_new_request_picks_the_student_by_name(admin_client_, student, admin):
    html = admin_client_.get("/requests/").content.decode()
    assert re.search(rf'<option value="{student.id}"[^>]*>Sam Student \(sam@example.test\)</option>', html)
    data = {"student": str(student.id), "subject": "Chemistry", "idempotency_key": _key()}
    first = admin_client_.post("/requests/new/", data)
    again = admin_client_.post("/requests/new/", data)
    created = TutoringRequest.objects.get()
    assert first.status_code == again.status_code == 302 and first["Location"] == f"/requests/{created.id}/"
    assert (created.student_id, created.subject, created.status) == (student.id, "Chemistry", "open")
    assert AuditLog.objects.filter(action="request_created", actor=admin).count() == 1


def test_a_request_page_shows_its_student_matches_packages_and_lessons(admin_client_, match, package):
    lesson = make_session(match=match, scheduled_start_at=_hour(2))
    html = admin_client_.get(f"/requests/{match.request_id}/").content.decode()
    assert "Algebra for Sam Student" in html and "sam@example.test" in html
    assert f'data-match-id="{match.id}"' in html and "Tara Tutor" in html
    assert f'data-package-id="{package.id}"' in html and "0 / 10" in html
    assert f'data-session-id="{lesson.id}"' in html
    assert 'data-action="reassign"' in html and 'data-action="end_match"' in html
    assert 'data-action="match"' not in html  # already matched
    assert 'data-action="sell_package"' in html


def test_an_admin_matches_a_tutor_from_the_request_page(admin_client_, student, tutor):
    request = make_request(student=student)
    page = admin_client_.get(f"/requests/{request.id}/").content.decode()
    assert 'data-action="match"' in page
    assert re.search(rf'<option value="{tutor.id}"[^>]*>Tara Tutor \(tara@example.test\)</option>', page)
    response = admin_client_.post(
        f"/requests/{request.id}/match/", {"tutor": str(tutor.id), "idempotency_key": _key()}
    )
    assert response.status_code == 302
    assert Match.objects.get(request=request).tutor_id == tutor.id
    refused = admin_client_.post(
        f"/requests/{request.id}/match/", {"tutor": str(tutor.id), "idempotency_key": _key()}, follow=True
    )
    assert "already has a tutor" in refused.content.decode()
    assert Match.objects.filter(request=request).count() == 1


def test_ending_a_match_from_the_page_takes_its_upcoming_lessons_off(admin_client_, match, package):
    upcoming = make_session(match=match, scheduled_start_at=_hour(1))
    response = admin_client_.post(
        f"/matches/{match.id}/end/", {"reason": "Finished the course", "idempotency_key": _key()}, follow=True
    )
    html = response.content.decode()
    assert "1 upcoming lesson left the schedule" in html
    upcoming.refresh_from_db()
    match.refresh_from_db()
    assert (upcoming.status, match.status) == ("rescheduled", "ended")
    assert 'data-action="match"' in html  # open again for a new tutor


def test_reassigning_from_the_page_lists_every_clash_and_changes_nothing(
    admin_client_, match, package, other_tutor
):
    first, second = (make_session(match=match, scheduled_start_at=_hour(days)) for days in (1, 2))
    busy = make_match(tutor=other_tutor)
    clash_a = make_session(match=busy, scheduled_start_at=first.scheduled_start_at)
    clash_b = make_session(match=busy, scheduled_start_at=second.scheduled_start_at + timedelta(minutes=30))
    before = snapshot()
    response = admin_client_.post(
        f"/matches/{match.id}/reassign/",
        {"tutor": str(other_tutor.id), "reason": "Tara moves away", "idempotency_key": _key()},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert html.count("data-conflict>") == 2
    assert f"/sessions/{clash_a.id}/" in html and f"/sessions/{clash_b.id}/" in html
    assert snapshot() == before
    match.refresh_from_db()
    assert match.status == "active"


def test_reassigning_from_the_page_moves_the_upcoming_lessons(admin_client_, match, package):
    lesson = make_session(match=match, scheduled_start_at=_hour(1))
    new_tutor = TutorFactory(name="Nina New")
    response = admin_client_.post(
        f"/matches/{match.id}/reassign/",
        {"tutor": str(new_tutor.id), "reason": "Tara moves away", "idempotency_key": _key()},
        follow=True,
    )
    html = response.content.decode()
    assert "Reassigned to Nina New; 1 upcoming lesson moved at the same times." in html
    moved = Session.objects.get(rescheduled_from=lesson)
    assert (moved.tutor_id, moved.scheduled_start_at, moved.status) == (
        new_tutor.id,
        lesson.scheduled_start_at,
        "scheduled",
    )


def test_selling_a_package_asks_first_and_writes_only_once_confirmed(admin_client_, match, admin):
    key = _key()
    data = {"sessions_total": "7", "idempotency_key": key, "next": f"/requests/{match.request_id}/"}
    before = snapshot()
    asked = admin_client_.post(f"/requests/{match.request_id}/packages/", data)
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Sell 7 sessions to Sam Student for Algebra?" in html
    assert 'data-action="confirm"' in html and f'value="{key}"' in html
    assert snapshot() == before and not Package.objects.exists()
    confirmed = admin_client_.post(f"/requests/{match.request_id}/packages/", {**data, "confirm": "yes"})
    assert confirmed.status_code == 302 and confirmed["Location"] == f"/requests/{match.request_id}/"
    again = admin_client_.post(f"/requests/{match.request_id}/packages/", {**data, "confirm": "yes"})
    assert again.status_code == 302
    assert Package.objects.get(request=match.request).sessions_total == 7
    assert AuditLog.objects.filter(action="package_created", actor=admin).count() == 1


def test_the_packages_page_links_each_request_and_sells_through_the_same_confirmation(admin_client_, match):
    make_package(request=match.request)
    html = admin_client_.get("/packages/").content.decode()
    assert f'href="/requests/{match.request_id}/"' in html
    asked = admin_client_.post(
        f"/requests/{match.request_id}/packages/",
        {"sessions_total": "3", "idempotency_key": _key(), "next": "/packages/"},
    )
    assert "Sell 3 sessions to Sam Student for Algebra?" in asked.content.decode()
    assert Package.objects.filter(request=match.request).count() == 1


def test_only_admins_open_the_requests_pages(tutor_client, student_client, match, other_tutor):
    for client in (tutor_client, student_client):
        assert client.get("/requests/").status_code == 403
        assert client.get(f"/requests/{match.request_id}/").status_code == 403
        assert (
            client.post(f"/matches/{match.id}/end/", {"reason": "x", "idempotency_key": _key()}).status_code
            == 403
        )
        response = client.post(
            f"/matches/{match.id}/reassign/",
            {"tutor": str(other_tutor.id), "reason": "x", "idempotency_key": _key()},
        )
        assert response.status_code == 403
    match.refresh_from_db()
    assert match.status == "active"


def test_an_unknown_request_is_not_found(admin_client_):
    assert admin_client_.get(f"/requests/{uuid.uuid4()}/").status_code == 404
