"""Reads of requests and packages, and the ledger check."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, F, Q, QuerySet

from tutordesk.accounts.models import User
from tutordesk.core.errors import Forbidden, NotFound
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import CONSUMING_STATUSES
from tutordesk.tutoring.models import Match, Package


def packages_visible_to(user: User) -> QuerySet[Package]:
    """Admins see every package; students and tutors those of their own requests."""
    packages = Package.objects.all()
    if user.is_admin:
        return packages
    if user.is_student:
        return packages.filter(request__student_id=user.id)
    if user.is_tutor:
        # A subquery, not a join: a tutor matched to one request twice must not see its packages
        # twice (a join would repeat them and double any sum over them).
        return packages.filter(request_id__in=Match.objects.filter(tutor_id=user.id).values("request_id"))
    return packages.none()


def ledger_problems() -> Iterator[str]:
    """Every way the packages disagree with the sessions charged to them (CONTRACT §2)."""
    charged = Count("sessions", filter=Q(sessions__status__in=CONSUMING_STATUSES))
    rows = (
        Package.objects.annotate(charged=charged)
        .values_list("id", "sessions_used", "sessions_total", "status", "charged")
        .order_by("created_at", "id")
    )
    for package_id, used, total, status, charged_count in rows.iterator(chunk_size=2000):
        if not 0 <= used <= total:
            yield f"package {package_id}: sessions_used {used} outside 0..{total}"
        if used != charged_count:
            yield (
                f"package {package_id}: sessions_used is {used} but {charged_count} "
                "session(s) charged to it consume a session"
            )
        if status == Package.Status.EXHAUSTED and used != total:
            yield f"package {package_id}: exhausted with {total - used} session(s) left"
        if status == Package.Status.ACTIVE and used >= total:
            yield f"package {package_id}: active with no session left"
    uncharged = Session.objects.filter(status__in=CONSUMING_STATUSES, package__isnull=True)
    for session_id in uncharged.values_list("id", flat=True).iterator(chunk_size=2000):
        yield f"session {session_id}: consumes a session but is charged to no package"
    foreign = Session.objects.filter(package__isnull=False).exclude(package__request_id=F("request_id"))
    for session_id in foreign.values_list("id", flat=True).iterator(chunk_size=2000):
        yield f"session {session_id}: charged to a package of another request"


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
