"""The demo's story (CONTRACT §6): outcomes recorded through the product's services by the right
people, a reschedule with its replacement, an admin's correction with its reason, one package
run out and another running low, and past sessions left for every tutor to record."""

from __future__ import annotations

import itertools
from datetime import UTC

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from tests.demo.helpers import seed
from tutordesk.accounts.models import User
from tutordesk.audit.models import AuditLog
from tutordesk.demo.story import CORRECTION_REASON
from tutordesk.events.models import Event
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import OUTCOME_STATUSES
from tutordesk.tutoring.models import Package, TutoringRequest

FULL_STORY_SIZES = [(3, 6, 8), (3, 3, 8), (1, 3, 8), (2, 10, 8), (4, 4, 12)]


def admin() -> User:
    return User.objects.get(email="admin@example.com")


def status_rows(session: Session) -> list[AuditLog]:
    return list(
        AuditLog.objects.filter(entity_type="session", entity_id=session.id)
        .exclude(action="session_created")
        .order_by("created_at", "id")
    )


def awaiting_by_tutor() -> dict[str, int]:
    now = timezone.now()
    return {
        tutor.email: Session.objects.filter(
            tutor=tutor, status="scheduled", scheduled_start_at__lt=now
        ).count()
        for tutor in User.objects.filter(role="tutor")
    }


def sessions_left(request: TutoringRequest) -> int:
    active = request.packages.filter(status="active")
    return active.aggregate(left=Sum("sessions_total") - Sum("sessions_used"))["left"] or 0


def assert_ledger_is_consistent(capsys) -> None:
    capsys.readouterr()
    call_command("verify_ledger")  # exits 1 (SystemExit) on any drift
    assert "Ledger consistent" in capsys.readouterr().out


@pytest.mark.parametrize("status", ["done", "no_show_student", "no_show_tutor", "rescheduled"])
def test_each_outcome_is_recorded_by_the_sessions_tutor(db, status):
    seed()
    sessions = list(Session.objects.filter(status=status))
    assert sessions
    for session in sessions:
        rows = status_rows(session)
        assert rows[0].action == "session_status_updated"
        assert rows[0].actor_id == session.tutor_id
        assert rows[0].details["from_status"] == "scheduled"
        assert rows[-1].details["status"] == status
        assert session.scheduled_start_at < timezone.now()
        assert session.tutor_notes


def test_the_reschedule_is_linked_to_its_replacement_in_the_future(db):
    seed()
    original = Session.objects.get(status="rescheduled")
    replacement = Session.objects.get(rescheduled_from=original)
    assert replacement.status == "scheduled"
    assert replacement.scheduled_start_at > timezone.now()
    assert (replacement.match_id, replacement.duration_minutes, replacement.meet_link) == (
        original.match_id,
        original.duration_minutes,
        original.meet_link,
    )
    (row,) = status_rows(original)
    assert row.details["replacement_session_id"] == str(replacement.id)
    assert row.details["new_start_at"] == replacement.scheduled_start_at.isoformat()


def test_the_admin_corrects_a_no_show_with_a_reason_and_the_package_runs_out(db):
    seed()
    (correction,) = AuditLog.objects.filter(action="session_status_corrected")
    assert correction.actor_id == admin().id
    assert correction.details["reason"] == CORRECTION_REASON
    assert (correction.details["from_status"], correction.details["status"]) == (
        "no_show_tutor",
        "no_show_student",
    )
    session = Session.objects.get(pk=correction.entity_id)
    assert (session.status, session.updated_by_id) == ("no_show_student", admin().id)
    # The correction charged the package's last session.
    package = Package.objects.get(pk=session.package_id)
    assert correction.details["package_id"] == str(package.id)
    assert correction.details["sessions_used_after"] == package.sessions_total
    assert package.status == "exhausted"
    recorded, corrected = status_rows(session)
    assert recorded.actor_id == session.tutor_id and recorded.details["status"] == "no_show_tutor"
    assert corrected == correction


