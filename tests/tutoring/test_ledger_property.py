"""Property: whatever sequence of updates and corrections runs, the ledger stays consistent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from tests.factories import AdminFactory, make_match, make_package, make_session
from tests.helpers import correct_status, update_status
from tutordesk.core.errors import DomainError
from tutordesk.scheduling.selectors import ledger_problems
from tutordesk.scheduling.status import SESSION_STATUS_LABELS
from tutordesk.tutoring.models import Package

STATUSES = sorted(SESSION_STATUS_LABELS)
step = st.tuples(st.sampled_from(["update", "correct"]), st.integers(0, 4), st.sampled_from(STATUSES))


class LedgerPropertyTests(TestCase):
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(sizes=st.lists(st.integers(1, 3), min_size=0, max_size=3), steps=st.lists(step, max_size=20))
    def test_any_sequence_of_changes_keeps_the_ledger(self, sizes, steps):
        admin = AdminFactory()
        match = make_match()
        for size in sizes:
            make_package(request=match.request, sessions_total=size)
        start = timezone.now() - timedelta(days=1)
        sessions = [
            make_session(match=match, scheduled_start_at=start + timedelta(hours=i)) for i in range(5)
        ]
        for kind, index, status in steps:
            try:
                if kind == "update":
                    update_status(session_id=sessions[index].id, status=status, actor=admin)
                else:
                    correct_status(session_id=sessions[index].id, status=status, reason="fix", actor=admin)
            except DomainError:
                pass
        assert list(ledger_problems()) == []
        used = sum(Package.objects.values_list("sessions_used", flat=True))
        assert used <= sum(sizes)
