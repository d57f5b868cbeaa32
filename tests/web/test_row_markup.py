"""The list rows and filter fields written in Python say what Django's templates would say: times
as the `date` filter writes them, every value escaped, widgets as Django's widget templates
render them."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import dateformat, timezone
from django.utils.html import escape
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.factories import StudentFactory, TutorFactory, make_match, make_package, make_session
from tests.helpers import update_status
from tests.web.conftest import logged_in, row_of
from tutordesk.web.forms import AuditFilterForm, PackageSearchForm, ReportFilterForm, SessionFilterForm
from tutordesk.web.renderers import PLAIN_WIDGETS
from tutordesk.web.templatetags.row_text import When

# Zones with daylight saving time both ways, half and quarter hours, and none at all.
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"]


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
# The hour Berlin's clocks go back (its wall times happen twice) and the hour they skip.
@example(moment=datetime(2026, 10, 25, 0, 30, tzinfo=UTC), zone="Europe/Berlin")
@example(moment=datetime(2026, 10, 25, 1, 30, tzinfo=UTC), zone="Europe/Berlin")
@example(moment=datetime(2026, 3, 29, 1, 0, tzinfo=UTC), zone="Europe/Berlin")
def test_a_time_reads_as_the_date_filter_writes_it(moment, zone):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        when = When(moment)
        local = timezone.localtime(moment)  # what the `date` filter is given in a template
        assert when.iso == dateformat.format(local, "c")
        assert when.short() == escape(dateformat.format(local, "D j M, H:i"))
        assert when.long() == escape(dateformat.format(local, "D j M Y, H:i"))
        assert when.day() == escape(dateformat.format(local, "j M Y"))
        assert when.zone() == escape(dateformat.format(local, "T"))
        assert when.stamp() == escape(dateformat.format(local, "j M Y, H:i:s T"))


HOSTILE = '<b>Zoë "O\'Hare" & Co</b>'
ESCAPED = "&lt;b&gt;Zoë &quot;O&#x27;Hare&quot; &amp; Co&lt;/b&gt;"


def test_a_session_row_escapes_every_name_subject_and_link(admin):
    student = StudentFactory(name=HOSTILE)
    tutor = TutorFactory(name=HOSTILE)
    match = make_match(tutor=tutor, student=student, subject=HOSTILE)
    make_package(request=match.request)
    session = make_session(match=match, meet_link="https://meet.example.com/a?b=1&c=<x>")
    for viewer in (tutor, admin, student):
        row = row_of(logged_in(viewer).get("/").content.decode(), session.id)
        assert HOSTILE not in row and "<x>" not in row
        assert ESCAPED in row
        if not viewer.is_admin:
            assert 'href="https://meet.example.com/a?b=1&amp;c=&lt;x&gt;"' in row


def test_audit_rows_and_package_cards_escape_every_value(admin):
    student = StudentFactory(name=HOSTILE, email="o'hare@example.test")
    match = make_match(student=student, subject=HOSTILE)
    make_package(request=match.request)
    # request_create wrote a row whose details and words both hold the hostile subject and name.
    client = logged_in(admin)
    audit = client.get("/audit/").content.decode()
    assert HOSTILE not in audit
    assert f"Request for {ESCAPED} added for {ESCAPED}" in audit  # the words
    assert "&lt;b&gt;Zoë \\&quot;O&#x27;Hare\\&quot; &amp; Co&lt;/b&gt;" in audit  # inside the JSON
    cards = client.get("/packages/").content.decode()
    assert HOSTILE not in cards
    assert f"{ESCAPED} <span" in cards and "o&#x27;hare@example.test" in cards


def test_rows_link_a_reschedule_both_ways_with_its_times(tutor, match, package):
    session = make_session(match=match, scheduled_start_at=timezone.now() - timedelta(hours=3))
    replacement = update_status(
        session_id=session.id,
        status="rescheduled",
        actor=tutor,
        new_start_at=timezone.now() + timedelta(days=2),
    ).replacement_session
    html = logged_in(tutor).get("/").content.decode()
    assert f'href="/sessions/{replacement.id}/" ' in row_of(html, session.id)
    assert "data-moved-to>Moved to " in row_of(html, session.id)
    start = When(session.scheduled_start_at).short()
    assert f"data-moved-from>Rescheduled from {start}</a>" in row_of(html, replacement.id)


FORMS = [
    (
        SessionFilterForm,
        {"status": "done", "tutor": HOSTILE, "student": "x", "start": "2026-01-02", "end": "bad"},
    ),
    (SessionFilterForm, None),
    (AuditFilterForm, {"action": HOSTILE, "entity_type": "session", "entity_id": "not-a-uuid", "actor": "a"}),
    (ReportFilterForm, {"group_by": "month", "start": "2026-01-01"}),
    (PackageSearchForm, {"q": HOSTILE}),
]


@pytest.mark.parametrize(("form_class", "data"), FORMS)
def test_the_filter_forms_render_as_djangos_widget_templates_would(form_class, data):
    plain = form_class(data)
    assert plain.renderer is PLAIN_WIDGETS
    templates = form_class(data, renderer=DjangoTemplates())
    for name in plain.fields:
        assert str(plain[name]) == str(templates[name]), name


class EveryKindOfAttribute(forms.Form):
    default_renderer = PLAIN_WIDGETS

    when = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date", "disabled": True, "autofocus": False})
    )
    kind = forms.ChoiceField(
        choices=[("", "Any"), ("Groups", [("a", "<A>"), ("b", "B & b")]), ("c", "C")],
        widget=forms.Select(attrs={"data-x": '"quoted"'}),
    )
    count = forms.IntegerField(min_value=1, max_value=9)
    hidden = forms.CharField(widget=forms.HiddenInput)
    notes = forms.CharField(widget=forms.Textarea)  # not written here: Django's template writes it


@pytest.mark.parametrize("data", [None, {"when": "2026-01-01", "kind": "b", "count": "<3>", "hidden": 'x"y'}])
def test_plain_widgets_match_djangos_templates_for_attributes_groups_and_values(data):
    plain = EveryKindOfAttribute(data)
    templates = EveryKindOfAttribute(data, renderer=DjangoTemplates())
    for name in plain.fields:
        assert str(plain[name]) == str(templates[name]), name
