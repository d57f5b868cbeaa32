"""The JSON shape of the calling user (`GET /api/v1/me`)."""

from __future__ import annotations

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
