"""CPU instructions the app spends on one keyed `done`, counted by valgrind (not a test).

    python -m bench.instructions [--requests 100] [--app bench.bare_wsgi:application]

Time on these shared machines varies by a third from one minute to the next; an instruction count
does not. In one throwaway PostgreSQL database, a child process calls the WSGI application
gunicorn serves (`tutordesk.wsgi:application`, with its short stack for bearer calls; `--app`
counts another, such as the bare reference of `python -m bench write_path`) directly (no HTTP
server, no load generator) with `POST /api/v1/sessions/{id}/status {"status": "done"}` and a
fresh Idempotency-Key, each to another waiting session, under
`valgrind --tool=callgrind`. It runs twice, with 20 and with 20 + N requests after the same
warm-up; the difference divided by N is the app's instructions per request, start-up excluded.
PostgreSQL's own work is not counted (it runs in its own processes), nor is the kernel's.
Compare two versions of the code on one machine: about ±1% separates two runs of the same code.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.write_path import BARE_APP, TUTORDESK_APP, prepare
from harness.soak import throwaway_database

ROOT = Path(__file__).resolve().parents[1]
SEED = ["--tutors", "40", "--students", "400", "--sessions-per-match", "16", "--seed", "11"]
BASE = 20
WARM_UP = 20
DATABASE_SUFFIX = os.environ.get("TUTORDESK_TEST_DB_SUFFIX", "")

_CHILD = """
import io, os, sys, uuid
import importlib
calls_file, offset, count, served = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
module, _, name = served.partition(":")
app = getattr(importlib.import_module(module), name)
calls = open(calls_file).read().split("\\n")[offset:offset + count]
assert len(calls) == count, "not enough sessions waiting"
body = b'{"status": "done"}'
statuses = {}
def start_response(status, headers, exc_info=None):
    statuses[status] = statuses.get(status, 0) + 1
for line in calls:
    path, token = line.split()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "HTTP_AUTHORIZATION": "Bearer " + token,
        "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4()), "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    b"".join(app(environ, start_response))
assert statuses == {"200 OK": count}, statuses
"""


def count_instructions(
    env: dict[str, str], calls_file: Path, offset: int, count: int, folder: Path, app: str = TUTORDESK_APP
) -> int:
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={folder / 'callgrind.out'}",
            sys.executable,
            "-c",
            _CHILD,
            str(calls_file),
            str(offset),
            str(count),
            app,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    assert done.returncode == 0 and found, done.stderr[-3000:]
    return int(found.group(1))


def ensure_valgrind() -> None:
    if shutil.which("valgrind"):
        return
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--app",
        default=TUTORDESK_APP,
        help=f"the WSGI application to count, as gunicorn names it (default {TUTORDESK_APP}, what "
        f"gunicorn serves; {BARE_APP} is the bare reference)",
    )
    args = parser.parse_args(argv)
    ensure_valgrind()
    with (
        tempfile.TemporaryDirectory(prefix="tutordesk-bench-") as tmp,
        # Two runs at once on one server (two checkouts) need two databases, as the tests do.
        throwaway_database(sqlite=False, name="tutordesk_bench_instructions" + DATABASE_SUFFIX) as url,
    ):
        folder = Path(tmp)
        calls_file = folder / "calls.txt"
        available = prepare(url, calls_file, SEED)
        needed = 2 * WARM_UP + 2 * BASE + args.requests
        assert available >= needed, f"{available} sessions waiting, {needed} needed"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tutordesk.settings",
            "DATABASE_URL": url,
            "TUTORDESK_DEBUG": "0",
            "TUTORDESK_SECRET_KEY": "bench-" + "x" * 40,
            "TUTORDESK_HTTPS": "0",
            "TUTORDESK_ALLOWED_HOSTS": "127.0.0.1",
        }
        env.pop("TUTORDESK_TEST_DB_SUFFIX", None)
        short = count_instructions(env, calls_file, 0, WARM_UP + BASE, folder, args.app)
        long = count_instructions(
            env, calls_file, WARM_UP + BASE, WARM_UP + BASE + args.requests, folder, args.app
        )
        per_request = (long - short) / args.requests
        print(f"== keyed `done` in process on PostgreSQL, {args.requests} requests under callgrind ==")
        print(f"application: {args.app}")
        print(f"app instructions per request: {per_request / 1e6:.2f} M")
    return 0


if __name__ == "__main__":
    sys.exit(main())