@pytest.mark.parametrize(("tutors", "students", "per_match"), FULL_STORY_SIZES)
def test_one_package_has_run_out_and_another_request_is_running_low(db, tutors, students, per_match):
    seed(tutors, students, per_match)
    exhausted = Package.objects.get(status="exhausted")
    assert exhausted.sessions_used == exhausted.sessions_total
    low = [r for r in TutoringRequest.objects.exclude(pk=exhausted.request_id) if sessions_left(r) in (1, 2)]
    assert len(low) == 1, "exactly one request is running low"
    # The running-low request got there by charges, each audited as its tutor's.
    charged = Session.objects.filter(request=low[0], status__in=["done", "no_show_student"])
    assert charged.count() >= 1
    # The request whose package ran out was sold a new one by the admin afterwards.
    renewal = Package.objects.get(request_id=exhausted.request_id, status="active")
    assert renewal.created_at >= exhausted.created_at


@pytest.mark.parametrize(("tutors", "students", "per_match"), FULL_STORY_SIZES)
def test_every_tutor_keeps_four_past_sessions_awaiting_an_outcome(db, tutors, students, per_match):
    seed(tutors, students, per_match)
    assert all(count >= 4 for count in awaiting_by_tutor().values()), awaiting_by_tutor()
    assert len(awaiting_by_tutor()) == tutors


@pytest.mark.parametrize(("tutors", "students", "per_match"), FULL_STORY_SIZES)
def test_every_kind_of_outcome_and_a_correction_are_in_the_story(db, tutors, students, per_match):
    seed(tutors, students, per_match)
    statuses = set(Session.objects.values_list("status", flat=True))
    assert statuses == {"scheduled", "done", "no_show_student", "no_show_tutor", "rescheduled"}
    assert AuditLog.objects.filter(action="session_status_corrected").count() == 1


def test_the_story_is_made_by_the_admin_and_the_tutors_through_the_services(db):
    seed()
    admin_id = admin().id
    for action in ("request_created", "match_created", "package_created", "session_status_corrected"):
        actors = set(AuditLog.objects.filter(action=action).values_list("actor_id", flat=True))
        assert actors == {admin_id}, action
    # Every story session was scheduled by its tutor (a replacement is named in its reschedule's
    # audit row), and every outcome has its audit row.
    story = Session.objects.filter(
        student__email__in=["student1@example.com", "student4@example.com"], rescheduled_from__isnull=True
    )
    assert story.count() == 16
    for session in story:
        created = AuditLog.objects.get(action="session_created", entity_id=session.id)
        assert created.actor_id == session.tutor_id
    for session in Session.objects.exclude(status="scheduled"):
        assert status_rows(session), session
    # Four story students; the other two are bulk rows, with no audit rows of their own.
    assert AuditLog.objects.filter(action="request_created").count() == 4
    bulk = Session.objects.filter(student__email="student6@example.com")
    assert bulk.count() == 8
    assert not AuditLog.objects.filter(entity_id__in=bulk.values("id")).exists()


@pytest.mark.parametrize(("tutors", "students", "per_match"), [*FULL_STORY_SIZES, (2, 30, 20)])
def test_the_ledger_is_consistent_after_seeding(db, capsys, tutors, students, per_match):
    seed(tutors, students, per_match)
    assert_ledger_is_consistent(capsys)


