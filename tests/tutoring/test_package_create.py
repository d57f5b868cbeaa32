from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from tutordesk.audit.models import AuditLog
from tutordesk.core.errors import Forbidden, NotFound, ValidationError
from tutordesk.tutoring.models import Package
from tutordesk.tutoring.services import package_create


def create(**kwargs):
    with transaction.atomic():
        return package_create(**kwargs)


def test_an_admin_adds_a_package_and_it_is_audited(match, admin):
    package = create(request_id=match.request_id, sessions_total=12, actor=admin)
    assert (package.sessions_total, package.sessions_used, package.status) == (12, 0, "active")
    row = AuditLog.objects.get(entity_id=package.id)
    assert row.action == "package_created" and row.details["sessions_total"] == 12


@pytest.mark.parametrize("total", [0, -1, 501, "10", 10.0, None])
def test_sessions_total_must_be_1_to_500(match, admin, total):
    with pytest.raises(ValidationError):
        create(request_id=match.request_id, sessions_total=total, actor=admin)
    assert not Package.objects.exists()


def test_only_admins_add_packages(match, tutor, student):
    for actor in (tutor, student):
        with pytest.raises(Forbidden):
            create(request_id=match.request_id, sessions_total=5, actor=actor)


@pytest.mark.parametrize("request_id", [uuid.uuid4(), "not-a-uuid", ""])
def test_an_unknown_request_is_not_found(admin, request_id):
    with pytest.raises(NotFound):
        create(request_id=request_id, sessions_total=5, actor=admin)


def test_a_charge_and_a_refund_say_what_the_request_has_left(db, match):
    """`request_sessions_left` after each move: what the request's active packages still hold."""
    from django.db import transaction

    from tests.factories import make_package
    from tutordesk.tutoring.services import decrement_sessions_used, increment_sessions_used

    first = make_package(request=match.request, sessions_total=1)
    make_package(request=match.request, sessions_total=2)
    with transaction.atomic():
        charged = increment_sessions_used(request_id=match.request_id)
    assert charged.package.id == first.id
    assert (charged.package.status, charged.request_sessions_left) == ("exhausted", 2)
    with transaction.atomic():
        second = increment_sessions_used(request_id=match.request_id)
    assert (second.package.sessions_used, second.request_sessions_left) == (1, 1)
    with transaction.atomic():
        refunded = decrement_sessions_used(package_id=first.id)
    assert (refunded.package.status, refunded.request_sessions_left) == ("active", 2)
