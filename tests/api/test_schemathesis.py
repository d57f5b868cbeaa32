"""schemathesis against our own OpenAPI document: every check, a bounded number of examples.

The app runs in-process (WSGI) on the test database, authenticated as an admin so every
operation is reachable; data exists so lists and lookups return real rows."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
import schemathesis
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from tests.factories import AdminFactory, make_match, make_package, make_session
from tutordesk.accounts.services import api_token_create
from tutordesk.api.routers.webhooks import URL_PATTERN
from tutordesk.core.errors import ValidationError
from tutordesk.core.idempotency import is_valid_key
from tutordesk.core.validation import NOT_BLANK_PATTERN, clean_text
from tutordesk.events.services import webhook_endpoint_create
from tutordesk.scheduling.series import clean_rule, expand
from tutordesk.wsgi import application

# The API is called through its WSGI application: the request cycle must keep the test's connection.
pytestmark = pytest.mark.usefixtures("keep_the_test_connection")

MAX_EXAMPLES = 80

load_all_checks()
ALL_CHECKS = CHECKS.get_all()


@pytest.fixture
def admin_token(db):
    admin = AdminFactory()
    match = make_match()
    make_package(request=match.request)
    make_session(match=match)
    with transaction.atomic():
        webhook_endpoint_create(url=SAFE_WEBHOOK_URL, events=["session.created"], actor=admin)
    return api_token_create(email=admin.email)[1]


# Every check on at its defaults: schema-valid input must be accepted (positive_data_acceptance:
# 2xx, or 401/403/404/409 for who is asking and the state of the data), schema-invalid input refused.
# The generated input is adjusted only for the rules JSON Schema cannot say (CONTRACT §4 states
# them in the fields' descriptions instead); each adjustment and its reason:
EXCLUSIONS = {
    "Idempotency-Key": "a fresh key per call whenever the generated key is a valid one (in every mode: "
    "a negative case may keep a valid key and break something else): the generator repeats small "
    "keys, and one key sent again with another body is idempotency_key_reused (422) by design",
    "cursor": "left out: a cursor is opaque and only one this API issued is valid; tests/api covers paging",
    "new_start_at": "only with status rescheduled and only in the future ('after now' is no JSON Schema)",
    "series": "POST /series: exactly one of count and until (until within a week of the start, so "
    "never past 100 lessons or 2099), a start before 2099 so every lesson stays in 2000-2099, and a "
    "wall-clock time that exists once on every date of the series in its time zone (none of which "
    "is JSON Schema)",
    "imports": "the body of POST /imports becomes a real enrolment file: its header, emails, time "
    "zones and cells are rules of a CSV file, no JSON Schema of a string (docs/people-and-import.md)",
    "url": "the host of a webhook URL that fits the pattern becomes a public IP literal, in every mode; "
    "its scheme, port, path and query stay as generated: 'resolves to public addresses only' is no "
    "JSON Schema, and a generated host name must never be looked up in DNS from a test (nothing is "
    "ever delivered: no worker runs here)",
    "student_ids": "emptied: only a guardian has students, and each must be a student's id (stated in "
    "the field's description; tests/api/test_users.py covers them)",
}
IMPORT_FILE = (
    "student_email,student_name,student_timezone,subject,tutor_email,tutor_name,tutor_timezone,sessions_total\n"
    "schema-student@example.com,Schema Student,,Maths,schema-tutor@example.com,Schema Tutor,,5\n"
)
# A public address written as a literal: checked without any DNS query.
SAFE_WEBHOOK_HOST = "93.184.216.34"
SAFE_WEBHOOK_URL = f"https://{SAFE_WEBHOOK_HOST}/hooks"
# The host of a URL the pattern admits: a bracketed IPv6 address, or everything up to a port, path or query.
URL_HOST = re.compile(r"^(https?://)(\[[^\]]*\]|[^:/?]*)")
CONFIG = SchemathesisConfig.from_dict({})
# Generating the document touches no database, so it can be loaded at import.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_honours_its_openapi_document(case, admin_token):
    fresh_key_unless_invalid(case)
    keep_webhook_urls_off_dns(case)
    # Asked after the changes above: schemathesis checks a changed case against the schema again,
    # and a negative case whose only fault they replaced is a positive one from then on.
    if case.meta is None or case.meta.generation.mode == "positive":
        adjust_for_rules_json_schema_cannot_say(case)
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=ALL_CHECKS)


def fresh_key_unless_invalid(case) -> None:
    """The Idempotency-Key EXCLUSION: a valid generated key becomes a fresh one; an invalid one (what
    a negative case may be testing) is sent as generated."""
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and is_valid_key(key):
        case.headers = {**case.headers, "Idempotency-Key": str(uuid.uuid4())}


def adjust_for_rules_json_schema_cannot_say(case) -> None:
    """The EXCLUSIONS above; containers are replaced, not edited, so schemathesis revalidates them."""
    if isinstance(case.body, dict) and case.body.get("student_ids"):
        case.body = {**case.body, "student_ids": []}
    if case.path.endswith("/imports") and isinstance(case.body, str | bytes):
        case.body = IMPORT_FILE
    if case.query and "cursor" in case.query:
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}
    if isinstance(case.body, dict) and case.body.get("new_start_at") is not None:
        body = dict(case.body)
        if body.get("status") == "rescheduled":
            body["new_start_at"] = (timezone.now() + timedelta(days=30)).isoformat()
        else:
            del body["new_start_at"]
        case.body = body
    adjust_a_series(case)


def adjust_a_series(case) -> None:
    """The `series` EXCLUSION, for a positive POST /series body."""
    body = case.body
    if not (isinstance(body, dict) and "start_at" in body and "timezone" in body):
        return
    body = dict(body)
    try:
        start = datetime.fromisoformat(str(body["start_at"]).replace("Z", "+00:00"))
        zone = ZoneInfo(str(body["timezone"]))
    except (ValueError, KeyError, ZoneInfoNotFoundError):
        return
    if start.year >= 2099:
        start = start.replace(year=2098)
    count = body.get("count")
    if body.get("until") is not None or count is None:
        body.pop("count", None)
        body["until"] = (start.astimezone(zone).date() + timedelta(days=6)).isoformat()
    for _ in range(4):  # step past a time the clocks skip or pass twice on some date of the series
        body["start_at"] = start.isoformat()
        try:
            rule = clean_rule(
                start_at=start,
                timezone=zone.key,
                interval=body.get("interval"),
                weekdays=body.get("weekdays"),
                count=body.get("count"),
                until=date.fromisoformat(body["until"]) if body.get("until") else None,
            )
            expand(rule)
            break
        except ValidationError:
            start += timedelta(hours=3)
    case.body = body


def keep_webhook_urls_off_dns(case) -> None:
    """The `url` EXCLUSION: only the host of a URL that fits the pattern is replaced, so the server
    still judges the generated port, path and query, and a negative case keeps its invalid URL
    (refused on its form, before any look-up)."""
    url = case.body.get("url") if isinstance(case.body, dict) else None
    if isinstance(url, str) and re.fullmatch(URL_PATTERN, url):
        safe = URL_HOST.sub(lambda m: m[1] + SAFE_WEBHOOK_HOST, url, count=1)
        if safe != url:
            case.body = {**case.body, "url": safe}


def test_the_document_and_the_server_agree_on_what_a_blank_reason_is():
    # Python and JSON Schema (ECMA-262) differ on what `\s` means (U+001C is space to one, not
    # the other): the rule spells its spaces out instead, the union of both.
    assert "\\s" not in NOT_BLANK_PATTERN
    pattern = re.compile(NOT_BLANK_PATTERN)
    for blank in ["", " \t", "\x1c\x1f", "\u3000", "\ufeff", "\x85"]:
        assert not pattern.match(blank), repr(blank)
        with pytest.raises(ValidationError):
            clean_text(blank, field="reason", max_length=500, required=True)
    assert pattern.match(" Tutor was ill")
