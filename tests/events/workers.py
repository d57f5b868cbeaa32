"""`manage.py run_worker` as a real subprocess against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.servers import database_url

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    final_output: str = ""

    def output(self) -> str:
        if self.log.closed:
            return self.final_output
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        """Ctrl-C's signal (SIGTERM), or a kill if it does not stop; the output stays readable."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if not self.log.closed:
            self.final_output = self.output()
            self.log.close()


def start_worker(
    *args: str, timeout_seconds: int = 10, extra_env: dict[str, str] | None = None
) -> WorkerProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TUTORDESK_DEBUG": "1",
        "TUTORDESK_WEBHOOKS_ALLOW_PRIVATE": "1",  # only to reach the receiver on 127.0.0.1
        "TUTORDESK_WEBHOOKS_TIMEOUT_SECONDS": str(timeout_seconds),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    env.pop("TUTORDESK_TEST_DB_SUFFIX", None)
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.1", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return WorkerProcess(process, log)
