"""Every form and action of Django's admin either writes through a service, leaving an audit row,
or is read-only. The test walks the admin's own registry, so a model registered later without a
service fails here until it has one (or is read-only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin import site
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_request
from tests.helpers import update_status
from tutordesk.accounts.models import ApiToken, Guardianship, User
from tutordesk.accounts.services import api_token_create
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest

pytestmark = pytest.mark.django_db

# What a change form may change, per model with a change service: (field, new value).
CHANGES: dict[type, tuple[str, Any]] = {User: ("name", "Renamed Person")}


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def world(admin, tutor, student, guardian, match, package, past_session):
    """One row of every model the admin shows, made by the services."""
    update_status(session_id=past_session.id, status="done", actor=tutor)
    api_token_create(email=tutor.email, actor=admin)
    return {
        User: tutor,
        ApiToken: ApiToken.objects.get(),
        TutoringRequest: match.request,
        Match: match,
        Package: package,
        Session: past_session,
        AuditLog: AuditLog.objects.first(),
        Guardianship: Guardianship.objects.get(guardian=guardian),
    }


def change_url(obj: Any) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def form_data(response) -> dict[str, Any]:
    """What the change form would post as it stands."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


def test_the_walk_covers_every_registered_model(world):
    assert set(site._registry) == set(world)


def test_every_change_form_saves_through_a_service_or_is_read_only(admin_client, world, admin):
    for model, model_admin in site._registry.items():
        obj = world[model]
        url = change_url(obj)
        page = admin_client.get(url)
        assert page.status_code == 200, model
        before = AuditLog.objects.count()
        if model in CHANGES:
            field, value = CHANGES[model]
            data = {**form_data(page), field: value}
            response = admin_client.post(url, data)
            assert response.status_code == 302, (model, response.content[:2000])
            obj.refresh_from_db()
            assert getattr(obj, field) == value
            row = AuditLog.objects.order_by("-created_at").first()
            assert AuditLog.objects.count() == before + 1
            assert (row.actor_id, row.entity_id) == (admin.id, obj.pk)
            assert row.details["changes"][field]["new"] == value
        else:
            assert not model_admin.has_change_permission(page.wsgi_request, obj), model
            snapshot = type(obj).objects.filter(pk=obj.pk).values().get()
            assert admin_client.post(url, {"status": "done", "name": "x"}).status_code == 403, model
            assert type(obj).objects.filter(pk=obj.pk).values().get() == snapshot
            assert AuditLog.objects.count() == before
        assert not model_admin.has_delete_permission(page.wsgi_request, obj), model


def test_every_add_form_creates_through_a_service(admin_client, world, admin, student, tutor):
    request = make_request(student=student, subject="Physics")  # no active match yet
    posts = {
        User: {
            "email": "new.person@example.test",
            "name": "New Person",
            "role": "student",
            "timezone": "UTC",
        },
        TutoringRequest: {"student": str(student.pk), "subject": "Chemistry"},
        Match: {"request": str(request.pk), "tutor": str(tutor.pk)},
        Package: {"request": str(request.pk), "sessions_total": "6"},
    }
    for model, model_admin in site._registry.items():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
        if model not in posts:
            assert admin_client.get(url).status_code == 403, model
            continue
        before = set(model.objects.values_list("pk", flat=True))
        response = admin_client.post(url, posts[model])
        assert response.status_code == 302, (model, response.content[:3000])
        (new_pk,) = set(model.objects.values_list("pk", flat=True)) - before
        row = AuditLog.objects.get(entity_id=new_pk)
        assert row.actor_id == admin.id


def test_ending_a_match_there_goes_through_the_service(admin_client, world, admin, match):
    response = admin_client.post(
        reverse("admin:tutoring_match_changelist"), {"action": "end", "_selected_action": [str(match.pk)]}
    )
    assert response.status_code == 302
    match.refresh_from_db()
    match.request.refresh_from_db()
    assert (match.status, match.request.status) == ("ended", "open")
    row = AuditLog.objects.get(action="match_ended")
    assert (row.actor_id, row.entity_id, row.details["status"]) == (admin.id, match.id, "ended")


def test_revoking_a_token_there_goes_through_the_service(admin_client, world, admin):
    token = world[ApiToken]
    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [str(token.pk)]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_at <= timezone.now() + timedelta(seconds=1)
    row = AuditLog.objects.get(action="api_token_revoked")
    assert (row.actor_id, row.entity_id) == (admin.id, token.pk)


def test_a_refused_change_shows_why_and_writes_nothing(admin_client, world, tutor, student):
    before = AuditLog.objects.count()
    page = admin_client.get(change_url(tutor))
    response = admin_client.post(change_url(tutor), {**form_data(page), "email": student.email.upper()})
    assert response.status_code == 200
    assert b"already exists" in response.content
    tutor.refresh_from_db()
    assert tutor.email != student.email
    assert AuditLog.objects.count() == before
