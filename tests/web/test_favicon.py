"""The icon: every page links it, and /favicon.ico (asked for by browsers on pages that link none,
such as Django's admin) leads to it instead of a 404."""

from __future__ import annotations

from django.test import Client


def test_favicon_ico_redirects_to_the_svg_icon_that_is_served(db):
    client = Client()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/web/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    assert b"".join(icon.streaming_content).startswith(b"<svg")


def test_every_page_links_the_icon(db):
    html = Client().get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in html
