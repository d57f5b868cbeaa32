"""People (CONTRACT §11), admins only: invite, list and search, deactivate and reactivate, and the
students a guardian looks after. Everyone else gets 403 `forbidden`."""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field, StringConstraints

from tutordesk.accounts.models import User
from tutordesk.accounts.selectors import people_for, person_get, student_ids_of_guardians
from tutordesk.accounts.services import (
    EMAIL_PATTERN,
    guardian_students_set,
    person_deactivate,
    person_invite,
    person_reactivate,
)
from tutordesk.accounts.shapes import UserOut, user_dict
from tutordesk.api.auth import AuthedRequest
from tutordesk.api.idempotent import IdempotencyKey, respond_once
from tutordesk.api.pagination import keyset_page
from tutordesk.api.params import Cursor, Limit, ObjectId
from tutordesk.api.responses import LIST_ERRORS, WRITE_ERRORS, ok
from tutordesk.core.validation import NO_NUL_PATTERN, NOT_BLANK_PATTERN

router = Router(tags=["users"])

RoleName = Literal["admin", "tutor", "student", "guardian"]
TIMEZONE_NAMES: list[Any] = ["", None, *sorted(zoneinfo.available_timezones())]


class UserCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=EMAIL_PATTERN)] = Field(
        description="unique ignoring case (409 email_taken otherwise); stored in lower case"
    )
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NOT_BLANK_PATTERN)]
    role: RoleName
    timezone: str | None = Field(
        None,
        description="an IANA time zone name (Europe/Berlin); empty or left out: the business default",
        json_schema_extra={"enum": TIMEZONE_NAMES},
    )
    student_ids: list[uuid.UUID] = Field(
        default_factory=list,
        description=(
            "for a guardian only (any other role: validation_error): the students they look after; "
            "each must be a student's id (validation_error otherwise)"
        ),
    )


class UserStudentsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    student_ids: list[uuid.UUID] = Field(
        description="every student the guardian looks after (replaces the list)"
    )


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


def _with_students(users: list[User]) -> list[UserOut]:
    students = student_ids_of_guardians(u.pk for u in users if u.is_guardian)
    return [user_dict(u, students.get(u.pk)) for u in users]


def _one(user: User) -> UserOut:
    return _with_students([user])[0]


@router.get("/users", response={200: UserPage, **LIST_ERRORS}, operation_id="users_list")
def users_list(
    request: AuthedRequest,
    role: RoleName | None = None,
    q: str | None = Query(
        None, max_length=200, pattern=NO_NUL_PATTERN, description="part of the name or email, any case"
    ),
    limit: int = Limit,
    cursor: str | None = Cursor,
) -> HttpResponse:
    """Admins: everyone, oldest first, filtered by `role` and `q`."""
    people = people_for(request.auth, q=q or "", role=role or "").order_by("date_joined", "id")
    page = keyset_page(people, time_field="date_joined", cursor=cursor, limit=limit, to_dict=lambda u: u)
    return ok({"items": _with_students(page["items"]), "next_cursor": page["next_cursor"]})


@router.get("/users/{user_id}", response={200: UserOut, **WRITE_ERRORS}, operation_id="users_get")
def users_get(request: AuthedRequest, user_id: str = ObjectId) -> HttpResponse:
    return ok(_one(person_get(user_id=user_id, viewer=request.auth)))


@router.post("/users", response={201: UserOut, **WRITE_ERRORS}, operation_id="users_create")
def users_create(
    request: AuthedRequest, payload: UserCreateIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """An admin invites a person: they get an email with a single-use link (7 days) to set their
    password. No password is ever sent or shown."""

    def run() -> tuple[int, Any]:
        user = person_invite(
            actor=request.auth,
            email=payload.email,
            name=payload.name,
            role=payload.role,
            timezone=payload.timezone,
            student_ids=payload.student_ids,
        )
        return 201, user_dict(user, payload.student_ids if user.is_guardian else [])

    return respond_once(request, key=idempotency_key, run=run)


@router.post(
    "/users/{user_id}/deactivate", response={200: UserOut, **WRITE_ERRORS}, operation_id="users_deactivate"
)
def users_deactivate(
    request: AuthedRequest, user_id: str = ObjectId, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """They can no longer log in; their API tokens and calendar feed stop working; history stays.
    A tutor with upcoming scheduled lessons: 409 `has_upcoming_sessions` (reassign first)."""

    def run() -> tuple[int, Any]:
        return 200, _one(person_deactivate(actor=request.auth, user_id=user_id))

    return respond_once(request, key=idempotency_key, run=run)


@router.post(
    "/users/{user_id}/reactivate", response={200: UserOut, **WRITE_ERRORS}, operation_id="users_reactivate"
)
def users_reactivate(
    request: AuthedRequest, user_id: str = ObjectId, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    def run() -> tuple[int, Any]:
        return 200, _one(person_reactivate(actor=request.auth, user_id=user_id))

    return respond_once(request, key=idempotency_key, run=run)


@router.put(
    "/users/{user_id}/students", response={200: UserOut, **WRITE_ERRORS}, operation_id="users_students_set"
)
def users_students_set(
    request: AuthedRequest,
    payload: UserStudentsIn,
    user_id: str = ObjectId,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    """The students a guardian looks after (the whole list, all students)."""

    def run() -> tuple[int, Any]:
        return 200, _one(
            guardian_students_set(actor=request.auth, guardian_id=user_id, student_ids=payload.student_ids)
        )

    return respond_once(request, key=idempotency_key, run=run)
