"""{anonymous, student, owning tutor, other tutor, admin} × every endpoint, on own and others' objects.

Every cell answers as CONTRACT §4 says, and a refused cell changes no row."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import ApiClient, token_for
from tests.factories import (
    GuardianFactory,
    link_guardian,
    make_match,
    make_package,
    make_request,
    make_session,
)
from tests.helpers import bring_to_status, snapshot
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "student", "tutor", "other_tutor", "admin"]


@pytest.fixture
def world(tutor, other_tutor, student, guardian, admin, match, package, past_session):
    """`past_session` belongs to tutor/student; `foreign` to other_tutor and another student.
    `guardian` looks after `student`; `other_guardian` after the foreign session's student."""
    foreign_match = make_match(tutor=other_tutor)
    foreign_package = make_package(request=foreign_match.request)
    foreign = make_session(match=foreign_match)
    recorded = bring_to_status(
        make_session(match=match, scheduled_start_at=timezone.now() - timedelta(days=1)), "done"
    )
    clients = {
        "anonymous": ApiClient(),
        "student": ApiClient(token_for(student)),
        "tutor": ApiClient(token_for(tutor)),
        "other_tutor": ApiClient(token_for(other_tutor)),
        "admin": ApiClient(token_for(admin)),
        "guardian": ApiClient(token_for(guardian)),
        "other_guardian": ApiClient(
            token_for(link_guardian(GuardianFactory(), foreign_match.request.student))
        ),
    }
    return {
        "clients": clients,
        "own": past_session,
        "foreign": foreign,
        "recorded": recorded,
        "match": match,
        "package": package,
        "foreign_package": foreign_package,
        "foreign_match": foreign_match,
    }


def business_rows():
    rows = snapshot()
    rows["matches"] = list(Match.objects.order_by("id").values_list())
    rows["requests"] = list(TutoringRequest.objects.order_by("id").values_list())
    return rows


