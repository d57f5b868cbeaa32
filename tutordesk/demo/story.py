"""The demo's story, told through the product's own services, so its audit rows, package charges
and events are the ones the product writes.

For each story student (plan.EPISODES): the admin adds the request, matches the tutor and sells a
package; the tutor schedules every lesson of the match; then the tutor records outcomes on past
lessons, in time order, and the admin corrects one and renews a package that ran out.
"""

from __future__ import annotations

import random
from datetime import datetime

from tutordesk.accounts.models import User
from tutordesk.core.ids import ids_from
from tutordesk.demo.plan import StoryMatch
from tutordesk.demo.rows import PACKAGE_SIZE, DemoRows, IdStream, SessionSpec
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import session_correct_status, session_create, session_update_status
from tutordesk.scheduling.status import CONSUMING_STATUSES, SessionStatus
from tutordesk.tutoring.services import match_create, package_create, request_create

NOTES = {
    "done": [
        "Worked through last week's homework; new exercises set.",
        "Good progress; past exam questions next time.",
        "Covered the basics again; more practice needed.",
        "Finished the chapter; short quiz went well.",
    ],
    "no_show_student": ["Waited 15 minutes; the student did not join and did not answer messages."],
    "no_show_tutor": ["My train was cancelled and I could not join; apologised to the student."],
    "corrected": ["Waited 15 minutes; nobody joined."],
    "rescheduled": ["Moved at the student's request (school trip)."],
}
CORRECTION_REASON = (
    "The student did not join and had not cancelled; the tutor chose Tutor no-show by mistake. "
    "A student no-show uses a prepaid session."
)


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


def tell(rows: DemoRows, *, seed: int) -> int:
    """Tell the story; return the number of sessions it created."""
    rng = random.Random(f"tutordesk-demo:{seed}:story")
    created = 0
    # The rows the services make take their ids from the seed: the same seed gives the same ids.
    with ids_from(IdStream(random.Random(f"tutordesk-demo:{seed}:story-ids")).uuid):
        admin = User.objects.get(email="admin@example.com")
        for match in rows.plan.story:
            created += _episode(rows, match, admin=admin, rng=rng)
    return created


def _episode(rows: DemoRows, match: StoryMatch, *, admin: User, rng: random.Random) -> int:
    student = User.objects.get(email=f"student{match.student + 1}@example.com")
    tutor = User.objects.get(email=f"tutor{match.tutor + 1}@example.com")
    request = request_create(student=student, subject=rows.subjects[match.student], actor=admin)
    tutoring = match_create(request=request, tutor=tutor, actor=admin)
    first_size, renewal_size = package_sizes(match)
    package_create(request_id=request.id, sessions_total=first_size, actor=admin)
    specs: list[SessionSpec] = rows.story_sessions[match.student]
    sessions = [
        session_create(
            match_id=tutoring.id,
            scheduled_start_at=spec.start,
            duration_minutes=spec.duration_minutes,
            meet_link=spec.meet_link,
            actor=tutor,
        )
        for spec in specs
    ]
    past = sessions[: match.past]
    recorded = sorted(rng.sample(range(len(past)), len(match.steps)))
    for index, step in zip(recorded, match.steps, strict=True):
        session = past[index]
        if step == "corrected":
            _record(session, SessionStatus.NO_SHOW_TUTOR, tutor, rng, notes=NOTES["corrected"])
            session_correct_status(
                session_id=session.id,
                status=SessionStatus.NO_SHOW_STUDENT,
                reason=CORRECTION_REASON,
                actor=admin,
            )
        elif step == SessionStatus.RESCHEDULED:
            _record(session, step, tutor, rng, new_start_at=rows.replacement_starts[match.student])
        else:
            _record(session, step, tutor, rng)
    if renewal_size is not None:
        package_create(request_id=request.id, sessions_total=renewal_size, actor=admin)
    return len(sessions) + sum(1 for step in match.steps if step == SessionStatus.RESCHEDULED)


def _record(
    session: Session,
    status: str,
    tutor: User,
    rng: random.Random,
    *,
    new_start_at: datetime | None = None,
    notes: list[str] | None = None,
) -> None:
    notes = notes or NOTES[status]
    session_update_status(
        session_id=session.id,
        status=status,
        actor=tutor,
        tutor_notes=notes[rng.randrange(len(notes))],
        new_start_at=new_start_at,
    )
