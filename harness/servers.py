"""App servers for tests, benchmarks and soak or crash runs: one launcher for all of them.

`start_app_server` runs gunicorn serving `tutordesk.wsgi:application` with the workers and
threads asked for, against the database the calling process is using (its test or benchmark
database, see `database_url`), waits until it answers, and returns it; `start_app_servers` does
the same for several servers on one database (as several hosts would be); `stop_app_server`
stops one. Servers bind to 127.0.0.1 on a free port, and every request the callers send goes there:
traffic never leaves the machine.

Call it once Django is set up and the database exists (in pytest, from a fixture that depends
on `django_db_setup`).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote

HOST = "127.0.0.1"
APP = "tutordesk.wsgi:application"
READY_PATH = "/api/v1/openapi.json"  # answered by the app itself, no login needed
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class AppServer:
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    database: str

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, size: int = 2000) -> str:
        """The end of what gunicorn wrote to stderr (its error log)."""
        return self.log_text()[-size:]

    def log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def worker_pids(self) -> list[int]:
        """The worker processes under this gunicorn master."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def production_env() -> dict[str, str]:
    """Production settings for a server on this machine: debug off, a random secret key, plain HTTP
    (no TLS on loopback), and the loopback host names."""
    return {
        "TUTORDESK_DEBUG": "0",
        "TUTORDESK_SECRET_KEY": secrets.token_urlsafe(40),
        "TUTORDESK_HTTPS": "0",
        "TUTORDESK_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def database_url() -> str:
    """DATABASE_URL for the database this process's Django uses now (the test database, in tests)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or HOST, db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def start_app_server(
    *,
    workers: int | None = 1,
    threads: int | None = 8,
    env: Mapping[str, str] | None = None,
    request_timeout: int = 120,
    ready_path: str = READY_PATH,
    ready_within: float = 30.0,
    database: str | None = None,
    port: int | None = None,
    app: str = APP,
    root: Path = ROOT,
) -> AppServer:
    """Start gunicorn (gunicorn.conf.py; gthread when threads > 1) on a free loopback port and wait until
    `ready_path` answers 200. `workers` or `threads` None: as gunicorn.conf.py sizes them.

    The server inherits this process's environment, with DEBUG on, DATABASE_URL pointing at
    `database` (by default this process's Django database) and `env` on top. It fails with
    gunicorn's own error output if the server exits or does not answer within `ready_within` seconds.
    `app` is the WSGI application gunicorn serves (a benchmark's reference app, say), from the
    checkout at `root` (another checkout serves another version of the code, with its own
    gunicorn.conf.py).
    """
    return start_app_servers(
        1,
        workers=workers,
        threads=threads,
        env=env,
        request_timeout=request_timeout,
        ready_path=ready_path,
        ready_within=ready_within,
        database=database,
        port=port,
        app=app,
        root=root,
    )[0]


def start_app_servers(
    count: int,
    *,
    workers: int | None = 1,
    threads: int | None = 8,
    env: Mapping[str, str] | None = None,
    request_timeout: int = 120,
    ready_path: str = READY_PATH,
    ready_within: float = 30.0,
    database: str | None = None,
    port: int | None = None,
    app: str = APP,
    root: Path = ROOT,
) -> list[AppServer]:
    """`count` servers as `start_app_server` makes them (as many hosts behind a load balancer would
    be), started side by side; if one fails, all are stopped."""
    servers: list[AppServer] = []
    try:
        for _ in range(count):
            servers.append(
                _launch(
                    workers=workers,
                    threads=threads,
                    env=env,
                    request_timeout=request_timeout,
                    database=database,
                    port=port if count == 1 else None,
                    app=app,
                    root=root,
                )
            )
        for server in servers:
            wait_until_up(server, path=ready_path, within=ready_within)
    except BaseException:
        for server in servers:
            stop_app_server(server)
        raise
    return servers


def _launch(
    *,
    workers: int | None,
    threads: int | None,
    env: Mapping[str, str] | None,
    request_timeout: int,
    database: str | None,
    port: int | None,
    app: str = APP,
    root: Path = ROOT,
) -> AppServer:
    port = port or free_port()
    database = database or database_url()
    server_env = {
        **os.environ,
        "TUTORDESK_DEBUG": "1",
        "DATABASE_URL": database,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    # DATABASE_URL names the database itself; the suffix is only for picking a test database's name.
    server_env.pop("TUTORDESK_TEST_DB_SUFFIX", None)
    # A file rather than a pipe: a pipe nobody reads fills up and stalls the server.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (it lives as long as the server; stop_app_server closes it)
    process = subprocess.Popen(  # noqa: S603 (a fixed command: this interpreter running gunicorn)
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "-c",
            str(root / "gunicorn.conf.py"),
            "--bind",
            f"{HOST}:{port}",
            *(["--workers", str(workers)] if workers else []),
            *(["--threads", str(threads)] if threads else []),
            "--timeout",
            str(request_timeout),
        ],
        cwd=root,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,  # its own process group, so a crash can kill master and workers at once
    )
    return AppServer(port=port, process=process, log=log, database=database)


def wait_until_up(server: AppServer, *, path: str, within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}: {server.log_tail()}")
        if _answers(server.port, path):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer {path} within {within:.0f} s: {server.log_tail()}")
        time.sleep(0.2)


def _answers(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def kill_app_server(server: AppServer) -> None:
    """A crash: SIGKILL to the master and every worker at once; nothing gets to finish."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)


def stop_app_server(server: AppServer, *, within: float = 15.0, close_log: bool = True) -> None:
    """Stop gracefully (SIGTERM), or kill after `within` seconds."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)
    if close_log:
        server.log.close()
