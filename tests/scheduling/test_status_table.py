"""The lifecycle table (CONTRACT §3), and that it is the only one: nothing else lists the statuses."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tutordesk.scheduling.status import (
    CONSUMING_STATUSES,
    NO_SHOW_STATUSES,
    OUTCOME_STATUSES,
    OUTCOMES_FIRST,
    SESSION_STATUS_CHART_COLOURS,
    SESSION_STATUS_COLOURS,
    SESSION_STATUS_LABELS,
    can_correct,
    can_transition,
    in_lifecycle_order,
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


# Modules that name several statuses on purpose, and why. Nothing else may: every list of statuses
# is read from the lifecycle table (scheduling/status.py).
MAY_NAME_STATUSES = {
    # The demo's script: the steps of each student's story in time order, not a list of statuses.
    "tutordesk/demo/plan.py",
    # Emails sit below the lifecycle (floor 3 < 5) and key their words by the statuses' values;
    # tests/events/test_emails.py checks they cover exactly what a status update can set.
    "tutordesk/events/emails.py",
}
ROOT = Path(__file__).resolve().parents[2]


def literals_naming_statuses(tree: ast.AST) -> Iterator[tuple[int, list[str]]]:
    """Each tuple, list, set or dict in the source that names two statuses or more, as its items
    or its keys, or as the first item of each of its pairs (`(("done", "fill-green-600"), …)`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items: list[ast.expr | None] = list(node.elts)
        elif isinstance(node, ast.Dict):
            items = list(node.keys)
        else:
            continue
        heads = [item.elts[0] if isinstance(item, ast.Tuple) and item.elts else item for item in items]
        named = [h.value for h in heads if isinstance(h, ast.Constant) and h.value in SESSION_STATUS_LABELS]
        if len(named) >= 2:
            yield node.lineno, named


def test_no_module_restates_the_status_list():
    """Reports, pages, API and admin read the statuses, labels and colours from status.py."""
    found = []
    for path in sorted((ROOT / "tutordesk").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if (
            "migrations" in path.parts
            or name in MAY_NAME_STATUSES
            or name == "tutordesk/scheduling/status.py"
        ):
            continue
        found += [
            (name, line, named) for line, named in literals_naming_statuses(ast.parse(path.read_text()))
        ]
    assert not found


def test_the_check_finds_a_restated_list():
    source = (
        'SEGMENTS = (("done", "fill-green-600"), ("no_show_student", "fill-red-600"))\n'
        'SUBJECTS = {"done": "Done", "rescheduled": "Moved"}\n'
        'COUNTS = ("scheduled", "done")\n'
        'ONE = ("done", "fill-green-600")\n'
    )
    assert [line for line, _ in literals_naming_statuses(ast.parse(source))] == [1, 2, 3]


def test_every_status_has_its_colours_and_the_reports_list_outcomes_first():
    assert set(SESSION_STATUS_CHART_COLOURS) == set(SESSION_STATUS_COLOURS) == set(SESSION_STATUS_LABELS)
    assert OUTCOMES_FIRST == ("done", "no_show_student", "no_show_tutor", "rescheduled", "scheduled")
    assert {"no_show_student", "no_show_tutor"} == NO_SHOW_STATUSES
    assert in_lifecycle_order(OUTCOME_STATUSES) == ["done", "no_show_student", "no_show_tutor"]