# (who, expected status) per read
READS = {
    "me": ("/me", {"anonymous": 401, "student": 200, "tutor": 200, "other_tutor": 200, "admin": 200}),
    "matches": (
        "/matches",
        {"anonymous": 401, "student": 403, "tutor": 200, "other_tutor": 200, "admin": 200},
    ),
    "sessions": (
        "/sessions",
        {"anonymous": 401, "student": 200, "tutor": 200, "other_tutor": 200, "admin": 200},
    ),
    "own_session": (
        "/sessions/{own}",
        {"anonymous": 401, "student": 200, "tutor": 200, "other_tutor": 404, "admin": 200},
    ),
    "foreign_session": (
        "/sessions/{foreign}",
        {"anonymous": 401, "student": 404, "tutor": 404, "other_tutor": 200, "admin": 200},
    ),
    "packages": (
        "/packages",
        {"anonymous": 401, "student": 200, "tutor": 200, "other_tutor": 200, "admin": 200},
    ),
    "own_package": (
        "/packages/{package}",
        {"anonymous": 401, "student": 200, "tutor": 200, "other_tutor": 404, "admin": 200},
    ),
    "foreign_package": (
        "/packages/{foreign_package}",
        {"anonymous": 401, "student": 404, "tutor": 404, "other_tutor": 200, "admin": 200},
    ),
    "audit_logs": (
        "/audit-logs",
        {"anonymous": 401, "student": 403, "tutor": 403, "other_tutor": 403, "admin": 200},
    ),
    # Requests (CONTRACT §11): each sees their own (a tutor: those they were matched to).
    "requests": (
        "/requests",
        {"anonymous": 401, "student": 200, "tutor": 200, "other_tutor": 200, "admin": 200},
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("read", list(READS))
def test_every_read_answers_each_persona_as_the_contract_says(world, read, persona):
    template, expected = READS[read]
    path = template.format(
        own=world["own"].id, foreign=world["foreign"].id, package=world["package"].id,
        foreign_package=world["foreign_package"].id,
    )  # fmt: skip
    response = world["clients"][persona].get(path)
    assert response.status_code == expected[persona], (path, persona, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"


def test_lists_hold_only_what_each_persona_may_see(world):
    def ids(persona, path):
        body = world["clients"][persona].get(path).json()
        return {item["id"] for item in (body if path.startswith("/packages") else body["items"])}

    own, foreign, recorded = str(world["own"].id), str(world["foreign"].id), str(world["recorded"].id)
    assert ids("student", "/sessions") == {own, recorded}
    assert ids("tutor", "/sessions") == {own, recorded}
    assert ids("other_tutor", "/sessions") == {foreign}
    assert ids("admin", "/sessions") == {own, recorded, foreign}
    assert ids("tutor", "/matches") == {str(world["match"].id)}
    assert ids("other_tutor", "/matches") == {str(world["foreign_match"].id)}
    assert ids("student", "/packages") == ids("tutor", "/packages") == {str(world["package"].id)}
    assert ids("other_tutor", "/packages") == {str(world["foreign_package"].id)}
    assert len(ids("admin", "/packages")) == 2
    assert ids("tutor", f"/sessions?tutor_id={world['foreign'].tutor_id}") == set()


def _writes(world):
    start = (timezone.now() + timedelta(days=5)).isoformat()
    return {
        "status_own": (f"/sessions/{world['own'].id}/status", {"status": "done"}),
        "status_foreign": (f"/sessions/{world['foreign'].id}/status", {"status": "done"}),
        "correct_own": (
            f"/sessions/{world['recorded'].id}/correction",
            {"status": "no_show_tutor", "reason": "r"},
        ),
        "create_session_own": (
            "/sessions",
            {"match_id": str(world["match"].id), "scheduled_start_at": start, "duration_minutes": 60},
        ),
        "create_session_foreign": (
            "/sessions",
            {"match_id": str(world["foreign_match"].id), "scheduled_start_at": start, "duration_minutes": 60},
        ),
        "create_package": ("/packages", {"request_id": str(world["match"].request_id), "sessions_total": 3}),
        # Requests and matches (CONTRACT §11): admins only.
        "create_request": ("/requests", {"student_id": str(world["own"].student_id), "subject": "Chemistry"}),
        "create_match": (
            "/matches",
            {"request_id": str(make_request().id), "tutor_id": str(world["match"].tutor_id)},
        ),
        "end_match": (f"/matches/{world['match'].id}/end", {"reason": "r"}),
        "reassign_match": (
            f"/matches/{world['match'].id}/reassign",
            {"tutor_id": str(world["foreign_match"].tutor_id), "reason": "r"},
        ),
    }


WRITES = {
    "status_own": {"anonymous": 401, "student": 403, "tutor": 200, "other_tutor": 404, "admin": 200},
    # A student may never post a status or a session: 403 for the role, whosever the session.
    "status_foreign": {"anonymous": 401, "student": 403, "tutor": 404, "other_tutor": 200, "admin": 200},
    "correct_own": {"anonymous": 401, "student": 403, "tutor": 403, "other_tutor": 404, "admin": 200},
    "create_session_own": {"anonymous": 401, "student": 403, "tutor": 201, "other_tutor": 404, "admin": 201},
    "create_session_foreign": {
        "anonymous": 401,
        "student": 403,
        "tutor": 404,
        "other_tutor": 201,
        "admin": 201,
    },
    "create_package": {"anonymous": 401, "student": 403, "tutor": 403, "other_tutor": 403, "admin": 201},
    "create_request": {"anonymous": 401, "student": 403, "tutor": 403, "other_tutor": 403, "admin": 201},
    "create_match": {"anonymous": 401, "student": 403, "tutor": 403, "other_tutor": 403, "admin": 201},
    "end_match": {"anonymous": 401, "student": 403, "tutor": 403, "other_tutor": 403, "admin": 200},
    "reassign_match": {"anonymous": 401, "student": 403, "tutor": 403, "other_tutor": 403, "admin": 200},
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("with_key", [False, True], ids=["no-key", "key"])
def test_every_write_answers_each_persona_and_refusals_change_no_row(world, write, persona, with_key):
    path, body = _writes(world)[write]
    before = business_rows()
    response = world["clients"][persona].post(path, body, key="matrix-key" if with_key else None)
    expected = WRITES[write][persona]
    assert response.status_code == expected, (write, persona, response.content[:300])
    after = business_rows()
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert after == before
    else:
        assert after != before
        if write.startswith("create_session"):
            assert Session.objects.count() == len(before["sessions"]) + 1
        if write == "create_package":
            assert Package.objects.count() == len(before["packages"]) + 1


# Cancelling one lesson (CONTRACT §12): its tutor, an admin, its student or a guardian of the student;
# whoever may not see it finds none. Both lessons start in three days, outside the notice window.
CANCEL_PERSONAS = [*PERSONAS, "guardian", "other_guardian"]
CANCELS = {
    "cancel_own": {
        "anonymous": 401, "student": 200, "tutor": 200, "other_tutor": 404, "admin": 200,
        "guardian": 200, "other_guardian": 404,
    },
    "cancel_foreign": {
        "anonymous": 401, "student": 404, "tutor": 404, "other_tutor": 200, "admin": 200,
        "guardian": 404, "other_guardian": 200,
    },
}  # fmt: skip


@pytest.mark.parametrize("persona", CANCEL_PERSONAS)
@pytest.mark.parametrize("write", list(CANCELS))
@pytest.mark.parametrize("with_key", [False, True], ids=["no-key", "key"])
def test_every_cancel_answers_each_persona_and_refusals_change_no_row(
    tutor, other_tutor, student, admin, match, package, write, persona, with_key
):
    from tests.factories import UserFactory
    from tutordesk.accounts.models import Guardianship, Role

    in_three_days = timezone.now() + timedelta(days=3)
    own = make_session(match=match, scheduled_start_at=in_three_days)
    foreign_match = make_match(tutor=other_tutor)
    foreign = make_session(match=foreign_match, scheduled_start_at=in_three_days)
    guardian = UserFactory(role=Role.GUARDIAN)
    Guardianship.objects.create(guardian=guardian, student=student)
    other_guardian = UserFactory(role=Role.GUARDIAN)
    Guardianship.objects.create(guardian=other_guardian, student=foreign_match.request.student)
    people = {
        "student": student, "tutor": tutor, "other_tutor": other_tutor, "admin": admin,
        "guardian": guardian, "other_guardian": other_guardian,
    }  # fmt: skip
    client = ApiClient(token_for(people[persona])) if persona in people else ApiClient()
    session = own if write == "cancel_own" else foreign

    before = business_rows()
    response = client.post(
        f"/sessions/{session.id}/cancel", {"reason": "r"}, key="matrix-key" if with_key else None
    )
    expected = CANCELS[write][persona]
    assert response.status_code == expected, (write, persona, response.content[:300])
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert business_rows() == before
    else:
        assert Session.objects.get(pk=session.pk).status == "rescheduled"
        assert Session.objects.count() == len(before["sessions"])


# ---------------------------------------------------------------- guardians (CONTRACT §11)
# A guardian answers every cell exactly as the student they look after: their student's objects
# as the student, another student's as an outsider (404), a write their role may not make 403.
# `other_guardian` looks after the foreign session's student, so the two cells swap for them.

SWAPPED = {
    "own_session": "foreign_session",
    "foreign_session": "own_session",
    "own_package": "foreign_package",
    "foreign_package": "own_package",
}


@pytest.mark.parametrize("persona", ["guardian", "other_guardian"])
@pytest.mark.parametrize("read", list(READS))
def test_a_guardian_reads_exactly_as_the_student_they_look_after(world, read, persona):
    template, _ = READS[read]
    expected = READS[SWAPPED.get(read, read) if persona == "other_guardian" else read][1]["student"]
    path = template.format(
        own=world["own"].id, foreign=world["foreign"].id, package=world["package"].id,
        foreign_package=world["foreign_package"].id,
    )  # fmt: skip
    response = world["clients"][persona].get(path)
    assert response.status_code == expected, (path, persona, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"


def test_a_guardians_lists_hold_their_students_objects_only(world):
    def ids(persona, path):
        body = world["clients"][persona].get(path).json()
        return {item["id"] for item in (body if path.startswith("/packages") else body["items"])}

    assert ids("guardian", "/sessions") == ids("student", "/sessions")
    assert ids("guardian", "/packages") == ids("student", "/packages") == {str(world["package"].id)}
    assert ids("other_guardian", "/sessions") == {str(world["foreign"].id)}
    assert ids("other_guardian", "/packages") == {str(world["foreign_package"].id)}
    assert ids("guardian", f"/sessions?student_id={world['foreign'].student_id}") == set()
    me = world["clients"]["guardian"].get("/me").json()
    assert me["role"] == "guardian"


@pytest.mark.parametrize("persona", ["guardian", "other_guardian"])
@pytest.mark.parametrize("write", list(WRITES))
def test_a_guardian_may_write_nothing_and_refusals_change_no_row(world, write, persona):
    path, body = _writes(world)[write]
    before = business_rows()
    response = world["clients"][persona].post(path, body, key="matrix-key")
    assert response.status_code == WRITES[write]["student"] == 403, (write, persona, response.content[:300])
    assert response.json()["code"] == "forbidden"
    assert response["Content-Type"] == "application/problem+json"
    assert business_rows() == before


def _other_calls(world):
    """The endpoints the tables above leave out, each as (method, path, body)."""
    own, foreign = world["own"].id, world["foreign"].id
    endpoint = uuid.uuid4()
    return {
        "details_own": ("patch", f"/sessions/{own}", {"duration_minutes": 45}),
        "details_foreign": ("patch", f"/sessions/{foreign}", {"duration_minutes": 45}),
        "reports": ("get", "/reports/outcomes", None),
        "webhooks_list": ("get", "/webhook-endpoints", None),
        "webhooks_create": (
            "post",
            "/webhook-endpoints",
            {"url": "https://example.com/hook", "events": ["session.created"]},
        ),
        "webhook_get": ("get", f"/webhook-endpoints/{endpoint}", None),
        "webhook_deliveries": ("get", f"/webhook-endpoints/{endpoint}/deliveries", None),
        "sessions_of_tutor": ("get", f"/sessions?tutor_id={world['foreign'].tutor_id}", None),
    }


OTHER_CALLS = [
    "details_own",
    "details_foreign",
    "reports",
    "webhooks_list",
    "webhooks_create",
    "webhook_get",
    "webhook_deliveries",
    "sessions_of_tutor",
]


@pytest.mark.parametrize("call", OTHER_CALLS)
def test_every_other_endpoint_answers_a_guardian_as_it_answers_the_student(world, call):
    method, path, body = _other_calls(world)[call]

    def answer(persona):
        api = world["clients"][persona]
        response = api.get(path) if method == "get" else getattr(api, method)(path, body, key=None)
        return response.status_code, (response.json().get("code") if response.status_code >= 400 else None)

    before = business_rows()
    student_answer = answer("student")
    assert answer("guardian") == student_answer, call
    assert business_rows() == before
    if call in ("details_own", "details_foreign", "reports", "webhooks_list", "webhooks_create"):
        assert student_answer == (403, "forbidden")


def test_a_guardians_calendar_feed_lists_their_students_lessons_only(world):
    api = world["clients"]["guardian"]
    response = api.post("/calendar-feed", None, raw=b"")
    assert response.status_code == 201, response.content
    feed = Client().get(response.json()["url"].removeprefix("http://testserver"))
    text = b"".join(feed.streaming_content).decode()
    assert f"{world['own'].id}@tutordesk" in text
    assert f"{world['recorded'].id}@tutordesk" in text
    assert f"{world['foreign'].id}@tutordesk" not in text
    assert "SUMMARY:Algebra: Sam Student with Tara Tutor" in text


# ---------------------------------------------------------------- people (CONTRACT §11): admins only


@pytest.fixture
def people_world(world, student):
    from tests.factories import UserFactory
    from tutordesk.accounts.models import Guardianship, Role

    guardian = UserFactory(role=Role.GUARDIAN, email="gwen@example.test")
    Guardianship.objects.create(guardian=guardian, student=student)
    clients = {**world["clients"], "guardian": ApiClient(token_for(guardian))}
    return {"clients": clients, "student": student, "guardian": guardian}


PEOPLE_PERSONAS = [*PERSONAS, "guardian"]
ADMIN_ONLY_READ = {"anonymous": 401, "admin": 200}
PEOPLE_READS = ["/users", "/users?role=tutor&q=ta", "/users/{student}", "/users/{guardian}"]


@pytest.mark.parametrize("persona", PEOPLE_PERSONAS)
@pytest.mark.parametrize("template", PEOPLE_READS)
def test_people_are_read_by_admins_only(people_world, template, persona):
    path = template.format(student=people_world["student"].id, guardian=people_world["guardian"].id)
    response = people_world["clients"][persona].get(path)
    assert response.status_code == ADMIN_ONLY_READ.get(persona, 403), (path, persona)
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"


def _people_writes(people_world):
    student, guardian = people_world["student"], people_world["guardian"]
    return {
        "invite": ("post", "/users", {"email": "new@example.test", "name": "New", "role": "student"}, 201),
        "deactivate": ("post", f"/users/{student.id}/deactivate", None, 200),
        "reactivate": ("post", f"/users/{student.id}/reactivate", None, 200),
        "students": ("put", f"/users/{guardian.id}/students", {"student_ids": []}, 200),
    }


@pytest.mark.parametrize("persona", PEOPLE_PERSONAS)
@pytest.mark.parametrize("write", ["invite", "deactivate", "reactivate", "students"])
def test_people_are_changed_by_admins_only_and_refusals_change_no_row(people_world, write, persona):
    from tutordesk.accounts.models import Guardianship, User

    method, path, body, admin_status = _people_writes(people_world)[write]
    client = people_world["clients"][persona]

    def rows():
        return (
            list(User.objects.order_by("id").values_list("id", "is_active")),
            list(Guardianship.objects.order_by("id").values_list()),
            business_rows(),
        )

    before = rows()
    if method == "put":
        headers = {**client.headers}
        response = client.client.put(
            "/api/v1" + path, json.dumps(body), content_type="application/json", headers=headers
        )
    else:
        response = client.post(path, body or {})
    expected = {"anonymous": 401, "admin": admin_status}.get(persona, 403)
    assert response.status_code == expected, (write, persona, response.content[:300])
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert rows() == before
