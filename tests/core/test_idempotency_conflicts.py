"""core.idempotency tells the key's own unique index apart from any other constraint: only the
key's conflict replays another request's answer; any other refusal propagates, nothing stored."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from tests.factories import system_admin
from tutordesk.accounts.models import User
from tutordesk.core.idempotency import idempotent_call
from tutordesk.core.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def _duplicate_user(email: str) -> tuple[int, dict[str, str]]:
    User.objects.create(email=email, name="Twice")  # the unique email refuses the second row
    return 201, {}


@pytest.mark.parametrize("key", ["k-1", None])
def test_another_constraint_is_not_taken_for_the_keys(key):
    admin = system_admin()
    with pytest.raises(IntegrityError):
        idempotent_call(
            user_id=admin.pk,
            key=key,
            fingerprint="f" * 64,
            run=lambda: _duplicate_user(admin.email),
            on_error=lambda error: (400, {}),
        )
    assert not IdempotencyKey.objects.exists()
