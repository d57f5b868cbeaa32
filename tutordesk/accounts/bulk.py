"""Many people added in one change (an import of thousands of enrolments), each with its audit
row and its invitation exactly as `services.person_invite` writes them, in a few multi-row INSERTs
instead of a round trip per person. The caller has checked every field by the same rules (`onboarding.csvfile`:
emails, names, roles, IANA zones) and that no email is taken (one batched look-up)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction

from tutordesk.accounts import hooks
from tutordesk.accounts.access import require_admin
from tutordesk.accounts.audit import GuardianLinkAdded, UserInvited
from tutordesk.accounts.hooks import PersonEvent, person_events
from tutordesk.accounts.models import Guardianship, Role, User, known_timezones
from tutordesk.accounts.shapes import user_dict
from tutordesk.audit.services import audit_logs_write_many
from tutordesk.core.db.rows import insert_rows
from tutordesk.core.errors import ValidationError, require


@dataclass(frozen=True)
class NewPerson:
    email: str  # lower case, not taken
    name: str
    role: str
    timezone: str


@transaction.atomic(savepoint=False)
def users_create_many(*, actor: User, people: Sequence[NewPerson]) -> list[User]:
    """Add these people (no usable password: they cannot log in until they set one from their
    invitation's link), audited one row each as `user_invited`, with one `user.invited` event each
    (handed to the listeners in one call: the worker sends each invitation email)."""
    require_admin(actor, "add users")
    users: list[User] = []
    for person in people:
        require(person.role in Role.values, ValidationError, f"Unknown role {person.role!r}", field="role")
        require(person.timezone in known_timezones(), ValidationError, "Unknown time zone", field="timezone")
        user = User(email=person.email, name=person.name, role=person.role, timezone=person.timezone)
        # What `set_unusable_password` stores, without its 40 calls to random.choice per person.
        user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
        users.append(user)
    if not users:
        return users
    insert_rows(users)
    audit_logs_write_many(
        actor=actor,
        rows=[
            (
                user.id,
                UserInvited(
                    email=user.email,
                    name=user.name,
                    role=user.role,
                    timezone=user.timezone,
                    is_active=True,
                    invitation_sent=True,
                ),
            )
            for user in users
        ],
    )
    person_events(
        *(
            PersonEvent(
                hooks.USER_INVITED,
                {
                    "user": dict(user_dict(user, [])),
                    "invited_by_user_id": str(actor.pk),
                    "send_invitation": True,
                },
            )
            for user in users
        )
    )
    return users


@transaction.atomic(savepoint=False)
def guardian_links_add_many(*, actor: User, pairs: Sequence[tuple[User, User]]) -> list[Guardianship]:
    """Link each (guardian, student) pair not linked yet (the caller has looked them up), audited
    one row each as `guardian_link_added`."""
    require_admin(actor, "link a guardian to a student")
    links = []
    for guardian, student in pairs:
        require(
            guardian.is_guardian,
            ValidationError,
            "Only a guardian can look after a student",
            field="guardian",
        )
        require(student.is_student, ValidationError, "A guardian looks after a student", field="student")
        links.append(Guardianship(guardian=guardian, student=student))
    insert_rows(links)
    audit_logs_write_many(
        actor=actor,
        rows=[
            (link.guardian_id, GuardianLinkAdded(guardian_id=link.guardian_id, student_id=link.student_id))
            for link in links
        ],
    )
    return links
