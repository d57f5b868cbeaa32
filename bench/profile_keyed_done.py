"""Where a keyed `done` spends its time, in process (not a test; run by hand, PostgreSQL):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres TUTORDESK_DEBUG=1 \\
        .venv/bin/pytest -p no:cacheprovider -q -s bench/profile_keyed_done.py

300 `POST /api/v1/sessions/{id}/status {"status": "done"}` with fresh keys through Django's test
client under cProfile (which slows Python down, not PostgreSQL), after 30 to warm up; prints the
time per request inside the main steps and the functions with the most time of their own.
"""

from __future__ import annotations

import cProfile
import pstats
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import make_match, make_package, make_session
from tutordesk.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def test_where_a_keyed_done_spends_its_time():
    match = make_match()
    make_package(request=match.request, sessions_total=500)
    sessions = [
        make_session(
            match=match, scheduled_start_at=timezone.now() - timedelta(days=30) + timedelta(hours=2 * i)
        )
        for i in range(330)
    ]
    token = api_token_create(email=match.tutor.email)[1]
    client = Client()
    h = {"Authorization": f"Bearer {token}"}
    for s in sessions[:30]:
        client.post(
            f"/api/v1/sessions/{s.id}/status",
            '{"status":"done"}',
            content_type="application/json",
            headers={**h, "Idempotency-Key": str(uuid.uuid4())},
        )
    prof = cProfile.Profile()
    prof.enable()
    for s in sessions[30:]:
        r = client.post(
            f"/api/v1/sessions/{s.id}/status",
            '{"status":"done"}',
            content_type="application/json",
            headers={**h, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert r.status_code == 200
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt

    def cum(file_part, func):
        return max((v[3] for k, v in st.stats.items() if file_part in k[0] and k[2] == func), default=0.0)

    print(f"\nPROFILE 300 keyed done, {total * 1000 / 300:.2f} ms per request in-process under cProfile")
    for label, f, fn in [
        ("Django test client request (all of it)", "django/test/client.py", "request"),
        ("ninja operation (parse, auth, handler, respond)", "ninja/operation.py", "run"),
        ("auth: token + stored answer, one statement", "tutordesk/api/auth.py", "authenticate"),
        ("core.idempotency.idempotent_call", "core/idempotency.py", "idempotent_call"),
        ("scheduling session_update_status", "scheduling/services.py", "session_update_status"),
        ("psycopg waiting on PostgreSQL (all statements)", "psycopg/connection.py", "wait"),
    ]:
        print(f"  {label:<50} {cum(f, fn) * 1000 / 300:6.2f} ms")
