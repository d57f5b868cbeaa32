"""Linking a guardian to a student, audited (the one write of `Guardianship` here)."""

from __future__ import annotations

from django.db import transaction

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.audit import GuardianLinkAdded
from tutordesk.accounts.models import Guardianship, User
from tutordesk.audit.services import audit_log_write
from tutordesk.core.errors import ValidationError, require


@transaction.atomic(savepoint=False)
def guardian_link_add(*, actor: User, guardian: User, student: User) -> Guardianship | None:
    """An admin records that `guardian` looks after `student`. None when they were linked already."""
    require_admin(actor, "link a guardian to a student")
    require(
        guardian.is_guardian, ValidationError, "Only a guardian can look after a student", field="guardian"
    )
    require(student.is_student, ValidationError, "A guardian looks after a student", field="student")
    if Guardianship.objects.filter(guardian=guardian, student=student).exists():
        return None
    link = Guardianship.objects.create(guardian=guardian, student=student)
    audit_log_write(
        actor=actor,
        entity_id=guardian.id,
        details=GuardianLinkAdded(guardian_id=guardian.id, student_id=student.id),
    )
    return link
