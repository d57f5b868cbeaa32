"""Webhooks go to https:// URLs on public addresses only: refused when the endpoint is saved
(422 validation_error) and again at delivery time, before anything is sent."""

from __future__ import annotations

import ipaddress

import pytest

from tests.api.conftest import ApiClient, assert_problem, token_for
from tests.events.conftest import make_endpoint, run_worker
from tests.helpers import update_status
from tutordesk.events.models import WebhookAttempt, WebhookEndpoint
from tutordesk.events.ssrf import UnsafeUrl, check_url, refusal

NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared address space
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fec0::1",  # site-local (deprecated, still routed inside some networks)
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::",  # 6to4 around 127.0.0.1
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_it_refuses_an_address_that_is_not_public(address):
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_it_allows_a_public_address(address):
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",  # resolved through /etc/hosts: no DNS query leaves the machine
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1:8443/hook",
        "https://0x7f000001/hook",  # 127.0.0.1 written in hex
        "http://93.184.216.34/hook",  # public, but not https
        "ftp://93.184.216.34/hook",
        "https://user:pass@93.184.216.34/hook",
        "https:///hook",
        "https://93.184.216.34:0/hook",
        "not a url",
    ],
)
def test_it_refuses_the_url_without_the_private_switch(url):
    with pytest.raises(UnsafeUrl):
        check_url(url)


def test_a_public_ip_literal_passes_without_any_dns_query():
    target = check_url("https://93.184.216.34:8443/hook?x=1")
    assert (target.address, target.port, target.path, target.host_header) == (
        "93.184.216.34",
        8443,
        "/hook?x=1",
        "93.184.216.34:8443",
    )


def test_the_private_switch_allows_http_and_loopback(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert check_url("http://127.0.0.1:9/hook").address == "127.0.0.1"
    assert check_url("http://localhost:9/").address in {"127.0.0.1", "::1"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/hook", "https://localhost/hook", "http://93.184.216.34/", "https://[::1]/"]
)
def test_the_api_refuses_it_with_a_validation_error_and_saves_nothing(admin, url):
    response = ApiClient(token_for(admin)).post(
        "/webhook-endpoints", {"url": url, "events": ["session.created"]}, key=f"ssrf-{url}"
    )
    assert_problem(response, 422, "validation_error")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_it_checks_again_at_delivery_time_and_sends_nothing(settings, receiver, tutor, past_session):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    make_endpoint(receiver.url)  # allowed while the switch was on
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    assert receiver.requests == []
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.status_code is None
    assert attempt.error.startswith("refused before sending")
