"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for one test module. While Playwright runs, its sync API keeps an event loop in
    this thread, and Django refuses ORM calls it sees "from an async context"; the test bodies'
    ORM calls are plain synchronous calls, so the guard is lifted for exactly that stretch and
    put back afterwards (it must not leak into other tests or their subprocesses)."""
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("TUTORDESK_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (TUTORDESK_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def open_page(browser, live_server):
    """`open_page("phone")`: a fresh browser tab at that width (phones get touch and a mobile UA)."""
    contexts = []

    def opener(width: str = "desktop"):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=VIEWPORTS[width],
            is_mobile=width == "phone",
            has_touch=width == "phone",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture
def world(tutor, other_tutor, student, admin, match, package):
    """A tutoring business a few weeks in, built through the services: Tara teaches Sam (Algebra,
    10 prepaid) and Zoe (Physics, 2 prepaid); Otto teaches Lee. Sessions in every state."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import StudentFactory, make_match, make_package, make_session
    from tests.helpers import bring_to_status, correct_status, update_status

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    zoe = make_match(
        tutor=tutor, student=StudentFactory(name="Zoe Zed", email="zoe@example.test"), subject="Physics"
    )
    make_package(request=zoe.request, sessions_total=2)
    lee = make_match(tutor=other_tutor, student=StudentFactory(name="Lee Learner"), subject="Chemistry")
    make_package(request=lee.request, sessions_total=5)

    def at(hours: float, m=match):
        return make_session(match=m, scheduled_start_at=now + timedelta(hours=hours))

    w = {"zoe": zoe, "lee": lee}
    w["waiting"] = [at(-1), at(-26), at(-50)]
    w["zoe_waiting"] = at(-3, zoe)
    w["upcoming"] = [at(24), at(48)]
    w["zoe_upcoming"] = at(29, zoe)
    w["lee_waiting"] = at(-2, lee)
    done = at(-96)
    update_status(
        session_id=done.id, status="done", actor=tutor, tutor_notes="Quadratics: factorising went well."
    )
    w["done"] = done
    w["no_show_student"] = bring_to_status(at(-144), "no_show_student")
    w["no_show_tutor"] = bring_to_status(at(-192), "no_show_tutor")
    moved = at(-240)
    change = update_status(
        session_id=moved.id, status="rescheduled", actor=tutor, new_start_at=now + timedelta(hours=72)
    )
    w["rescheduled"], w["replacement"] = moved, change.replacement_session
    corrected = bring_to_status(at(-288), "done")
    correct_status(
        session_id=corrected.id,
        status="no_show_tutor",
        reason="Tutor was ill; recorded by mistake",
        actor=admin,
    )
    w["corrected"] = corrected
    return w
