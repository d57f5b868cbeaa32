"""`make bench`: every benchmark, one after the other, each in its own process; figures, not tests.

1. bench.write_path: pgbench for the same write, and the keyed `done` over HTTP at 1, 8 and 32
   connections (wrk), beside a bare WSGI reference doing the same write (bench/bare_wsgi.py), on
   PostgreSQL; then the HTTP side on SQLite.
2. bench.seed: `seed_demo` of 100,000 and 1,000,000 sessions (time and peak memory).
3. bench.lists: every page beside the API call that returns the same rows, every list's first and
   deep pages, and the audit CSV export's first row, at 10,000 and 1,000,000 sessions.
4. bench.webhooks: the worker's deliveries per second to a receiver on 127.0.0.1.
5. bench.core: the status update in process, and the ledger check at two sizes.
6. bench.instructions: the app's CPU instructions per keyed `done` (valgrind), a figure that does
   not move with the machine's load, for comparing two versions of the code.
7. bench.meetings: what a meeting provider adds to a booking, and the worker's Google links
   (made, moved, deleted) per second against a Google-shaped server on 127.0.0.1.
8. bench.series: booking a 100-lesson series, the service and the whole API request (server time).
9. bench.reminders: reminders (each two emails with an .ics, over SMTP to 127.0.0.1) sent per
   second by one and by two `run_worker` processes.

`python -m bench <name> …` runs one of them (e.g. `python -m bench lists --repeat 50`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

STEPS = [
    ["write_path"],
    ["write_path", "--sqlite"],
    ["seed", "--skip-sqlite"],
    ["lists"],
    ["webhooks"],
    ["core"],
    ["instructions"],
    ["meetings"],
    ["series"],
    ["reminders"],
]


def run(step: list[str]) -> int:
    started = time.monotonic()
    print(f"\n##### python -m bench.{' '.join(step)}", flush=True)
    env = {**os.environ, "TUTORDESK_DEBUG": os.environ.get("TUTORDESK_DEBUG", "1")}
    code = subprocess.call([sys.executable, "-m", f"bench.{step[0]}", *step[1:]], env=env)
    print(f"##### ({time.monotonic() - started:.0f} s, exit {code})", flush=True)
    return code


def main(argv: list[str]) -> int:
    if argv:
        return run(argv)
    failed = [step for step in STEPS if run(step) != 0]
    return 1 if failed else 0


sys.exit(main(sys.argv[1:]))
