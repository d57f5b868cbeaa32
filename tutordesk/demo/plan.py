"""What the demo holds, decided before a row is written: who teaches whom, which students carry
the story, and how many of each match's sessions lie in the past.

Pure arithmetic (no database, no randomness), so the size check can refuse a run before anything
is wiped, and the guarantees below can be checked for every size without seeding.

Time: lessons start on the hour, 08:00 to 19:00 UTC. The "past" window is the fourteen whole days
before today, the "future" window today and the thirteen days after. A session in the past window
has started whatever the hour the seed runs, so the same seed gives the same story all day long.

Guarantees (CONTRACT §6):
- every tutor keeps at least `min(4, K // 2)` past sessions still `scheduled` (four with the
  default --sessions-per-match 8 and up), the story's outcomes never eat into them;
- with three students or more the story has a package exhausted (student2's) and another
  request with 2 sessions left on its active packages (student3's);
- with --sessions-per-match 8 and up the whole story is told: every outcome, the reschedule
  with its replacement and the correction.
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS = range(8, 20)  # lessons start on the hour, UTC
DAYS_BACK = 14
DAYS_AHEAD = 14  # today and the 13 days after
PAST_SLOTS = DAYS_BACK * len(HOURS)
FUTURE_SLOTS = DAYS_AHEAD * len(HOURS)
AWAITING_PER_TUTOR = 4


# The story, one episode per student from student1 on. Each step is the outcome the tutor records
# on one past session, in time order; "corrected" is a tutor no-show that an admin corrects to a
# student no-show (which charges the package). Package sizes follow from the steps (story.py).
# Should a small size leave room for only the first steps of an episode, those still make sense:
# student2's package is sized to run out with whatever was charged.
@dataclass(frozen=True)
class Episode:
    kind: str
    steps: tuple[str, ...]


EPISODES: tuple[Episode, ...] = (
    # student1: one of each outcome a tutor records, the reschedule with its replacement.
    Episode("first_weeks", ("done", "no_show_student", "no_show_tutor", "rescheduled")),
    # student2: a lesson, then an admin's correction charges the last session of the package,
    # which runs out; the admin sells a new one.
    Episode("exhausted", ("done", "corrected")),
    # student3: two lessons charged, two sessions left: the package is running low.
    Episode("low", ("done", "no_show_student")),
    # student4: a steady learner.
    Episode("steady", ("done", "done", "done")),
)


@dataclass(frozen=True)
class StoryMatch:
    student: int  # 0-based index: student1 is 0
    tutor: int  # 0-based index
    episode: Episode
    outcomes: int  # how many of the episode's steps fit (its first ones)
    past: int  # sessions of this match in the past window (>= outcomes)

    @property
    def steps(self) -> tuple[str, ...]:
        return self.episode.steps[: self.outcomes]


@dataclass(frozen=True)
class Plan:
    tutors: int
    students: int
    sessions_per_match: int
    story: tuple[StoryMatch, ...]

    @property
    def base_past(self) -> int:
        """Past sessions of a match outside the story: half of them, rounded up."""
        return -(-self.sessions_per_match // 2)

    def tutor_of(self, student: int) -> int:
        return student % self.tutors

    def bulk_matches_of(self, tutor: int) -> int:
        """Matches of this tutor outside the story."""
        total = self.students // self.tutors + (1 if tutor < self.students % self.tutors else 0)
        return total - sum(1 for m in self.story if m.tutor == tutor)

    def past_of(self, student: int) -> int:
        if student < len(self.story):
            return self.story[student].past
        return self.base_past

    def reschedules(self) -> list[StoryMatch]:
        return [m for m in self.story if "rescheduled" in m.steps]

    def awaiting_of(self, tutor: int) -> int:
        """Past sessions of this tutor still scheduled once the story is told."""
        story = sum(m.past - m.outcomes for m in self.story if m.tutor == tutor)
        return self.bulk_matches_of(tutor) * self.base_past + story

    def load_of(self, tutor: int) -> tuple[int, int]:
        """(past, future) sessions of this tutor, a reschedule's replacement included."""
        k = self.sessions_per_match
        bulk = self.bulk_matches_of(tutor)
        past = bulk * self.base_past + sum(m.past for m in self.story if m.tutor == tutor)
        future = bulk * (k - self.base_past)
        future += sum(k - m.past + ("rescheduled" in m.steps) for m in self.story if m.tutor == tutor)
        return past, future


class DemoSizeError(ValueError):
    """Sizes the demo cannot honour. `code` names the rule: `more_tutors_than_students`,
    `past_does_not_fit` or `future_does_not_fit`; the message says it in words, with what to change."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class _Casting:
    student: int
    tutor: int
    episode: Episode
    outcomes: int
    past: int


def make_plan(*, tutors: int, students: int, sessions_per_match: int) -> Plan:
    """The plan for these sizes; DemoSizeError when they cannot give what the contract promises."""
    if tutors > students:
        raise DemoSizeError(
            "more_tutors_than_students",
            f"--tutors {tutors} is more than --students {students}: every tutor needs a student "
            "(and past sessions waiting for an outcome); add students or lower --tutors",
        )
    k = sessions_per_match
    base = -(-k // 2)
    need = min(AWAITING_PER_TUTOR, k // 2)
    # A story match's past sessions are its outcomes, plus what its tutor still needs.
    cast = [
        _Casting(i, i % tutors, episode, outcomes=min(len(episode.steps), k), past=min(len(episode.steps), k))
        for i, episode in zip(range(students), EPISODES, strict=False)
    ]
    by_tutor: dict[int, list[_Casting]] = {}
    for casting in cast:
        by_tutor.setdefault(casting.tutor, []).append(casting)
    for tutor, story in by_tutor.items():
        matches = students // tutors + (1 if tutor < students % tutors else 0)
        awaiting = (matches - len(story)) * base
        # The running-low request is grown last: its awaiting sessions would soon find no package.
        growable = sorted(story, key=lambda c: c.episode.kind == "low")
        while awaiting < need:
            grown = [c for c in growable if c.past < k]
            if grown:
                # One at a time in turn, so no story match loses all its upcoming lessons first.
                for casting in grown:
                    if awaiting < need:
                        casting.past += 1
                        awaiting += 1
                continue
            # Every session of this tutor's story matches is in the past already: the story gives
            # way, from its last episode on.
            shrinking = next(c for c in reversed(story) if c.outcomes > 0)
            shrinking.outcomes -= 1
            awaiting += 1
    plan = Plan(
        tutors=tutors,
        students=students,
        sessions_per_match=k,
        story=tuple(StoryMatch(c.student, c.tutor, c.episode, c.outcomes, c.past) for c in cast),
    )
    _check_fit(plan)
    return plan


def _check_fit(plan: Plan) -> None:
    for tutor in range(plan.tutors):
        past, future = plan.load_of(tutor)
        if past > PAST_SLOTS:
            raise DemoSizeError(
                "past_does_not_fit",
                f"{past} past sessions per tutor do not fit in the {PAST_SLOTS} free hours of the "
                "last two weeks; add tutors or lower --sessions-per-match",
            )
        if future > FUTURE_SLOTS:
            raise DemoSizeError(
                "future_does_not_fit",
                f"{future} upcoming sessions per tutor do not fit in the {FUTURE_SLOTS} free hours of "
                "the next two weeks; add tutors or lower --sessions-per-match",
            )
