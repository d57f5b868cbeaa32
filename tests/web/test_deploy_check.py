"""`manage.py check --deploy` passes under production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_deploy_check_passes_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tutordesk.settings",
        "TUTORDESK_DEBUG": "0",
        "TUTORDESK_SECRET_KEY": secrets.token_urlsafe(64),
        "TUTORDESK_ALLOWED_HOSTS": "tutordesk.example.com",
    }
    for name in ("TUTORDESK_HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
