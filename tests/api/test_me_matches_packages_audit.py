"""GET /me, /matches, /packages, /audit-logs and POST /packages (CONTRACT §4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import assert_problem
from tests.factories import make_match, make_package, make_request
from tests.helpers import snapshot
from tutordesk.audit.models import AuditLog
from tutordesk.tutoring.models import Package

pytestmark = pytest.mark.django_db


def test_me_describes_the_caller(tutor_api, tutor):
    assert tutor_api.get("/me").json() == {
        "id": str(tutor.id),
        "email": "tara@example.test",
        "name": "Tara Tutor",
        "role": "tutor",
        "timezone": "UTC",
    }


def test_a_tutor_lists_their_matches_and_an_admin_all(tutor_api, admin_api, match, student):
    other = make_match()
    body = tutor_api.get("/matches").json()
    assert body == {
        "items": [
            {
                "id": str(match.id),
                "request_id": str(match.request_id),
                "tutor_id": str(match.tutor_id),
                "student_id": str(student.id),
                "subject": "Algebra",
                "status": "active",
            }
        ],
        "next_cursor": None,
    }
    all_ids = {m["id"] for m in admin_api.get("/matches").json()["items"]}
    assert all_ids == {str(match.id), str(other.id)}
    first = admin_api.get("/matches", {"limit": 1}).json()
    second = admin_api.get("/matches", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert {first["items"][0]["id"], second["items"][0]["id"]} == all_ids
    assert second["next_cursor"] is None


def test_a_student_may_not_list_matches(student_api, match):
    assert_problem(student_api.get("/matches"), 403, "forbidden")


def test_packages_list_and_one(student_api, admin_api, package, match):
    later = make_package(request=match.request, sessions_total=5)
    make_package()  # another student's
    response = student_api.get("/packages", {"request_id": str(match.request_id)})
    assert [p["id"] for p in response.json()] == [str(package.id), str(later.id)]
    assert "Link" not in response
    one = student_api.get(f"/packages/{later.id}").json()
    assert (one["sessions_total"], one["sessions_used"], one["sessions_remaining"], one["status"]) == (
        5,
        0,
        5,
        "active",
    )
    assert len(admin_api.get("/packages").json()) == 3


def test_the_package_list_pages_through_its_link_header(admin_api, package, match):
    make_package(request=match.request, sessions_total=5)
    make_package(request=match.request, sessions_total=6)
    first = admin_api.get("/packages", {"limit": 2})
    assert len(first.json()) == 2
    link = first["Link"]
    assert link.endswith('>; rel="next"') and "cursor=" in link and "limit=2" in link
    query = link[link.index("?") + 1 : link.index(">")]
    second = admin_api.get(f"/packages?{query}")
    assert second.status_code == 200
    assert [p["sessions_total"] for p in second.json()] == [6]
    assert "Link" not in second
    everything = {p["id"] for p in first.json()} | {p["id"] for p in second.json()}
    assert len(everything) == 3


def test_an_admin_creates_a_package(admin_api, match, admin):
    response = admin_api.post("/packages", {"request_id": str(match.request_id), "sessions_total": 20})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["sessions_total"], body["sessions_used"], body["sessions_remaining"]) == (20, 0, 20)
    assert Package.objects.get(pk=body["id"]).request_id == match.request_id
    assert AuditLog.objects.get(action="package_created").actor_id == admin.id


@pytest.mark.parametrize("total", [0, 501, -1, 10**30, "many", None, 2.5])
def test_a_package_holds_1_to_500_sessions(admin_api, match, total):
    before = snapshot()
    response = admin_api.post("/packages", {"request_id": str(match.request_id), "sessions_total": total})
    assert_problem(response, 422, "validation_error")
    assert snapshot() == before


def test_a_package_for_an_unknown_request_is_not_found(admin_api):
    body = {"request_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "sessions_total": 5}
    assert_problem(admin_api.post("/packages", body), 404, "not_found")


def test_the_audit_log_is_newest_first_filtered_and_paged(admin_api, tutor_api, admin, match, package):
    from tests.factories import make_session

    now = timezone.now()
    sessions = [make_session(match=match, scheduled_start_at=now - timedelta(hours=i + 1)) for i in range(3)]
    for s in sessions:
        tutor_api.post(f"/sessions/{s.id}/status", {"status": "done"})
    admin_api.post("/packages", {"request_id": str(make_request().id), "sessions_total": 3})

    body = admin_api.get("/audit-logs").json()
    times = [item["created_at"] for item in body["items"]]
    assert times == sorted(times, reverse=True)
    assert set(body["items"][0]) == {
        "id",
        "created_at",
        "actor_user_id",
        "action",
        "entity_type",
        "entity_id",
        "details",
    }
    assert body["items"][0]["action"] == "package_created"

    updates = admin_api.get("/audit-logs", {"action": "session_status_updated"}).json()["items"]
    assert len(updates) == 3
    assert updates[0]["details"]["status"] == "done"
    one = admin_api.get("/audit-logs", {"entity_type": "session", "entity_id": str(sessions[1].id)}).json()
    assert [(i["entity_id"], i["action"]) for i in one["items"]] == [
        (str(sessions[1].id), "session_status_updated"),
        (str(sessions[1].id), "session_created"),
    ]
    assert len(admin_api.get("/audit-logs", {"actor_user_id": str(admin.id)}).json()["items"]) == 1

    seen, cursor = [], None
    while True:
        page = admin_api.get("/audit-logs", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["id"] for i in body["items"]]


def test_only_admins_read_the_audit_log(tutor_api, student_api):
    assert_problem(tutor_api.get("/audit-logs"), 403, "forbidden")
    assert_problem(student_api.get("/audit-logs"), 403, "forbidden")
