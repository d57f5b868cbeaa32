from tutordesk.scheduling.status import (
    CONSUMING_STATUSES,
    SESSION_STATUS_COLOURS,
    SESSION_STATUS_LABELS,
    can_correct,
    can_transition,
)


def test_labels_are_the_contracts():
    assert SESSION_STATUS_LABELS == {
        "scheduled": "Upcoming",
        "done": "Done",
        "rescheduled": "Rescheduled",
        "no_show_student": "Student No-show",
        "no_show_tutor": "Tutor No-show",
    }


def test_colours_are_the_contracts():
    assert SESSION_STATUS_COLOURS == {
        "scheduled": "bg-blue-100 text-blue-800",
        "done": "bg-green-100 text-green-800",
        "rescheduled": "bg-yellow-100 text-yellow-800",
        "no_show_student": "bg-red-100 text-red-700",
        "no_show_tutor": "bg-orange-100 text-orange-800",
    }


def test_only_done_and_student_no_show_consume_a_session():
    assert {"done", "no_show_student"} == CONSUMING_STATUSES


def test_updates_leave_scheduled_only_and_corrections_leave_anything_else():
    for to in SESSION_STATUS_LABELS:
        assert can_transition("scheduled", to) == (to != "scheduled")
        assert not can_correct("scheduled", to)
        for frm in set(SESSION_STATUS_LABELS) - {"scheduled"}:
            assert not can_transition(frm, to)
            assert can_correct(frm, to) == (to != frm)
