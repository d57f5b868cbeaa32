"""The meeting settings are parsed strictly: a bad value stops the start with a clear message."""

from __future__ import annotations

import json

from tests.core.test_settings import check


def test_an_unknown_provider_stops_the_start():
    result = check({"TUTORDESK_DEBUG": "1", "TUTORDESK_MEETING_PROVIDER": "zoom"})
    assert result.returncode != 0
    assert "TUTORDESK_MEETING_PROVIDER must be one of none, jitsi, google" in result.stderr


def test_google_without_a_key_file_stops_the_start(tmp_path):
    result = check({"TUTORDESK_DEBUG": "1", "TUTORDESK_MEETING_PROVIDER": "google"})
    assert result.returncode != 0 and "TUTORDESK_GOOGLE_SERVICE_ACCOUNT_FILE" in result.stderr
    broken = tmp_path / "key.json"
    broken.write_text(json.dumps({"type": "service_account", "client_email": "a@b.example"}))
    result = check(
        {
            "TUTORDESK_DEBUG": "1",
            "TUTORDESK_MEETING_PROVIDER": "google",
            "TUTORDESK_GOOGLE_SERVICE_ACCOUNT_FILE": str(broken),
        }
    )
    assert result.returncode != 0 and "it lacks private_key, token_uri" in result.stderr


def test_a_bad_jitsi_domain_or_api_url_stops_the_start():
    result = check({"TUTORDESK_DEBUG": "1", "TUTORDESK_JITSI_DOMAIN": "https://meet.jit.si/"})
    assert result.returncode != 0 and "TUTORDESK_JITSI_DOMAIN must be a host name" in result.stderr
    result = check({"TUTORDESK_DEBUG": "1", "TUTORDESK_GOOGLE_API_URL": "ftp://example.com/"})
    assert result.returncode != 0 and "TUTORDESK_GOOGLE_API_URL must be" in result.stderr


def test_good_values_start(tmp_path):
    key = tmp_path / "key.json"
    key.write_text(
        json.dumps(
            {
                "type": "service_account",
                "client_email": "a@b.example",
                "private_key": "x",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    for env in (
        {"TUTORDESK_MEETING_PROVIDER": "jitsi", "TUTORDESK_JITSI_DOMAIN": "video.school.example"},
        {"TUTORDESK_MEETING_PROVIDER": "Google", "TUTORDESK_GOOGLE_SERVICE_ACCOUNT_FILE": str(key)},
        {"TUTORDESK_MEETING_PROVIDER": ""},
    ):
        assert check({"TUTORDESK_DEBUG": "1", **env}).returncode == 0, env
