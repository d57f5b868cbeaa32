"""Every list on the pages costs the same whatever the tables hold and however deep the page:
keyset cursors (no OFFSET), a bounded count (no COUNT(*) over a whole list), and a fixed number
of statements per page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import StudentFactory, make_match, make_package, make_session
from tests.helpers import bring_to_status
from tests.web.conftest import link, logged_in
from tutordesk.audit.services import audit_log_write
from tutordesk.tutoring.audit import PackageCreated


def statements(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
    statements.last_html = html  # type: ignore[attr-defined]
    return [q["sql"] for q in ctx.captured_queries]


def assert_cheap(sql: list[str]) -> None:
    assert not any(re.search(r"\bOFFSET\b", s, re.I) for s in sql), "a list read with OFFSET"
    for s in sql:
        if re.search(r"COUNT\(", s, re.I):
            assert re.search(r"\bLIMIT\b", s, re.I), f"an unbounded count: {s}"


def grow(match, tutor, admin, *, sessions: int, start_hours: int) -> None:
    """More of everything: past sessions awaiting an outcome, recorded ones, upcoming ones, audit rows."""
    now = timezone.now()
    for i in range(sessions):
        hours = start_hours + 3 * i  # one tutor: an hour each, never two at once
        make_session(match=match, scheduled_start_at=now - timedelta(hours=hours))
        make_session(match=match, scheduled_start_at=now + timedelta(hours=hours))
        recorded = make_session(match=match, scheduled_start_at=now - timedelta(hours=hours - 1.5))
        bring_to_status(recorded, "done" if i % 2 else "no_show_tutor")
    for _ in range(sessions):
        audit_log_write(
            actor=admin,
            entity_id=match.request_id,
            details=PackageCreated(request_id=match.request_id, sessions_total=1),
        )


LISTS = {
    "tutor": ["/", "/?needs={c}", "/?upcoming={c}", "/?recent={c}"],
    "student": ["/", "/?upcoming={c}", "/?past={c}"],
    "admin": [
        "/",
        "/?cursor={c}",
        "/?status=awaiting_outcome",
        "/?status=done",
        "/?tutor={tutor}",
        "/?student=sam",
        "/?start=2020-01-01&end=2099-01-01",
        "/packages/",
        "/packages/?q=sam",
        "/audit/",
        "/audit/?cursor={c}",
        "/audit/?action=session_created",
        "/audit/?entity_type=session",
        "/audit/?actor=tara",
    ],
}


@pytest.mark.parametrize("role", list(LISTS))
def test_each_list_costs_the_same_with_ten_times_the_rows_and_on_a_deep_page(
    role, tutor, student, admin, match, package
):
    clients = {"tutor": logged_in(tutor), "student": logged_in(student), "admin": logged_in(admin)}
    client = clients[role]
    make_package(request=match.request, sessions_total=500)
    grow(match, tutor, admin, sessions=4, start_hours=3)

    def costs() -> dict[str, int]:
        found = {}
        for template in LISTS[role]:
            first = template.split("?")[0] if "{c}" in template else template.format(tutor=tutor.id)
            sql = statements(client, first)
            assert_cheap(sql)
            found[template] = len(sql)
            if "{c}" in template:
                param = template.split("?")[1].split("=")[0]
                html = statements.last_html  # type: ignore[attr-defined]
                older = re.search(rf'href="\?({param}=[^"&]+)"[^>]*data-page-after', html)
                if older:
                    deep = statements(client, f"{first}?{older.group(1)}")
                    assert_cheap(deep)
                    found[template] = max(found[template], len(deep))
        return found

    small = costs()
    grow(match, tutor, admin, sessions=40, start_hours=200)
    for _ in range(3):
        other = make_match(tutor=tutor, student=StudentFactory())
        make_package(request=other.request)
    assert costs() == small
    assert max(small.values()) <= 14, small


def test_a_deep_page_is_found_by_its_cursor_not_by_counting_rows_before_it(tutor, match, package):
    make_package(request=match.request, sessions_total=200)
    now = timezone.now()
    for hours in range(1, 66):
        make_session(match=match, scheduled_start_at=now - timedelta(hours=hours))
    client = logged_in(tutor)
    html = client.get("/").content.decode()
    pages = 1
    while (older := link(html, "data-page-after")) is not None:
        sql = statements(client, "/" + older)
        assert_cheap(sql)
        html = statements.last_html  # type: ignore[attr-defined]
        pages += 1
    assert pages == 4  # 65 rows, 20 to a page
    assert (
        '<span class="ml-1 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600" data-count>65<'
        in html
    )


def test_the_count_stops_at_five_hundred(tutor, admin, match):
    for _ in range(501):
        audit_log_write(
            actor=admin,
            entity_id=match.request_id,
            details=PackageCreated(request_id=match.request_id, sessions_total=1),
        )
    html = logged_in(admin).get("/audit/").content.decode()
    assert "<span data-count>500+</span>" in html


def test_the_audit_filters_offer_every_action_and_entity_from_their_enumerations(admin):
    from tutordesk.audit.models import AuditAction, AuditEntity

    sql = statements(logged_in(admin), "/audit/")
    html = statements.last_html  # type: ignore[attr-defined]
    for value, _ in AuditAction.choices:
        assert f'<option value="{value}"' in html
    for value, _ in AuditEntity.choices:
        assert f'<option value="{value}"' in html
    assert not any("DISTINCT" in s.upper() for s in sql)


def test_each_page_runs_a_fixed_handful_of_statements(tutor, student, admin, match, package):
    """Pinned: the session and the user of the login, then each list's page with its bounded
    count, the sessions left on its rows and the calendar badge in one statement (on PostgreSQL
    the lists of one page in one statement; SQLite reads each list on its own)."""
    grow(match, tutor, admin, sessions=3, start_hours=3)
    together = connection.features.supports_slicing_ordering_in_compound
    pages = {
        (tutor, "/"): 3 if together else 5,  # session, user, the 3 lists
        (student, "/"): 4 if together else 5,  # session, user, the 2 lists, packages with left
        (admin, "/"): 3,  # session, user, the list
        # The search for people instead of the list, and the calendar badge on its own.
        (admin, "/?student=nobody-is-called-this"): 4,
        (admin, "/packages/"): 4,  # session, user, requests with tutor and left, their packages
        (admin, "/audit/"): 4,  # session, user, the page, the names its rows mention (for their words)
    }
    for (user, url), expected in pages.items():
        sql = statements(logged_in(user), url)
        assert len(sql) == expected, (url, sql)
