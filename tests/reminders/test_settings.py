"""TUTORDESK_REMINDERS, TUTORDESK_OUTCOME_NUDGE and TUTORDESK_EMAIL_ECHO are parsed strictly: a bad
value stops the start with a clear message."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.core.test_settings import ROOT, check


@pytest.mark.parametrize("value", ["24", "1d", "0h", "24h,,1h", "-1h", "h"])
def test_a_bad_reminder_offset_stops_the_start(value):
    result = check({"TUTORDESK_DEBUG": "1", "TUTORDESK_REMINDERS": value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "TUTORDESK_REMINDERS takes durations" in result.stderr


def test_a_bad_nudge_or_echo_stops_the_start():
    result = check({"TUTORDESK_DEBUG": "1", "TUTORDESK_OUTCOME_NUDGE": "2h,3h"})
    assert result.returncode != 0 and "TUTORDESK_OUTCOME_NUDGE takes one duration" in result.stderr
    result = check({"TUTORDESK_DEBUG": "1", "TUTORDESK_EMAIL_ECHO": "loud"})
    assert result.returncode != 0 and "TUTORDESK_EMAIL_ECHO must be one of line, full" in result.stderr


def read(env: dict[str, str], expression: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **{k: v for k, v in __import__("os").environ.items() if not k.startswith("TUTORDESK_")},
            **env,
            "DJANGO_SETTINGS_MODULE": "tutordesk.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_offsets_are_read_in_minutes_longest_first():
    assert read({"TUTORDESK_DEBUG": "1"}, "settings.REMINDER_OFFSETS_MINUTES") == "[1440, 60]"
    env = {"TUTORDESK_DEBUG": "1", "TUTORDESK_REMINDERS": " 30m, 2h ,30m", "TUTORDESK_OUTCOME_NUDGE": "90m"}
    assert (
        read(env, "(settings.REMINDER_OFFSETS_MINUTES, settings.OUTCOME_NUDGE_MINUTES)")
        == "([120, 30], [90])"
    )


def test_without_smtp_the_worker_prints_one_line_and_with_a_host_it_uses_smtp():
    assert (
        read({"TUTORDESK_DEBUG": "1"}, "settings.EMAIL_BACKEND")
        == "tutordesk.events.echo.OneLineEmailBackend"
    )
    full = {"TUTORDESK_DEBUG": "1", "TUTORDESK_EMAIL_ECHO": "full"}
    assert read(full, "settings.EMAIL_BACKEND") == "django.core.mail.backends.console.EmailBackend"
    smtp = {"TUTORDESK_DEBUG": "1", "TUTORDESK_EMAIL_HOST": "127.0.0.1", "TUTORDESK_EMAIL_PORT": "2525"}
    assert read(smtp, "(settings.EMAIL_BACKEND, settings.EMAIL_PORT)") == (
        "('django.core.mail.backends.smtp.EmailBackend', 2525)"
    )
