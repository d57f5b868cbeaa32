"""PostgreSQL reads every list of the pages through an index: EXPLAIN finds no sequential scan of
`sessions` or `audit_logs`, on a database with thousands of rows and fresh statistics (ANALYZE),
so a page keeps its cost as the tables grow to millions."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    GuardianFactory,
    StudentFactory,
    TutorFactory,
    link_guardian,
    make_match,
    make_package,
)
from tests.web.conftest import logged_in
from tutordesk.scheduling.services import session_create, session_update_status

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")

WATCHED = ("sessions", "audit_logs")
TUTORS, STUDENTS_PER_TUTOR, SESSIONS_PER_MATCH = 12, 6, 40
# A page may skip a few rows its index cannot tell apart; a list that walks a whole history does not fit.
MAX_WASTED = 40


def build_business(admin):
    """12 tutors, 72 students, 2 880 sessions over ten weeks, most of the past recorded: all through
    the services, in one transaction so it takes seconds."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    first = None
    with transaction.atomic():
        for t in range(TUTORS):
            tutor = TutorFactory(name=f"Tutor {t:02d}")
            for s in range(STUDENTS_PER_TUTOR):
                match = make_match(
                    tutor=tutor, student=StudentFactory(name=f"Student {t:02d}-{s}"), actor=admin
                )
                make_package(request=match.request, sessions_total=500, actor=admin)
                for i in range(SESSIONS_PER_MATCH):
                    start = now + timedelta(hours=(i - 28) * 36 + s * 2)
                    session = session_create(
                        match_id=match.id, scheduled_start_at=start, duration_minutes=60, actor=admin
                    )
                    if start < now - timedelta(days=2):
                        status = ("done", "done", "no_show_student", "no_show_tutor", "rescheduled")[i % 5]
                        session_update_status(session_id=session.id, status=status, actor=tutor)
                first = first or tutor
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return first


def scans(plan: dict) -> list[tuple[str, str]]:
    """Every (node type, relation) in a plan tree."""
    found = [(plan["Node Type"], plan.get("Relation Name", ""))]
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


def wasted(plan: dict) -> list[tuple[str, int]]:
    """Rows a scan of a watched table read only to throw away (filter or recheck), per relation:
    what grows with the table when an index does not fit the list exactly."""
    found = []
    if plan.get("Relation Name") in WATCHED:
        thrown = plan.get("Rows Removed by Filter", 0) + plan.get("Rows Removed by Index Recheck", 0)
        found.append((plan["Relation Name"], int(thrown * plan.get("Actual Loops", 1))))
    for child in plan.get("Plans", []):
        found += wasted(child)
    return found


def explain(sql: str, *, analyze: bool = False) -> dict:
    """The plan PostgreSQL picks. Costed as on SSD storage (random_page_cost 1.1, the usual setting
    for a production server): with PostgreSQL's spinning-disk default of 4, a table of a few
    thousand rows is cheaper to read whole, which says nothing about the same list at a million
    rows. Without a usable index the plan is a sequential scan whatever the cost settings."""
    with connection.cursor() as cursor:
        cursor.execute("SET random_page_cost = 1.1")
        try:
            cursor.execute(f"EXPLAIN ({'ANALYZE, ' if analyze else ''}FORMAT JSON) " + sql)
            raw = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET random_page_cost")
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def list_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:  # a download: what it reads before its first row
            chunks = iter(response.streaming_content)
            next(chunks), next(chunks)
    if response.streaming:
        for _ in chunks:  # the rest of it, unchecked (finishing it ends the request)
            pass
    assert response.status_code == 200
    list_queries.html = "" if response.streaming else response.content.decode()  # type: ignore[attr-defined]
    return [
        q["sql"]
        for q in ctx.captured_queries
        # (a compound statement may open with "(")
        if q["sql"].lstrip(" (").upper().startswith("SELECT") and any(f'"{t}"' in q["sql"] for t in WATCHED)
    ]


def test_every_list_reads_sessions_and_audit_rows_through_an_index(admin, student):
    started = time.monotonic()
    tutor = build_business(admin)
    built_in = time.monotonic() - started
    some_student = tutor.matches.first().request.student
    parent = link_guardian(GuardianFactory(), some_student, tutor.matches.last().request.student)
    pages = {
        logged_in(tutor): ["/", "upcoming", "recent"],
        logged_in(some_student): ["/", "past"],
        logged_in(parent): ["/", "past-1"],
        logged_in(admin): [
            "/",
            "cursor",
            "/?status=awaiting_outcome",
            "/?status=no_show_tutor",
            f"/?tutor={tutor.id}",
            "/?student=Student 03-1",
            "/?start=2020-01-01&end=2020-02-01",
            "/audit/",
            "cursor",
            "/audit/?action=session_status_updated",
            "/audit/?entity_type=session",
            f"/audit/?entity_type=session&entity_id={tutor.matches.first().sessions.first().id}",
            "/audit/?actor=Tutor 01",
            "/audit/export.csv",
        ],
    }
    seen = []
    for client, urls in pages.items():
        current = "/"
        for url in urls:
            if url.startswith("/"):
                current = url
                sql = list_queries(client, url)
            else:  # follow the "older"/"later" link of the page before: a deep page
                html = list_queries.html  # type: ignore[attr-defined]
                target = re.search(rf'<a href="(\?(?:[^"]*&amp;)?{url}=[^"]*)"[^>]*data-page-after', html)
                assert target, f"no next page for {url} on {current}"
                sql = list_queries(client, current.split("?")[0] + unescape(target.group(1)))
            assert sql, f"{url}: no statement read {WATCHED}"
            for statement in sql:
                plan = explain(statement)
                sequential = [rel for node, rel in scans(plan) if node == "Seq Scan" and rel in WATCHED]
                assert not sequential, (
                    f"{url}: sequential scan of {sequential}\n{statement}\n{json.dumps(plan)[:3000]}"
                )
                thrown = [(rel, n) for rel, n in wasted(explain(statement, analyze=True)) if n > MAX_WASTED]
                assert not thrown, f"{url}: read and threw away {thrown}\n{statement}"
            seen.append(url)
    assert len(seen) == sum(len(urls) for urls in pages.values()), seen
    assert built_in < 120


def test_the_check_sees_a_sequential_scan_when_no_index_fits(past_session):
    plan = explain(
        'SELECT id FROM "sessions" WHERE "tutor_notes" = \'x\' ORDER BY "duration_minutes" LIMIT 21'
    )
    assert ("Seq Scan", "sessions") in scans(plan)
