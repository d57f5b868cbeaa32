"""Reads of people: who looks after whom (guardians)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.models import Guardianship, User
from tutordesk.core.errors import NotFound


def students_of_guardian(guardian: User) -> QuerySet[Guardianship]:
    """The guardian's links, as a subquery-able queryset of `student_id`s (`.values("student_id")`)."""
    return Guardianship.objects.filter(guardian_id=guardian.pk)


def student_ids_seen_by(user: User) -> list[uuid.UUID]:
    """The students whose lessons, packages and emails this person sees as the student does:
    a student themself, a guardian each linked student, anyone else nobody."""
    if user.is_student:
        return [user.pk]
    if user.is_guardian:
        return list(
            students_of_guardian(user)
            .order_by("student__name", "student_id")
            .values_list("student_id", flat=True)
        )
    return []


def guardian_ids_of(student_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Each student's active guardians (for emails): one query for any number of students."""
    ids = set(student_ids)
    found: dict[uuid.UUID, list[uuid.UUID]] = {student_id: [] for student_id in ids}
    if not ids:
        return found
    rows = Guardianship.objects.filter(student_id__in=ids, guardian__is_active=True).values_list(
        "student_id", "guardian_id"
    )
    for student_id, guardian_id in rows.order_by("created_at", "id"):
        found[student_id].append(guardian_id)
    return found


# ---------------------------------------------------------------- people (admins)


def student_ids_of_guardians(guardian_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Each guardian's students (by name): one query for any number of guardians."""
    ids = set(guardian_ids)
    found: dict[uuid.UUID, list[uuid.UUID]] = {guardian_id: [] for guardian_id in ids}
    if not ids:
        return found
    rows = (
        Guardianship.objects.filter(guardian_id__in=ids)
        .order_by("student__name", "student_id")
        .values_list("guardian_id", "student_id")
    )
    for guardian_id, student_id in rows:
        found[guardian_id].append(student_id)
    return found


def people_for(viewer: User, *, q: str = "", role: str = "") -> QuerySet[User]:
    """Everyone (admins only), filtered by `role` and by `q` in the name or email."""
    require_admin(viewer, "see people")
    people = User.objects.all()
    if role:
        people = people.filter(role=role)
    q = q.strip()
    if q:
        people = people.filter(Q(name__icontains=q) | Q(email__icontains=q))
    return people


def person_get(*, user_id: Any, viewer: User) -> User:
    require_admin(viewer, "see people")
    try:
        return User.objects.get(pk=user_id)
    except (User.DoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound("No such person") from exc
