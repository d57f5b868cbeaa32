"""The demo's story, told through the product's own services, so its audit rows, package charges
and events are the ones the product writes.

For each story student (plan.EPISODES): the admin adds the request, matches the tutor and sells a
package; the tutor schedules every lesson of the match; the tutor records outcomes on past
lessons, in time order; the admin corrects one and renews a package that ran out.

Every call runs at the instant it happens in the story (`core.clock.at`), so the rows, the audit
log, the timelines and the events read in a believable order:
- the admin sets each story student up on the eve of the first lesson (`rows.eve`), from 09:00;
- the tutor books each lesson two to six days before it starts (right after the match is made,
  for the first lessons; in the last three days, for a lesson of the coming days);
- an outcome is recorded 5 to 40 minutes after the lesson ended, a reschedule before the lesson
  (a day ahead, or halfway between the booking and the lesson when that is sooner), the admin's
  correction half an hour to two hours after the tutor's record, and the renewal 10 to 30 minutes
  after the package ran out.
The calls of all episodes run in the order of those instants. Each instant is drawn from the seed
and the day, so the same seed on the same day gives the same times too. Every instant lies
before today (UTC): the last lesson of the past window ends by 20:00 yesterday.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tutordesk.accounts.models import User
from tutordesk.core import clock
from tutordesk.core.ids import ids_from
from tutordesk.demo.plan import StoryMatch
from tutordesk.demo.rows import PACKAGE_SIZE, DemoRows, IdStream, SessionSpec
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import session_correct_status, session_create, session_update_status
from tutordesk.scheduling.status import CONSUMING_STATUSES, SessionStatus
from tutordesk.tutoring.models import Match, TutoringRequest
from tutordesk.tutoring.services import match_create, package_create, request_create

NOTES: dict[str, list[str]] = {
    SessionStatus.DONE: [
        "Worked through last week's homework; new exercises set.",
        "Good progress; past exam questions next time.",
        "Covered the basics again; more practice needed.",
        "Finished the chapter; short quiz went well.",
    ],
    SessionStatus.NO_SHOW_STUDENT: [
        "Waited 15 minutes; the student did not join and did not answer messages."
    ],
    SessionStatus.NO_SHOW_TUTOR: ["My train was cancelled and I could not join; apologised to the student."],
    "corrected": ["Waited 15 minutes; nobody joined."],
    SessionStatus.RESCHEDULED: ["Moved at the student's request (school trip)."],
}
CORRECTION_REASON = (
    "The student did not join and had not cancelled; the tutor chose Tutor no-show by mistake. "
    "A student no-show uses a prepaid session."
)
SETUP_HOUR = 9  # on the eve of the first lesson, the admin sets the story students up from 09:00
SETUP_EVERY = timedelta(minutes=15)  # one story student after the other
MINUTE = timedelta(minutes=1)


def charged_by(steps: tuple[str, ...]) -> int:
    """Sessions these steps use up: done, student no-shows, and corrections to one."""
    return sum(1 for step in steps if step in CONSUMING_STATUSES or step == "corrected")


def package_sizes(match: StoryMatch) -> tuple[int, int | None]:
    """(the first package's size, the renewal's size or None) for a story match's steps."""
    charged = charged_by(match.steps)
    kind = match.episode.kind
    if kind == "exhausted":
        # Exactly what the lessons use, then a renewal once it has run out.
        return max(1, charged), PACKAGE_SIZE if charged else None
    if kind == "low":
        return charged + 2, None
    return PACKAGE_SIZE, None


@dataclass(frozen=True)
class Scene:
    """One service call of the story and the instant it happens."""

    when: datetime
    act: Callable[[], object]


def tell(rows: DemoRows, *, seed: int) -> int:
    """Tell the story; return the number of sessions it created."""
    rng = random.Random(f"tutordesk-demo:{seed}:story")
    # The rows the services make take their ids from the seed: the same seed gives the same ids.
    with ids_from(IdStream(random.Random(f"tutordesk-demo:{seed}:story-ids")).uuid):
        admin = User.objects.get(email="admin@example.com")
        episodes = [_Episode(rows, match, admin=admin, rng=rng) for match in rows.plan.story]
        scenes = [scene for episode in episodes for scene in episode.scenes]
        # In the order they happened; scenes at the same instant keep the order they were written in.
        for scene in sorted(scenes, key=lambda s: s.when):
            with clock.at(scene.when):
                scene.act()
    return sum(episode.sessions_made for episode in episodes)


