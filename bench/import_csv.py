"""Benchmark of the spreadsheet import (not a test): 10,000 enrolment rows, dry run then for real.

Run: `.venv/bin/python -m bench import_csv` — once on PostgreSQL (`DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/postgres) and once on SQLite, each in its own process on a
throwaway database (suffix `_benchimport`). Rows: ROWS students (one in four with a guardian),
each with one subject and one of ROWS // 20 tutors, packages of 10. It prints, per database, the
seconds (wall clock, and the CPU seconds of the app's own process: on a busy machine the
first is mostly waiting) and SQL statements of the dry run, of the import, and of the same file again (which
creates nothing). The target is well under a minute on PostgreSQL (under 20 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

ROWS = 10_000
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def enrolment_file(rows: int) -> bytes:
    lines = [
        "student_email,student_name,student_timezone,subject,tutor_email,tutor_name,tutor_timezone,"
        "sessions_total,guardian_email,guardian_name"
    ]
    tutors = max(1, rows // 20)
    for n in range(rows):
        t = n % tutors
        guardian = f"parent{n}@bench.test,Parent {n}" if n % 4 == 0 else ","
        lines.append(
            f"student{n}@bench.test,Student {n},Europe/Berlin,Subject {n % 7},"
            f"tutor{t}@bench.test,Tutor {t},,10,{guardian}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def one() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutordesk.settings")
    os.environ.setdefault("TUTORDESK_DEBUG", "1")
    os.environ["TUTORDESK_TEST_DB_SUFFIX"] = "_benchimport"
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from tutordesk.accounts.models import Role, User
    from tutordesk.onboarding.services import import_csv

    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        admin = User.objects.create_user("admin@bench.test", None, name="Admin", role=Role.ADMIN)
        data = enrolment_file(ROWS)
        print(f"{connection.vendor}: {ROWS:,} rows, {len(data) / 1e6:.1f} MB", flush=True)
        for label, dry_run in (("dry run", True), ("import", False), ("same file again", False)):
            with CaptureQueriesContext(connection) as queries:
                began, cpu = time.perf_counter(), time.process_time()
                with transaction.atomic():
                    result = import_csv(actor=admin, data=data, dry_run=dry_run)
                seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
            counts = result.counts.as_dict()
            print(
                f"  {label:16} {seconds:6.1f} s ({cpu:5.1f} s CPU in the app)  {len(queries):6,} statements  {counts}",
                flush=True,
            )
    finally:
        connection.close()
        creation.destroy_test_db(test_name, verbosity=0)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        one()
        return 0
    code = 0
    for url in (PG_URL, ""):
        env = {**os.environ, "DATABASE_URL": url, "TUTORDESK_DEBUG": os.environ.get("TUTORDESK_DEBUG", "1")}
        code |= subprocess.call([sys.executable, "-m", "bench.import_csv", "--one"], env=env)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
