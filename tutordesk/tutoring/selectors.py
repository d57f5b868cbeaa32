"""Reads of requests, matches and packages, and who may see which."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from tutordesk.accounts.models import User
from tutordesk.accounts.selectors import students_of_guardian
from tutordesk.core.errors import Forbidden, NotFound
from tutordesk.tutoring.models import Match, Package, TutoringRequest


def packages_visible_to(user: User) -> QuerySet[Package]:
    """Admins see every package; students and tutors those of their own requests."""
    packages = Package.objects.all()
    if user.is_admin:
        return packages
    if user.is_student:
        return packages.filter(request__student_id=user.id)
    if user.is_guardian:
        return packages.filter(request__student_id__in=students_of_guardian(user).values("student_id"))
    if user.is_tutor:
        # A subquery, not a join: a tutor matched to one request twice must not see its packages
        # twice (a join would repeat them and double any sum over them).
        return packages.filter(request_id__in=Match.objects.filter(tutor_id=user.id).values("request_id"))
    return packages.none()


def _left_per_request(packages: QuerySet[Package]) -> QuerySet[Any, dict[str, Any]]:
    """Prepaid sessions still available per request: the unused part of its active packages
    (the one definition of "sessions left")."""
    return (
        packages.filter(status=Package.Status.ACTIVE)
        .values("request_id")
        .annotate(left=Sum(F("sessions_total") - F("sessions_used")))
        .order_by()
    )


def sessions_left_by_request(user: User, request_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Sessions left (`_left_per_request`) for each of these requests, in one query."""
    ids = set(request_ids)
    if not ids:
        return {}
    left = dict.fromkeys(ids, 0)
    for row in _left_per_request(packages_visible_to(user).filter(request_id__in=ids)):
        left[row["request_id"]] = row["left"] or 0
    return left


def sessions_left_of(user: User, request: OuterRef) -> Coalesce:
    """Sessions left (`_left_per_request`) of the request a row of another query names
    (`OuterRef("request_id")`): a subquery of that query, so a list shows the number without a
    statement of its own."""
    left = _left_per_request(packages_visible_to(user).filter(request_id=request))
    return Coalesce(Subquery(left.values("left")[:1]), 0)


def matches_visible_to(user: User) -> QuerySet[Match]:
    """Admins see every match, tutors their own. Students have no match list (Forbidden)."""
    matches = Match.objects.select_related("request")
    if user.is_admin:
        return matches
    if user.is_tutor:
        return matches.filter(tutor_id=user.id)
    raise Forbidden("Only tutors and admins can list matches")


def package_get(*, package_id: uuid.UUID | str, user: User) -> Package:
    """The package if this user may see it; NotFound otherwise (never a hint that it exists)."""
    try:
        return packages_visible_to(user).get(pk=package_id)
    except (Package.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such package") from exc


def requests_visible_to(user: User) -> QuerySet[TutoringRequest]:
    """Admins see every request; students their own; guardians their students'; tutors the
    requests they have been matched to (ended matches included: they taught those lessons)."""
    requests = TutoringRequest.objects.all()
    if user.is_admin:
        return requests
    if user.is_student:
        return requests.filter(student_id=user.id)
    if user.is_guardian:
        return requests.filter(student_id__in=students_of_guardian(user).values("student_id"))
    if user.is_tutor:
        return requests.filter(id__in=Match.objects.filter(tutor_id=user.id).values("request_id"))
    return requests.none()


def request_get(*, request_id: uuid.UUID | str, user: User) -> TutoringRequest:
    """The request if this user may see it; NotFound otherwise."""
    try:
        return requests_visible_to(user).select_related("student").get(pk=request_id)
    except (TutoringRequest.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such request") from exc


def match_get(*, match_id: uuid.UUID | str, user: User) -> Match:
    """The match if this user may see it (admins: every match; tutors: their own); NotFound
    otherwise, students included."""
    try:
        if not (user.is_admin or user.is_tutor):
            raise Match.DoesNotExist
        return matches_visible_to(user).select_related("tutor").get(pk=match_id)
    except (Match.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such match") from exc
