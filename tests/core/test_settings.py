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


@pytest.mark.parametrize(
    ("seconds", "sent"), [("", "-c lock_timeout=10s"), ("3", "-c lock_timeout=3s"), ("0", None)]
)
def test_the_lock_timeout_is_sent_when_connecting_unless_it_is_0(seconds, sent):
    base = {k: v for k, v in os.environ.items() if not k.startswith("TUTORDESK_") and k != "DATABASE_URL"}
    env = {
        **base,
        "TUTORDESK_DEBUG": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "TUTORDESK_DB_LOCK_TIMEOUT_SECONDS": seconds,
        "DJANGO_SETTINGS_MODULE": "tutordesk.settings",
    }
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'].get('options'))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(sent)
