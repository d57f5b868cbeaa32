"""The session badge: label and the contract's colour classes, from the one lifecycle module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template

from tutordesk.scheduling.status import SESSION_STATUS_COLOURS, SESSION_STATUS_LABELS

CONTRACT = {
    "scheduled": ("Upcoming", "bg-blue-100 text-blue-800"),
    "done": ("Done", "bg-green-100 text-green-800"),
    "rescheduled": ("Rescheduled", "bg-yellow-100 text-yellow-800"),
    "no_show_student": ("Student No-show", "bg-red-100 text-red-700"),
    "no_show_tutor": ("Tutor No-show", "bg-orange-100 text-orange-800"),
}
APP_CSS = Path(__file__).resolve().parents[2] / "tutordesk/web/static/web/app.css"


@pytest.mark.parametrize("status", list(CONTRACT))
def test_the_badge_prints_the_label_data_status_and_colour_classes(status):
    html = Template("{% load tutordesk_web %}{% session_badge status %}").render(Context({"status": status}))
    label, colours = CONTRACT[status]
    assert f'data-status="{status}"' in html
    assert f">{label}<" in html
    classes = re.search(r'class="([^"]+)"', html).group(1).split()
    assert set(colours.split()) <= set(classes)


def test_the_badge_reads_a_session_as_well_as_a_status():
    class Row:
        status = "done"

    html = Template("{% load tutordesk_web %}{% session_badge s %}").render(Context({"s": Row()}))
    assert 'data-status="done"' in html and ">Done<" in html


def test_the_built_stylesheet_holds_every_badge_colour():
    css = APP_CSS.read_text()
    for status, colours in SESSION_STATUS_COLOURS.items():
        assert status in SESSION_STATUS_LABELS
        for cls in colours.split():
            assert f".{cls}{{" in css, f"{cls} missing from app.css: run `make css`"


def test_htmx_is_vendored_next_to_the_stylesheet():
    assert (APP_CSS.parent / "htmx.min.js").read_text().startswith(("var htmx", "(function"))