@dataclass
class _Episode:
    """One story student's episode: its scenes, and what the services have returned so far (a
    scene only runs after the scenes it needs: its instant is later)."""

    rows: DemoRows
    match: StoryMatch
    admin: User
    rng: random.Random
    scenes: list[Scene] = field(default_factory=list)
    request: TutoringRequest | None = None
    tutoring: Match | None = None
    sessions: dict[int, Session] = field(default_factory=dict)

    def __post_init__(self) -> None:
        match, rows, rng = self.match, self.rows, self.rng
        student = User.objects.get(email=f"student{match.student + 1}@example.com")
        tutor = User.objects.get(email=f"tutor{match.tutor + 1}@example.com")
        first_size, renewal_size = package_sizes(match)
        setup = rows.eve + timedelta(hours=SETUP_HOUR) + SETUP_EVERY * match.student
        self._at(setup, self._open_request, student, rows.subjects[match.student])
        self._at(setup + 2 * MINUTE, self._match_tutor, tutor)
        self._at(setup + 4 * MINUTE, self._sell_package, first_size)

        specs: list[SessionSpec] = rows.story_sessions[match.student]
        booked_at: list[datetime] = []
        for index, spec in enumerate(specs):
            ahead = spec.start - timedelta(days=rng.randint(2, 6))
            if ahead >= rows.today:
                # A lesson of the coming days was booked in the last few days, not later today.
                ahead = rows.today - timedelta(days=rng.randint(1, 3))
            booked = ahead.replace(hour=rng.randint(9, 17), minute=5 * rng.randrange(12))
            booked = max(booked, setup + (10 + index) * MINUTE)
            booked_at.append(booked)
            self._at(booked, self._book, index, spec, tutor)

        recorded = sorted(rng.sample(range(match.past), len(match.steps)))
        last = setup
        for index, step in zip(recorded, match.steps, strict=True):
            spec = specs[index]
            ended = spec.start + timedelta(minutes=spec.duration_minutes)
            after_lesson = ended + rng.randint(5, 40) * MINUTE
            if step == "corrected":
                notes = _pick(rng, NOTES["corrected"])
                self._at(after_lesson, self._record, index, SessionStatus.NO_SHOW_TUTOR, tutor, notes)
                last = after_lesson + rng.randint(30, 120) * MINUTE
                self._at(last, self._correct, index)
            elif step == SessionStatus.RESCHEDULED:
                # Before the lesson: a day ahead, or halfway from its booking when that is sooner.
                halfway = booked_at[index] + (spec.start - booked_at[index]) / 2
                moved = max(halfway, spec.start - timedelta(days=1)).replace(second=0, microsecond=0)
                new_start = rows.replacement_starts[match.student]
                self._at(moved, self._record, index, step, tutor, _pick(rng, NOTES[step]), new_start)
                last = max(last, moved)
            else:
                self._at(after_lesson, self._record, index, step, tutor, _pick(rng, NOTES[step]))
                last = after_lesson
        if renewal_size is not None:
            # The package ran out with the last charge; the admin sells a new one soon after.
            self._at(last + rng.randint(10, 30) * MINUTE, self._sell_package, renewal_size)
        self.sessions_made = len(specs) + sum(1 for step in match.steps if step == SessionStatus.RESCHEDULED)

    def _at(self, when: datetime, act: Callable[..., object], *args: object) -> None:
        self.scenes.append(Scene(when, lambda: act(*args)))

    # -- the scenes: each one service call, as the admin or the tutor ------------------------

    def _open_request(self, student: User, subject: str) -> None:
        self.request = request_create(student=student, subject=subject, actor=self.admin)

    def _match_tutor(self, tutor: User) -> None:
        assert self.request is not None
        self.tutoring = match_create(request=self.request, tutor=tutor, actor=self.admin)

    def _sell_package(self, size: int) -> None:
        assert self.request is not None
        package_create(request_id=self.request.id, sessions_total=size, actor=self.admin)

    def _book(self, index: int, spec: SessionSpec, tutor: User) -> None:
        assert self.tutoring is not None
        self.sessions[index] = session_create(
            match_id=self.tutoring.id,
            scheduled_start_at=spec.start,
            duration_minutes=spec.duration_minutes,
            meet_link=spec.meet_link,
            actor=tutor,
            allow_past=True,  # the story's past lessons, told as the tutor
        )

    def _record(
        self, index: int, status: str, tutor: User, notes: str, new_start_at: datetime | None = None
    ) -> None:
        session_update_status(
            session_id=self.sessions[index].id,
            status=status,
            actor=tutor,
            tutor_notes=notes,
            new_start_at=new_start_at,
        )

    def _correct(self, index: int) -> None:
        session_correct_status(
            session_id=self.sessions[index].id,
            status=SessionStatus.NO_SHOW_STUDENT,
            reason=CORRECTION_REASON,
            actor=self.admin,
        )


def _pick(rng: random.Random, notes: list[str]) -> str:
    return notes[rng.randrange(len(notes))]
