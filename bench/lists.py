"""Every list, API and pages, first page and deep pages, at 10,000 and at 1,000,000 sessions.

    python -m bench.lists [--small 10000] [--large 1000000] [--repeat 30]

For each size: a throwaway PostgreSQL database (`tutordesk_bench_lists`) seeded by `seed_demo`,
then each list requested in process (Django's test client, production settings) `--repeat` times;
prints the median latency and the statements each request ran, and the ratio large / small. A deep
page is one reached from a cursor near the end of the list (the same request a client paging that
far would send). Lists must stay within 1.5× and run the same statements at both sizes.
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

SIZES = {
    10_000: ["--tutors", "32", "--students", "1250", "--sessions-per-match", "8"],
    1_000_000: ["--tutors", "3200", "--students", "125000", "--sessions-per-match", "8"],
}

# Runs inside `manage.py shell` against the seeded database; prints one JSON line of results.
_MEASURE = r"""
import json, statistics, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tutordesk.accounts.models import User
from tutordesk.accounts.services import api_token_create
from tutordesk.api.pagination import encode_cursor
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package

def deep(queryset, time_field, fraction=0.9):
    count = queryset.count()
    row = queryset[int(count * fraction)] if count else None
    return encode_cursor(getattr(row, time_field), row.pk) if row else ""

admin = User.objects.get(email="admin@example.com")
tutor = User.objects.filter(role="tutor").order_by("email").first()
student = User.objects.filter(role="student").order_by("email").first()
tokens = {u: api_token_create(email=u.email)[1] for u in (admin, tutor, student)}
all_sessions = Session.objects.order_by("scheduled_start_at", "id")
scheduled = Session.objects.filter(status="scheduled").order_by("scheduled_start_at", "id")
cases = [
    ("API admin sessions, first page", admin, "/api/v1/sessions?limit=50"),
    ("API admin sessions, deep page", admin, "/api/v1/sessions?limit=50&cursor=" + deep(all_sessions, "scheduled_start_at")),
    ("API admin scheduled sessions, deep page", admin, "/api/v1/sessions?status=scheduled&limit=50&cursor=" + deep(scheduled, "scheduled_start_at")),
    ("API tutor sessions, first page", tutor, "/api/v1/sessions?limit=50"),
    ("API tutor sessions, deep page", tutor, "/api/v1/sessions?limit=50&cursor=" + deep(all_sessions.filter(tutor=tutor), "scheduled_start_at")),
    ("API student sessions, first page", student, "/api/v1/sessions?limit=50"),
    ("API packages, first page", admin, "/api/v1/packages?limit=50"),
    ("API packages, deep page", admin, "/api/v1/packages?limit=50&cursor=" + deep(Package.objects.order_by("created_at", "id"), "created_at")),
    ("API matches, deep page", admin, "/api/v1/matches?limit=50&cursor=" + deep(Match.objects.order_by("created_at", "id"), "created_at")),
    ("API audit log, first page", admin, "/api/v1/audit-logs?limit=50"),
]
from django.utils import timezone
now = timezone.now()
by_start_desc = Session.objects.order_by("-scheduled_start_at", "-id")
tutor_upcoming = Session.objects.filter(tutor=tutor, status="scheduled", scheduled_start_at__gt=now).order_by("scheduled_start_at", "id")
one_session = Session.objects.filter(tutor=tutor).order_by("scheduled_start_at", "id").first()
month_ago = (now - timezone.timedelta(days=30)).date().isoformat()
pages = [
    ("page admin sessions, first page", admin, "/"),
    ("page admin sessions, deep page", admin, "/?cursor=a." + deep(by_start_desc, "scheduled_start_at")),
    ("page admin awaiting outcome, first page", admin, "/?status=awaiting_outcome"),
    ("page tutor dashboard", tutor, "/"),
    ("page tutor upcoming, deep page", tutor, "/?upcoming=a." + deep(tutor_upcoming, "scheduled_start_at", 0.5)),
    ("page student dashboard", student, "/"),
    ("page session with its timeline", tutor, f"/sessions/{one_session.id}/"),
    ("page packages, first page", admin, "/packages/"),
    ("page audit log, first page", admin, "/audit/"),
    ("page reports, the last 30 days", admin, f"/reports/?start={month_ago}"),
    ("API reports by tutor, the last 30 days", admin, f"/api/v1/reports/outcomes?group_by=tutor&from={month_ago}T00:00:00Z"),
]
client = Client(HTTP_HOST="127.0.0.1")
results = []
for name, user, path in cases + pages:
    if name.startswith("page"):
        client.force_login(user)
        headers = {}
    else:
        headers = {"Authorization": f"Bearer {tokens[user]}"}
    for _ in range(3):
        status = client.get(path, headers=headers).status_code
        assert status == 200, (name, path, status)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        client.get(path, headers=headers)
        times.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        client.get(path, headers=headers)
    results.append([name, statistics.median(times) * 1000, len(queries.captured_queries)])
print(json.dumps(results))
"""


def measure(size: int, repeat: int) -> list[tuple[str, float, int]]:
    with throwaway_database(sqlite=False, name="tutordesk_bench_lists") as url:
        manage(url, "migrate", "--verbosity", "0")
        started = time.perf_counter()
        manage(url, "seed_demo", *SIZES[size], "--verbosity", "0", timeout=1800)
        print(f"  seeded {size:,} sessions in {time.perf_counter() - started:.1f} s")
        script = f"REPEAT = {repeat}\n{_MEASURE}"
        out = manage(url, "shell", "-c", script, timeout=1800, env=production_env())
    return [tuple(row) for row in json.loads(out.strip().splitlines()[-1])]  # type: ignore[misc]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("TUTORDESK_DEBUG", "1")
    print("== lists at 10,000 and 1,000,000 sessions (PostgreSQL, median of in-process requests) ==")
    small = measure(10_000, args.repeat)
    large = measure(1_000_000, args.repeat)
    worst = 0.0
    for (name, ms_small, q_small), (_, ms_large, q_large) in zip(small, large, strict=True):
        ratio = ms_large / ms_small
        worst = max(worst, ratio)
        print(
            f"  {name:<45} {ms_small:6.1f} ms → {ms_large:6.1f} ms  ({ratio:4.2f}×)  "
            f"statements {q_small} → {q_large}"
        )
    print(f"  worst ratio: {worst:.2f}× (target ≤ 1.5×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
