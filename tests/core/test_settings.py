"""Settings are strict: a bad value stops the start with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def check(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TUTORDESK_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_bad_boolean_stops_the_start():
    result = check({"TUTORDESK_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "TUTORDESK_DEBUG must be one of" in result.stderr


def test_production_needs_a_secret_key():
    result = check({"TUTORDESK_DEBUG": "0"})
    assert result.returncode != 0
    assert "TUTORDESK_SECRET_KEY must be set" in result.stderr


def test_an_unknown_database_is_refused():
    result = check({"TUTORDESK_DEBUG": "1", "DATABASE_URL": "mysql://root@127.0.0.1/x"})
    assert result.returncode != 0
    assert "DATABASE_URL must be sqlite:// or postgres://" in result.stderr


@pytest.mark.parametrize("debug", ["1", "true", "on", "yes"])
def test_development_settings_start(debug):
    assert check({"TUTORDESK_DEBUG": debug}).returncode == 0
