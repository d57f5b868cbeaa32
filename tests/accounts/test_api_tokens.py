from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tutordesk.accounts.models import ApiToken
from tutordesk.accounts.services import api_token_authenticate, token_hash


def test_it_prints_a_token_as_the_last_line_and_stores_only_its_hash(tutor, capsys):
    call_command("create_api_token", tutor.email)
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert raw.startswith("td_") and len(raw) > 40
    assert token.token_hash == token_hash(raw) and raw not in token.token_hash
    assert api_token_authenticate(raw) == tutor


def test_the_email_is_matched_case_insensitively(tutor, capsys):
    call_command("create_api_token", tutor.email.upper())
    assert ApiToken.objects.get().user == tutor


def test_an_unknown_email_is_a_clear_error(db):
    with pytest.raises(CommandError) as info:
        call_command("create_api_token", "nobody@example.test")
    assert info.value.__cause__.code == "not_found"


@pytest.mark.parametrize("raw", ["", "td_", "td_wrong", "Bearer x", "x" * 1000])
def test_a_wrong_token_authenticates_nobody(db, raw):
    assert api_token_authenticate(raw) is None


def test_a_token_of_a_deactivated_user_stops_working(tutor, capsys):
    call_command("create_api_token", tutor.email)
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    tutor.is_active = False
    tutor.save()
    assert api_token_authenticate(raw) is None
