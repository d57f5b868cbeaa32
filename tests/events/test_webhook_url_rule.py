"""A webhook URL's form: the OpenAPI document's `pattern` and the server's rule are one rule.

What the document admits the server accepts (bar the host's addresses, which no JSON Schema can
know); what the document refuses the server refuses, through the API and through the service
the pages call. The document is read as a client reads it, from /api/v1/openapi.json, and checked
with a JSON Schema validator (jsonschema_rs, the one schemathesis uses)."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
from django.db import transaction
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import ApiClient, assert_problem, token_for
from tests.events.conftest import make_endpoint, run_worker
from tests.helpers import update_status
from tutordesk.core.errors import ValidationError
from tutordesk.events.models import WebhookEndpoint
from tutordesk.events.services import webhook_endpoint_create
from tutordesk.events.ssrf import (
    HTTP_OR_HTTPS_URL_PATTERN,
    HTTPS_URL_PATTERN,
    MAX_URL_LENGTH,
    UnsafeUrl,
    check_new_url,
    parse_url,
    url_pattern,
)

REFUSED = [
    "https://example.com:abc/",  # a port is digits
    "https://93.184.216.34:abc/",
    "https://example.com:/hook",  # an empty port
    "https://example.com:+443/",
    "https://example.com:0/",
    "https://example.com:65536/",
    "https://example.com:99999/",
    "https://user@example.com/",
    "https://user:secret@93.184.216.34/",
    "https://example.com\\@93.184.216.34/",  # a backslash parsers read differently
    "https://example.com/hook#part",
    "https://example.com/hook#",
    "https://[::1x]/",
    "https://[1.2.3.4]/",
    "https://[]/",
    "https://[fe80::1%eth0]/",
    "https://[::ffff:8.8.8.8]/",  # an IPv4 address is written as itself
    "https:///hook",
    "https://:443/hook",
    "https://-example.com/",
    "https://example..com/",
    "https://example.com./",
    "https://bücher.example/",
    "https://example.com/ä",
    "https://example.com/a b",
    "HTTPS://example.com/",
    "http://93.184.216.34/",  # https only, without TUTORDESK_WEBHOOKS_ALLOW_PRIVATE
    "ftp://93.184.216.34/",
    "https://93.184.216.34/" + "a" * MAX_URL_LENGTH,
]
# Public IP literals: accepted without any DNS query.
ACCEPTED = [
    "https://93.184.216.34",
    "https://93.184.216.34/hooks",
    "https://93.184.216.34:8443/hooks?x=1&y=%20",
    "https://93.184.216.34?only=query",
    "https://93.184.216.34:65535/a/b;c=d/~e!$&'()*+,=:@[]",
    "https://[2606:4700:4700::1111]/hooks",
    "https://[2606:4700:4700::1111]:443/",
    "https://[2001:4860:4860:0:0:0:0:8888]/",
]


@pytest.fixture(scope="module")
def document_url_schema() -> dict:
    """The `url` property as the served OpenAPI document states it."""
    document = Client().get("/api/v1/openapi.json").json()
    return document["components"]["schemas"]["WebhookEndpointCreateIn"]["properties"]["url"]


@pytest.fixture(scope="module")
def document_admits(document_url_schema):
    return jsonschema_rs.validator_for(document_url_schema).is_valid


def test_the_document_states_the_servers_pattern(document_url_schema):
    assert document_url_schema["pattern"] == url_pattern() == HTTPS_URL_PATTERN
    assert document_url_schema["maxLength"] == MAX_URL_LENGTH


@pytest.mark.parametrize("url", REFUSED)
def test_a_url_the_document_refuses_the_server_refuses(document_admits, url):
    assert not document_admits(url)
    with pytest.raises(UnsafeUrl):
        check_new_url(url)  # refused on its form: no DNS query is made


@pytest.mark.django_db
@pytest.mark.parametrize("url", REFUSED)
def test_the_api_and_the_service_refuse_it_and_save_nothing(admin, url):
    response = ApiClient(token_for(admin)).post(
        "/webhook-endpoints", {"url": url, "events": ["session.created"]}, key="refused"
    )
    assert_problem(response, 422, "validation_error")
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        webhook_endpoint_create(url=url, events=["session.created"], actor=admin)
    assert (refused.value.code, refused.value.context["field"]) == ("validation_error", "url")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ACCEPTED)
def test_a_url_the_document_admits_is_saved(document_admits, admin, url):
    assert document_admits(url)
    response = ApiClient(token_for(admin)).post(
        "/webhook-endpoints", {"url": url, "events": ["session.created"]}, key="accepted"
    )
    assert response.status_code == 201, response.content
    assert WebhookEndpoint.objects.get().url == url


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(url=st.from_regex(HTTPS_URL_PATTERN, fullmatch=True).filter(lambda u: len(u) <= MAX_URL_LENGTH))
def test_every_url_the_pattern_admits_passes_the_servers_form_checks(url):
    parts = parse_url(url)  # raises UnsafeUrl for anything the server refuses on its form
    assert parts.scheme == "https" and parts.hostname
    assert parts.port is None or 1 <= parts.port <= 65535
    assert parts.username is None and parts.fragment == ""


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    url=st.from_regex(HTTP_OR_HTTPS_URL_PATTERN, fullmatch=True).filter(lambda u: len(u) <= MAX_URL_LENGTH)
)
def test_with_the_private_switch_http_urls_pass_too(url):
    with override_settings(WEBHOOKS_ALLOW_PRIVATE=True):
        assert re.fullmatch(url_pattern(), url)
        assert parse_url(url).scheme in {"http", "https"}


@given(url=st.from_regex(HTTPS_URL_PATTERN, fullmatch=True).filter(lambda u: len(u) <= MAX_URL_LENGTH))
@settings(max_examples=100, deadline=None)
def test_the_document_reads_the_pattern_as_python_does(url):
    # ECMA-262 (JSON Schema) against Python's re, on text the pattern admits and on near misses.
    admits = jsonschema_rs.validator_for({"type": "string", "pattern": HTTPS_URL_PATTERN}).is_valid
    for text in (url, url + "#", url.replace("https", "HTTPS", 1), url + " ", url + "\n"):
        assert admits(text) == bool(re.fullmatch(HTTPS_URL_PATTERN, text)), text


@pytest.mark.django_db
def test_an_endpoint_saved_under_the_older_looser_form_is_still_delivered_to(
    settings, receiver, tutor, past_session
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint, _ = make_endpoint(receiver.url, events=["session.status_updated"])
    older = receiver.url.replace("http://", "HTTP://") + "#"  # refused if saved today
    assert not re.fullmatch(url_pattern(), older)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=older)
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    assert [r.status for r in receiver.requests] == [200]