@pytest.mark.parametrize(
    ("tutors", "students", "per_match"), [(1, 1, 1), (1, 1, 2), (1, 2, 3), (2, 3, 5), (2, 2, 4), (1, 1, 8)]
)
def test_at_small_sizes_the_story_shrinks_to_fit(db, capsys, tutors, students, per_match):
    """Fewer students or sessions than the story needs: it tells what fits, and still leaves each
    tutor min(4, sessions-per-match // 2) past sessions to record."""
    seed(tutors, students, per_match)
    assert_ledger_is_consistent(capsys)
    assert all(count >= min(4, per_match // 2) for count in awaiting_by_tutor().values())
    assert Session.objects.filter(rescheduled_from__isnull=True).count() == students * per_match


def test_the_awaiting_sessions_can_be_recorded_by_their_tutors(db):
    """What the demo leaves to do works: every tutor records a past session of each kind."""
    from tests.helpers import update_status

    seed()
    now = timezone.now()
    outcomes = ["done", "no_show_student", "no_show_tutor"]
    for tutor in User.objects.filter(role="tutor"):
        waiting = list(Session.objects.filter(tutor=tutor, status="scheduled", scheduled_start_at__lt=now))
        assert len(waiting) >= len(outcomes), tutor.email
        for session, status in zip(waiting, outcomes, strict=False):
            update_status(session_id=session.id, status=status, actor=tutor)
            assert Session.objects.get(pk=session.pk).status == status


def test_no_two_people_in_the_demo_share_a_name(db):
    """Reports, packages and filters name people: two "Dev Larsen"s would read as one."""
    seed()
    names = list(User.objects.values_list("name", flat=True))
    assert len(names) == len(set(names))
    tutors = User.objects.filter(role="tutor").values_list("name", flat=True)
    assert len({name.split()[0] for name in tutors}) == len(tutors)  # no two tutors share a first name


def audit_time(action: str, entity_id) -> list:
    return list(
        AuditLog.objects.filter(action=action, entity_id=entity_id)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


@pytest.mark.parametrize(("tutors", "students", "per_match"), [(3, 6, 8), (1, 3, 8), (4, 4, 12)])
def test_the_story_happens_in_the_order_it_tells(db, tutors, students, per_match):
    """Every service call ran at its instant in the story (core.clock): a request, its match and
    its package before the lessons they pay for, each lesson booked before it starts, each outcome
    recorded after the lesson ended, a reschedule before the lesson, the correction after the
    tutor's record and the renewal after the package ran out; and all of it before today."""
    seed(tutors, students, per_match)
    today = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    joined = min(User.objects.values_list("date_joined", flat=True))
    times = list(AuditLog.objects.values_list("created_at", flat=True))
    assert joined <= min(times) and max(times) < today
    assert max(Event.objects.values_list("created_at", flat=True)) < today

    story_requests = TutoringRequest.objects.filter(
        pk__in=AuditLog.objects.filter(action="request_created").values("entity_id")
    )
    assert story_requests.count() == min(students, 4)
    for request in story_requests:
        (opened,) = audit_time("request_created", request.id)
        (matched,) = (audit_time("match_created", m.id)[0] for m in request.matches.all())
        assert request.created_at == opened < matched
        packages = list(request.packages.order_by("created_at"))
        for package in packages:
            (sold,) = audit_time("package_created", package.id)
            assert package.created_at == sold > matched
            charged = Session.objects.filter(package=package).order_by("scheduled_start_at")
            for session in charged:
                assert package.created_at < session.scheduled_start_at
                # The charge: the first audit row that moved the session onto this package.
                charge = (
                    AuditLog.objects.filter(entity_id=session.id, details__package_id=str(package.id))
                    .order_by("created_at")
                    .first()
                )
                assert package.created_at < charge.created_at

        for session in Session.objects.filter(request=request):
            if session.rescheduled_from_id is None:
                (booked,) = audit_time("session_created", session.id)
                assert packages[0].created_at < booked
            else:
                (booked,) = audit_time("session_status_updated", session.rescheduled_from_id)
            assert session.created_at == booked < session.scheduled_start_at
            changes = status_rows(session)
            if not changes:
                assert session.updated_at == session.created_at
                continue
            assert session.updated_at == changes[-1].created_at
            recorded = changes[0]
            if recorded.details["status"] == "rescheduled":
                assert booked < recorded.created_at < session.scheduled_start_at
            else:
                assert recorded.details["status"] in OUTCOME_STATUSES
                assert recorded.created_at > session.scheduled_end_at
            for earlier, later in itertools.pairwise(changes):
                assert earlier.created_at < later.created_at

    if students >= 3:
        exhausted = Package.objects.get(status="exhausted")
        last_charge = max(
            row.created_at
            for row in AuditLog.objects.filter(details__package_id=str(exhausted.id)).exclude(
                action="package_created"
            )
        )
        renewal = Package.objects.get(request_id=exhausted.request_id, status="active")
        assert last_charge < renewal.created_at
