"""Reads for calendar feeds: whose link a token is, and the sessions a feed lists."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from tutordesk.accounts.models import User
from tutordesk.audit.models import AuditAction, AuditEntity, AuditLog
from tutordesk.calendars.models import CalendarFeed
from tutordesk.calendars.tokens import token_hash
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.selectors import sessions_visible_to

FEED_DAYS_BACK = 60
MAX_TOKEN_LENGTH = 100


def calendar_feed_of(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user_id=user.pk).first()


def calendar_feed_owner(token: str) -> User | None:
    """The active user whose current link holds `token`, or None (unknown, replaced or turned off)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), user__is_active=True)
        .first()
    )
    return feed.user if feed is not None else None


def calendar_feed_sessions(user: User, *, now: datetime) -> QuerySet[Session]:
    """The sessions a user's feed lists (theirs, or all for an admin) from 60 days back on, each
    annotated with `sequence`: how many changes the audit log records since it was created (a
    status recorded, a correction). Audit rows are never removed, so it only ever grows."""
    changes = (
        AuditLog.objects.filter(entity_type=AuditEntity.SESSION, entity_id=OuterRef("pk"))
        .exclude(action=AuditAction.SESSION_CREATED)
        .order_by()
        .values("entity_id")
        .annotate(count=Count("id"))
        .values("count")
    )
    return (
        sessions_visible_to(user)
        .filter(scheduled_start_at__gte=now - timedelta(days=FEED_DAYS_BACK))
        .select_related("request", "tutor", "student")
        .annotate(sequence=Coalesce(Subquery(changes, output_field=IntegerField()), Value(0)))
        .order_by("scheduled_start_at", "id")
    )
