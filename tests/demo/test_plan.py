"""The demo's plan, checked for every size without a database: what it promises per tutor holds
whenever it accepts a size, and the documented million-session size is accepted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutordesk.demo.plan import FUTURE_SLOTS, PAST_SLOTS, DemoSizeError, make_plan


@st.composite
def sizes(draw: st.DrawFn) -> tuple[int, int, int]:
    students = draw(st.integers(1, 400))
    tutors = draw(st.integers(1, students))
    return tutors, students, draw(st.integers(1, 40))


@given(sizes())
def test_an_accepted_size_keeps_every_promise(size):
    tutors, students, per_match = size
    try:
        plan = make_plan(tutors=tutors, students=students, sessions_per_match=per_match)
    except DemoSizeError as exc:
        assert exc.code in ("past_does_not_fit", "future_does_not_fit")
        return
    for tutor in range(tutors):
        assert plan.awaiting_of(tutor) >= min(4, per_match // 2)
        past, future = plan.load_of(tutor)
        assert past <= PAST_SLOTS and future <= FUTURE_SLOTS
    for match in plan.story:
        assert match.outcomes <= match.past <= per_match
    if per_match >= 8:
        assert all(m.outcomes == len(m.episode.steps) for m in plan.story), "the whole story is told"
    kinds = {m.episode.kind: m for m in plan.story}
    if students >= 3:
        assert kinds["exhausted"].outcomes >= 1, "a charge, so the package can run out"


def test_the_documented_million_session_size_fits():
    plan = make_plan(tutors=3200, students=125_000, sessions_per_match=8)
    assert plan.students * plan.sessions_per_match == 1_000_000
    assert min(plan.awaiting_of(t) for t in range(3200)) >= 4


def test_a_size_too_big_for_the_tutors_hours_is_refused():
    with pytest.raises(DemoSizeError) as info:
        make_plan(tutors=1, students=100, sessions_per_match=20)
    assert info.value.code == "past_does_not_fit"


def test_more_tutors_than_students_is_refused():
    with pytest.raises(DemoSizeError) as info:
        make_plan(tutors=5, students=4, sessions_per_match=8)
    assert info.value.code == "more_tutors_than_students"
