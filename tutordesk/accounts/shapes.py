"""The JSON shape of the calling user (`GET /api/v1/me`)."""

from __future__ import annotations

import uuid
from typing import Literal

from typing_extensions import TypedDict

from tutordesk.accounts.models import User
from tutordesk.core.shapes import UuidText


class MeOut(TypedDict):
    id: UuidText
    email: str
    name: str
    role: Literal["student", "tutor", "admin"]
    timezone: str


def me_dict(user: User) -> MeOut:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,  # type: ignore[typeddict-item]  # django-stubs types a choices CharField as str; a CHECK constraint holds the values
        "timezone": user.timezone,
    }


class UserOut(TypedDict):
    """A person as admins see them (CONTRACT §11): `student_ids` are a guardian's students, else []."""

    id: UuidText
    email: str
    name: str
    role: Literal["student", "tutor", "admin", "guardian"]
    timezone: str
    is_active: bool
    student_ids: list[UuidText]


def user_dict(user: User, student_ids: list[uuid.UUID] | None = None) -> UserOut:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,  # type: ignore[typeddict-item]  # a CHECK constraint holds the values
        "timezone": user.timezone,
        "is_active": user.is_active,
        "student_ids": [str(student_id) for student_id in student_ids or []],
    }
