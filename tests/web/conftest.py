"""Page tests: Django's test client, logged in as the conftest personas."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client

BACKEND = "tutordesk.accounts.backends.EmailBackend"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


@pytest.fixture
def tutor_client(tutor):
    return logged_in(tutor)


@pytest.fixture
def admin_client_(admin):
    return logged_in(admin)


@pytest.fixture
def student_client(student):
    return logged_in(student)


@pytest.fixture
def guardian_client(guardian):
    return logged_in(guardian)


def htmx(client: Client, url: str, data: dict) -> object:
    """A post as htmx sends it: the form's fields plus the HX-Request header."""
    return client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/")


def status_post(client: Client, session, status: str, **extra) -> object:
    data = {"status": status, "idempotency_key": extra.pop("key", str(uuid.uuid4())), **extra}
    return htmx(client, f"/sessions/{session.id}/status/", data)


def row_of(html: str, session_id) -> str:
    """The <tr> of one session in a page or a fragment."""
    match = re.search(rf'<tr id="session-{session_id}".*?</tr>', html, re.S)
    assert match, f"no row for session {session_id}"
    return match.group(0)


def link(html: str, hook: str) -> str | None:
    """The href of the first link carrying `hook` (e.g. `data-page-after`), unescaped."""
    import html as html_lib

    match = re.search(rf'<a href="([^"]*)"[^>]*\b{hook}\b', html)
    return html_lib.unescape(match.group(1)) if match else None


def session_ids(html: str, section: str | None = None) -> list[str]:
    """The ids of the session rows in a page (or in one of its sections), top to bottom."""
    if section is not None:
        start = html.index(f'data-section="{section}"')
        end = html.find("</section>", start)
        html = html[start:end]
    return re.findall(r'<tr id="session-[^"]+" data-session-id="([^"]+)"', html)
