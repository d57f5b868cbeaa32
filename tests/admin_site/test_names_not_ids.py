"""Django's admin names things as people do: lists and choosers show a request as "Chemistry
(A-level) for Ada Lovelace", a match, a package, a session and a guardianship by the people and the
subject, never as a bare id; a chooser searches by name (autocomplete), never a raw-id pop-up."""

from __future__ import annotations

import html
import re

import pytest

from tests.factories import (
    GuardianFactory,
    StudentFactory,
    TutorFactory,
    end_match,
    link_guardian,
    make_match,
    make_package,
    make_session,
)
from tutordesk.tutoring.models import Match

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def ada(db):
    ada = StudentFactory(name="Ada Lovelace", email="ada.l@example.test")
    match = make_match(tutor=TutorFactory(name="Charles Babbage"), student=ada, subject="Chemistry (A-level)")
    package = make_package(request=match.request, sessions_total=6)
    session = make_session(match=match)
    guardian = link_guardian(GuardianFactory(name="Anne Byron"), ada)
    return {"student": ada, "match": match, "package": package, "session": session, "guardian": guardian}


def text_of(page) -> str:
    """What the page shows (tags dropped; links' addresses are not shown)."""
    body = page.content.decode()
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/admin/tutoring/tutoringrequest/", ["Chemistry (A-level) for Ada Lovelace"]),
        ("/admin/tutoring/match/", ["Chemistry (A-level) for Ada Lovelace", "Charles Babbage"]),
        ("/admin/tutoring/package/", ["Chemistry (A-level) for Ada Lovelace"]),
        ("/admin/scheduling/session/", ["Chemistry (A-level) for Ada Lovelace", "Charles Babbage"]),
        ("/admin/accounts/guardianship/", ["Anne Byron", "Ada Lovelace"]),
    ],
)
def test_every_list_names_its_rows_and_shows_no_bare_id(admin_client, ada, url, words):
    text = text_of(admin_client.get(url))
    for word in words:
        assert word in text, (url, word)
    for thing in ("match", "package", "session", "student", "guardian"):
        obj = ada[thing]
        assert str(obj.pk) not in text, (url, thing)
    assert str(ada["match"].request_id) not in text


@pytest.mark.parametrize(
    "url",
    [
        "/admin/tutoring/match/{match}/change/",
        "/admin/tutoring/package/{package}/change/",
        "/admin/scheduling/session/{session}/change/",
    ],
)
def test_a_rows_page_names_what_it_points_to(admin_client, ada, url):
    ids = {thing: ada[thing].pk for thing in ("match", "package", "session")}
    text = text_of(admin_client.get(url.format(**ids)))
    assert "Chemistry (A-level) for Ada Lovelace" in text
    assert f"match {ada['match'].pk}" not in text


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/admin/tutoring/match/add/", "request"),
        ("/admin/tutoring/package/add/", "request"),
        ("/admin/tutoring/tutoringrequest/add/", "student"),
        ("/admin/tutoring/match/add/", "tutor"),
    ],
)
def test_choosers_search_by_name_not_raw_ids(admin_client, ada, url, field):
    page = admin_client.get(url).content.decode()
    tag = re.search(rf'<select[^>]*name="{field}"[^>]*>', page)
    assert tag and "admin-autocomplete" in tag.group(0), (url, field)
    assert "vForeignKeyRawIdAdminField" not in page


def autocomplete(admin_client, model: str, field: str, term: str) -> list[str]:
    app = "scheduling" if model == "session" else "tutoring"
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": app, "model_name": model, "field_name": field, "term": term},
    )
    assert response.status_code == 200, response.content[:300]
    return [item["text"] for item in response.json()["results"]]


def test_the_request_chooser_finds_a_request_by_the_students_name(admin_client, ada):
    other = make_match(student=StudentFactory(name="Grace Hopper"), subject="Physics")
    assert autocomplete(admin_client, "match", "request", "lovelace") == [
        "Chemistry (A-level) for Ada Lovelace"
    ]
    assert autocomplete(admin_client, "package", "request", "physics") == [str(other.request)]
    assert str(other.request) == "Physics for Grace Hopper"


def test_a_person_chooser_offers_only_people_of_the_fields_role(admin_client, ada):
    students = autocomplete(admin_client, "tutoringrequest", "student", "a")
    tutors = autocomplete(admin_client, "match", "tutor", "a")
    assert any("Ada Lovelace" in text for text in students)
    assert not any("Charles Babbage" in text or "Anne Byron" in text for text in students)
    assert any("Charles Babbage" in text for text in tutors)
    assert not any("Ada Lovelace" in text for text in tutors)


def test_a_match_added_through_the_choosers_goes_through_the_service(admin_client, ada):
    ended = ada["match"]
    end_match(ended)
    tutor = TutorFactory(name="Mary Somerville")
    response = admin_client.post(
        "/admin/tutoring/match/add/", {"request": str(ended.request_id), "tutor": str(tutor.pk)}
    )
    assert response.status_code == 302, response.content[:500]
    assert Match.objects.get(request=ended.request, status="active").tutor == tutor
