"""The JSON shapes of requests, packages and matches (CONTRACT §4 `Package`, `Match`; §11 `Request`)."""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypedDict

from tutordesk.core.shapes import IsoDateTime, UuidText, time_text
from tutordesk.tutoring.models import Match, Package, TutoringRequest


class PackageOut(TypedDict):
    id: UuidText
    request_id: UuidText
    sessions_total: int
    sessions_used: int
    sessions_remaining: int
    status: Literal["active", "exhausted", "cancelled"]
    created_at: IsoDateTime
    updated_at: IsoDateTime


class MatchOut(TypedDict):
    id: UuidText
    request_id: UuidText
    tutor_id: UuidText
    student_id: UuidText
    subject: str
    status: Literal["active", "ended"]


class RequestOut(TypedDict):
    id: UuidText
    student_id: UuidText
    subject: str
    status: Literal["open", "matched", "closed"]
    created_at: IsoDateTime


def request_dict(request: TutoringRequest) -> RequestOut:
    return {
        "id": str(request.id),
        "student_id": str(request.student_id),
        "subject": request.subject,
        "status": request.status,  # type: ignore[typeddict-item]  # django-stubs types a choices CharField as str; a CHECK constraint holds the values
        "created_at": time_text(request.created_at),
    }


def package_dict(package: Package) -> PackageOut:
    return {
        "id": str(package.id),
        "request_id": str(package.request_id),
        "sessions_total": package.sessions_total,
        "sessions_used": package.sessions_used,
        "sessions_remaining": package.sessions_remaining,
        "status": package.status,  # type: ignore[typeddict-item]  # django-stubs types a choices CharField as str; a CHECK constraint holds the values
        "created_at": time_text(package.created_at),
        "updated_at": time_text(package.updated_at),
    }


def match_dict(match: Match) -> MatchOut:
    """Reads `match.request` (select_related it for lists)."""
    return {
        "id": str(match.id),
        "request_id": str(match.request_id),
        "tutor_id": str(match.tutor_id),
        "student_id": str(match.request.student_id),
        "subject": match.request.subject,
        "status": match.status,  # type: ignore[typeddict-item]  # django-stubs types a choices CharField as str; a CHECK constraint holds the values
    }


class ReassignmentOut(TypedDict):
    ended: MatchOut
    match: MatchOut
    moved: int
