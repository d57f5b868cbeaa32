"""Issuing and turning off calendar links; each change is audited (never the token or its hash)."""

from __future__ import annotations

from django.db import transaction

from tutordesk.accounts.models import User
from tutordesk.audit.services import audit_log_write
from tutordesk.calendars.audit import CalendarFeedIssued, CalendarFeedRevoked
from tutordesk.calendars.models import CalendarFeed
from tutordesk.calendars.tokens import token_hash
from tutordesk.core import clock


@transaction.atomic(savepoint=False)
def calendar_feed_issue(*, actor: User, token: str) -> CalendarFeed:
    """Give `actor` a calendar link with `token` (see tokens.new_feed_token), replacing any
    earlier one: the old link answers 404 from now on."""
    # The user's row serialises two issues at once (one feed row per user).
    User.objects.select_for_update(no_key=True).filter(pk=actor.pk).exists()
    now = clock.now()
    feed = CalendarFeed.objects.filter(user_id=actor.pk).first()
    replaced = feed is not None
    if feed is None:
        feed = CalendarFeed.objects.create(user_id=actor.pk, token_hash=token_hash(token), issued_at=now)
    else:
        CalendarFeed.objects.filter(pk=feed.pk).update(token_hash=token_hash(token), issued_at=now)
        feed.issued_at = now
    audit_log_write(
        actor=actor,
        entity_id=feed.id,
        details=CalendarFeedIssued(user_id=actor.pk, replaced_earlier_link=replaced),
    )
    return feed


@transaction.atomic(savepoint=False)
def calendar_feed_revoke(*, actor: User) -> bool:
    """Turn `actor`'s calendar link off; False when there was none (nothing to do, nothing audited)."""
    User.objects.select_for_update(no_key=True).filter(pk=actor.pk).exists()
    feed = CalendarFeed.objects.filter(user_id=actor.pk).first()
    if feed is None:
        return False
    feed_id = feed.id
    feed.delete()
    audit_log_write(
        actor=actor,
        entity_id=feed_id,
        details=CalendarFeedRevoked(user_id=actor.pk),
    )
    return True
