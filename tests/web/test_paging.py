"""Lists read together in one statement page exactly as each list read alone."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.db.models import IntegerField, Q, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_session
from tests.helpers import bring_to_status
from tutordesk.scheduling.models import Session
from tutordesk.web.paging import ListRead, keyset_pages


def shape(page) -> tuple:
    return ([row.pk for row in page.rows], page.before, page.after, page.count)


def test_overlapping_lists_with_cursors_page_together_as_each_alone(tutor, match, package):
    now = timezone.now()
    sessions = [
        make_session(match=match, scheduled_start_at=now + timedelta(hours=2 * i - 20)) for i in range(16)
    ]
    for s in sessions[:8:2]:
        bring_to_status(s, "done")
    visible = Session.objects.filter(tutor=tutor)
    scheduled = Q(status="scheduled")

    def read(descending: bool, where: Q, cursor: str | None = None) -> ListRead:
        return ListRead(visible, "scheduled_start_at", descending, cursor, 3, where=where)

    (first,) = keyset_pages(read(False, scheduled))
    (second,) = keyset_pages(read(False, scheduled, first.after))
    reads = [
        read(True, Q()),  # every session, the latest first
        read(False, scheduled),  # the scheduled ones, the soonest first: overlaps the first list
        read(False, scheduled, first.after),  # their second page
        read(False, scheduled, second.before),  # back to their first page
        read(True, Q(status="done")),  # recorded ones
        read(True, Q(status="rescheduled")),  # none
        read(True, Q(pk__in=[])),  # known to be empty
    ]
    alone = [shape(keyset_pages(r)[0]) for r in reads]
    with CaptureQueriesContext(connection) as ctx:
        together = [shape(page) for page in keyset_pages(*reads)]
    assert together == alone
    assert alone[3] == shape(first)
    assert alone[5] == ([], None, None, 0) and alone[6] == ([], None, None, 0)
    if connection.features.supports_slicing_ordering_in_compound:
        assert len(ctx.captured_queries) == 1  # the six lists that can have rows, in one statement


def test_also_is_read_with_the_rows_and_missing_without_them(tutor, match, package):
    make_session(match=match)
    visible = Session.objects.filter(tutor=tutor)
    also = {"answer": Value(42, output_field=IntegerField())}
    reads = [
        ListRead(visible, "scheduled_start_at", True, None, 3, where=Q(status="done")),
        ListRead(visible, "scheduled_start_at", True, None, 3, where=Q(status="scheduled")),
    ]
    assert [page.also for page in keyset_pages(*reads, also=also)] == [{"answer": 42}] * 2
    assert keyset_pages(reads[0], also=also)[0].also == {}  # no row came back
