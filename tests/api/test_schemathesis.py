"""schemathesis against our own OpenAPI document: every check, a bounded number of examples.

The app runs in-process (WSGI) on the test database, authenticated as an admin so every
operation is reachable; data exists so lists and lookups return real rows."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from tests.factories import AdminFactory, MatchFactory, PackageFactory, SessionFactory
from tutordesk.accounts.services import api_token_create
from tutordesk.wsgi import application

MAX_EXAMPLES = 80

load_all_checks()
ALL_CHECKS = CHECKS.get_all()


@pytest.fixture(autouse=True)
def keep_the_test_connection_open():
    # As Django's test client does: keep the request cycle from closing the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db):
    admin = AdminFactory()
    match = MatchFactory()
    PackageFactory(request=match.request)
    SessionFactory(match=match)
    return api_token_create(email=admin.email)[1]


# Every check on, at its defaults, with one widening: schema-valid input may still break a rule of
# CONTRACT §4 that no JSON schema can express, and the contract answers those with 422 — a cursor
# this API never issued, an Idempotency-Key reused for another body (the generator repeats small
# keys), new_start_at without `rescheduled` or in the past. 5xx stays a failure (not_a_server_error).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"],
            }
        }
    }
)
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
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=ALL_CHECKS)
