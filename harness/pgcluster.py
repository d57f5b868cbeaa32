"""A private PostgreSQL cluster for crash runs: made with initdb in a temporary folder, listening
on a free port on 127.0.0.1 only, stopped and started at will (`stop(mode="immediate")` is a crash),
then removed. The shared server on port 5432 is never touched.

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system user and
its commands run through `runuser`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from harness.servers import HOST, free_port


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("initdb not found: install PostgreSQL's server package")
    return Path(initdb).parent


class PrivateCluster:
    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="tutordesk-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/postgres"

    def start(self) -> None:
        options = f"-c listen_addresses={HOST} -c port={self.port} -c unix_socket_directories={self.root} -c fsync=on"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start"
        )

    def stop(self, *, mode: str = "fast") -> None:
        """`mode="immediate"` is a crash: no checkpoint, clients cut off; the next start recovers from WAL."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def wait_ready(self, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while subprocess.run(  # noqa: S603 (a fixed command)
            [str(self.bin / "pg_isready"), "-q", "-h", HOST, "-p", str(self.port)], check=False
        ).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the private PostgreSQL did not come up: {self.log_tail()}")
            time.sleep(0.2)

    def log_tail(self, size: int = 2000) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-size:] if path.exists() else ""

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
