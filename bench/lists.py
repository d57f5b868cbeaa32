"""Every page beside the API call that returns the same rows, and every list at 10,000 and at
1,000,000 sessions.

    python -m bench.lists [--repeat 30] [--sizes 10000,1000000] [--database-url URL]

For each size: a throwaway PostgreSQL database (`tutordesk_bench_lists`, plus the test-database
suffix) seeded by `seed_demo`, then one `session_created` audit row for every session the seed
bulk-inserted without one (what the scheduling service would have written: a business with a
million lessons has at least a million audit rows, so the audit log, its API and its CSV export are
measured at that size too). Then, in one process with production settings (debug off), each
request goes through Django's test client `--repeat` times:

- each page and the API call that returns the same rows (or, where no single call does, as many
  of the same user's rows), requested alternately so the machine's load falls on both alike: the
  median server time of each, their ratio (target: the page within 4× its API call), and the
  statements each ran;
- API lists alone, first and deep pages (a deep page is one reached from a cursor near the end of
  the list, the request a client paging that far sends);
- the audit log's CSV export: the time until its first data row.

Then every figure at 1,000,000 beside 10,000: a list must cost the same at both sizes (target
≤ 1.5×) with the same statements. `--database-url` measures a database already seeded (nothing
is seeded or dropped; a look while working on a page).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from harness.servers import production_env
from harness.soak import throwaway_database
from harness.world import manage

# One database per engineer's suffix, so two runs on one server do not drop each other's.
BENCH_DB = "tutordesk_bench_lists" + os.environ.get("TUTORDESK_TEST_DB_SUFFIX", "")

SIZES = {
    10_000: ["--tutors", "32", "--students", "1250", "--sessions-per-match", "8"],
    1_000_000: ["--tutors", "3200", "--students", "125000", "--sessions-per-match", "8"],
}

PAGE_TARGET = 4.0  # a page's median within this many times its API call's
SIZE_TARGET = 1.5  # a list's median at 1,000,000 sessions within this many times its 10,000's

# The audit row `scheduling.services.session_create` writes, for each session the seed inserted
# in bulk: its tutor, when the row was made, the same details.
AUDIT_EVERY_SESSION = """
INSERT INTO audit_logs (id, created_at, actor_user_id, action, entity_type, entity_id, details)
SELECT gen_random_uuid(), s.created_at, s.tutor_id, 'session_created', 'session', s.id,
       jsonb_build_object(
           'match_id', s.match_id::text,
           'meet_link', s.meet_link,
           'duration_minutes', s.duration_minutes,
           'scheduled_start_at',
           to_char(s.scheduled_start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'))
FROM sessions s
WHERE NOT EXISTS (
    SELECT 1 FROM audit_logs a
    WHERE a.entity_type = 'session' AND a.entity_id = s.id AND a.action = 'session_created')
"""

# Runs inside `manage.py shell` against the seeded database; prints one JSON line of results.
_MEASURE = r"""
import json, statistics, time
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tutordesk.accounts.models import User
from tutordesk.accounts.services import api_token_create
from tutordesk.api.pagination import encode_cursor
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest

def deep(queryset, time_field, fraction=0.9):
    count = queryset.count()
    row = queryset[int(count * fraction)] if count else None
    return encode_cursor(getattr(row, time_field), row.pk) if row else ""

admin = User.objects.get(email="admin@example.com")
tutor = User.objects.filter(role="tutor").order_by("email").first()
student = User.objects.filter(role="student").order_by("email").first()
tokens = {u: api_token_create(email=u.email)[1] for u in (admin, tutor, student)}
pages_of = {}
for u in (admin, tutor, student):
    pages_of[u] = Client(HTTP_HOST="127.0.0.1")
    pages_of[u].force_login(u)
api = Client(HTTP_HOST="127.0.0.1")

now = timezone.now()
now_text = now.strftime("%Y-%m-%dT%H:%M:%SZ")
month_ago = (now - timezone.timedelta(days=30)).date().isoformat()
all_sessions = Session.objects.order_by("scheduled_start_at", "id")
newest_first = Session.objects.order_by("-scheduled_start_at", "-id")
tutor_sessions = all_sessions.filter(tutor=tutor)
tutor_upcoming = tutor_sessions.filter(status="scheduled", scheduled_start_at__gt=now)
audit_newest_first = AuditLog.objects.order_by("-created_at", "-id")
# A session of the tutor's with a story (an outcome, a correction), so its page has a timeline.
told = AuditLog.objects.filter(entity_type="session").exclude(action="session_created").values("entity_id")
one_session = tutor_sessions.filter(id__in=told).first() or tutor_sessions.first()

first_requests = list(TutoringRequest.objects.order_by("-created_at", "-id").values_list("id", flat=True)[:20])
packages_shown = Package.objects.filter(request_id__in=first_requests).count()

# (name, user, page, the API calls an API client makes for the same rows). One call where one
# returns them; as many rows of the same user's where no single call does (the tutor's three
# lists); a call per resource where the page shows rows of two (a session and its audit rows).
PAIRS = [
    ("tutor dashboard (3 lists, 60 rows)", tutor, "/", ["/api/v1/sessions?limit=60"]),
    ("tutor dashboard, deep Upcoming page", tutor, "/?upcoming=a." + deep(tutor_upcoming, "scheduled_start_at", 0.5),
     ["/api/v1/sessions?limit=60&cursor=" + deep(tutor_sessions, "scheduled_start_at", 0.5)]),
    ("student dashboard (lessons, packages)", student, "/", ["/api/v1/sessions?limit=40", "/api/v1/packages"]),
    ("admin sessions, first page (20 rows)", admin, "/", ["/api/v1/sessions?limit=20"]),
    ("admin sessions, deep page", admin, "/?cursor=a." + deep(newest_first, "scheduled_start_at"),
     ["/api/v1/sessions?limit=20&cursor=" + deep(all_sessions, "scheduled_start_at")]),
    ("admin sessions awaiting an outcome", admin, "/?status=awaiting_outcome",
     [f"/api/v1/sessions?status=scheduled&to={now_text}&limit=20"]),
    ("admin sessions of one tutor", admin, f"/?tutor={tutor.id}", [f"/api/v1/sessions?tutor_id={tutor.id}&limit=20"]),
    ("session page with its timeline", admin, f"/sessions/{one_session.id}/",
     [f"/api/v1/sessions/{one_session.id}", f"/api/v1/audit-logs?entity_type=session&entity_id={one_session.id}"]),
    (f"packages (20 requests, {packages_shown} packages)", admin, "/packages/", [f"/api/v1/packages?limit={packages_shown}"]),
    ("audit log, first page (50 rows)", admin, "/audit/", ["/api/v1/audit-logs?limit=50"]),
    ("audit log, deep page", admin, "/audit/?cursor=a." + deep(audit_newest_first, "created_at"),
     ["/api/v1/audit-logs?limit=50&cursor=" + deep(audit_newest_first, "created_at")]),
    ("reports by tutor, the last 30 days", admin, f"/reports/?start={month_ago}",
     [f"/api/v1/reports/outcomes?group_by=tutor&from={month_ago}T00:00:00Z"]),
]
LISTS = [
    ("API admin scheduled sessions, deep page", admin,
     "/api/v1/sessions?status=scheduled&limit=50&cursor=" + deep(all_sessions.filter(status="scheduled"), "scheduled_start_at")),
    ("API packages, deep page", admin,
     "/api/v1/packages?limit=50&cursor=" + deep(Package.objects.order_by("created_at", "id"), "created_at")),
    ("API matches, deep page", admin,
     "/api/v1/matches?limit=50&cursor=" + deep(Match.objects.order_by("created_at", "id"), "created_at")),
]

def page_get(user, path):
    return pages_of[user].get(path)

def api_get(user, path):
    return api.get(path, headers={"Authorization": f"Bearer {tokens[user]}"})

def api_calls(user, paths):
    for path in paths:
        response = api_get(user, path)
    return response

def statements(get, user, path):
    reset_queries()  # the log keeps 9,000 statements: a full one would capture none
    with CaptureQueriesContext(connection) as queries:
        get(user, path)
    return len(queries.captured_queries)

def timed(get, user, path):
    wall, cpu = time.perf_counter(), time.process_time()
    response = get(user, path)
    return time.perf_counter() - wall, time.process_time() - cpu, response

def ms(values):
    return statistics.median(values) * 1000

results = {"pairs": [], "lists": []}
for name, user, page, calls in PAIRS:
    for _ in range(3):
        assert page_get(user, page).status_code == 200, (name, page)
        for call in calls:
            assert api_get(user, call).status_code == 200, (name, call)
    walls = {"page": [], "api": []}
    cpus = {"page": [], "api": []}
    for i in range(REPEAT):
        order = (("page", page_get, page), ("api", api_calls, calls))
        for which, get, path in order if i % 2 == 0 else order[::-1]:
            wall, cpu, _ = timed(get, user, path)
            walls[which].append(wall)
            cpus[which].append(cpu)
    results["pairs"].append({
        "name": name, "page": page, "api": calls,
        "page_ms": ms(walls["page"]), "api_ms": ms(walls["api"]),
        "page_cpu_ms": ms(cpus["page"]), "api_cpu_ms": ms(cpus["api"]),
        "page_statements": statements(page_get, user, page), "api_statements": statements(api_calls, user, calls),
    })
for name, user, call in LISTS:
    for _ in range(3):
        assert api_get(user, call).status_code == 200, (name, call)
    walls = [timed(api_get, user, call)[0] for _ in range(REPEAT)]
    results["lists"].append({"name": name, "api": call, "ms": ms(walls), "statements": statements(api_get, user, call)})

def first_csv_row():
    wall = time.perf_counter()
    response = page_get(admin, "/audit/export.csv")
    assert response.status_code == 200
    chunks = iter(response.streaming_content)
    header = next(chunks)
    row = next(chunks, b"")
    elapsed = time.perf_counter() - wall
    response.close()
    assert header.startswith(b"id,") and row, (header, row)
    return elapsed

for _ in range(2):
    first_csv_row()
reset_queries()
with CaptureQueriesContext(connection) as queries:
    first_csv_row()
export_statements = len(queries.captured_queries)  # before another request resets the log
results["export"] = {
    "first_row_ms": ms([first_csv_row() for _ in range(min(REPEAT, 10))]),
    "statements": export_statements,
    "audit_rows": AuditLog.objects.count(),
}
print(json.dumps(results))
"""


def seed(url: str, size: int) -> None:
    manage(url, "migrate", "--verbosity", "0")
    started = time.perf_counter()
    manage(url, "seed_demo", *SIZES[size], "--verbosity", "0", timeout=1800)
    seeded = time.perf_counter() - started
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as db:
        added = db.execute(AUDIT_EVERY_SESSION).rowcount
        db.execute("ANALYZE audit_logs")
    print(
        f"  seeded {size:,} sessions in {seeded:.1f} s; added {added:,} session_created audit rows "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def measure_database(url: str, repeat: int) -> dict:
    script = f"REPEAT = {repeat}\n{_MEASURE}"
    out = manage(url, "shell", "-c", script, timeout=3600, env=production_env())
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(size: int, repeat: int) -> dict:
    with throwaway_database(sqlite=False, name=BENCH_DB) as url:
        seed(url, size)
        return measure_database(url, repeat)


def print_pairs(label: str, result: dict) -> float:
    """The pages beside their API calls at one size; returns the worst ratio."""
    print(f"\n  {label}: page and API call, median server time (requests alternated)")
    print(f"  {'page':<40} {'page':>8} {'API':>7} {'ratio':>6} {'CPU ratio':>9}  statements")
    worst = 0.0
    for pair in result["pairs"]:
        ratio = pair["page_ms"] / pair["api_ms"]
        worst = max(worst, ratio)
        print(
            f"  {pair['name']:<40} {pair['page_ms']:6.1f} ms {pair['api_ms']:5.1f} ms {ratio:5.2f}× "
            f"{pair['page_cpu_ms'] / pair['api_cpu_ms']:8.2f}×  {pair['page_statements']} / {pair['api_statements']}"
        )
    export = result["export"]
    print(
        f"  {'audit log CSV export, first row':<40} {export['first_row_ms']:6.1f} ms"
        f"{'':>24}{export['statements']} ({export['audit_rows']:,} audit rows)"
    )
    print(f"  worst page / API: {worst:.2f}× (target ≤ {PAGE_TARGET:g}×)")
    return worst


def print_sizes(small: dict, large: dict) -> None:
    """Every figure at the large size beside the small one."""
    print("\n  the same at 1,000,000 sessions beside 10,000 (median; statements)")
    rows: list[tuple[str, float, float, int, int]] = []
    for a, b in zip(small["pairs"], large["pairs"], strict=True):
        rows.append(
            (f"page: {a['name']}", a["page_ms"], b["page_ms"], a["page_statements"], b["page_statements"])
        )
        calls = " + ".join(call.split("?")[0] for call in a["api"])
        rows.append(
            (
                f"API: {calls}  ({a['name']})",
                a["api_ms"],
                b["api_ms"],
                a["api_statements"],
                b["api_statements"],
            )
        )
    for a, b in zip(small["lists"], large["lists"], strict=True):
        rows.append((a["name"], a["ms"], b["ms"], a["statements"], b["statements"]))
    ex_a, ex_b = small["export"], large["export"]
    rows.append(
        (
            "audit log CSV export, first row",
            ex_a["first_row_ms"],
            ex_b["first_row_ms"],
            ex_a["statements"],
            ex_b["statements"],
        )
    )
    worst = 0.0
    for name, ms_small, ms_large, q_small, q_large in rows:
        ratio = ms_large / ms_small
        if not name.startswith(("page: reports", "API: /api/v1/reports")):  # not a list: it counts the range
            worst = max(worst, ratio)
        print(
            f"  {name[:78]:<78} {ms_small:7.1f} → {ms_large:7.1f} ms ({ratio:4.2f}×)  {q_small} → {q_large}"
        )
    print(f"  worst list ratio (the report aside): {worst:.2f}× (target ≤ {SIZE_TARGET:g}×)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--sizes", default="10000,1000000", help="comma separated, from: 10000, 1000000")
    parser.add_argument("--database-url", help="measure this already seeded database instead")
    args = parser.parse_args(argv)
    os.environ.setdefault("TUTORDESK_DEBUG", "1")
    print("== pages and lists (PostgreSQL, in-process requests, production settings) ==", flush=True)
    if args.database_url:
        print_pairs("the given database", measure_database(args.database_url, args.repeat))
        return 0
    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        results[size] = measure(size, args.repeat)
        print_pairs(f"{size:,} sessions", results[size])
    if len(results) == 2:
        print_sizes(*results.values())
    return 0


if __name__ == "__main__":
    sys.exit(main())
