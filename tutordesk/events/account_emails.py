"""People's emails: the invitation and the password reset, each with its single-use link.

Registered with `register_email_builder` (events.apps). The link's token is made here, when the
worker fans the event out (accounts.tokens): the event itself carries only the person's id, so no
token reaches the outbox's events, webhooks or logs.
"""

from __future__ import annotations

import uuid

from django.conf import settings

from tutordesk.accounts.models import Role, User
from tutordesk.accounts.tokens import password_link
from tutordesk.events.emails import _render
from tutordesk.events.models import EmailKind, EmailNotification, Event, EventType

SUBJECTS = {
    EmailKind.INVITATION: "You're invited to Tutordesk",
    EmailKind.PASSWORD_RESET: "Reset your Tutordesk password",
}


def _wanted(event: Event) -> tuple[EmailKind, str] | None:
    if event.type == EventType.USER_INVITED and event.data.get("send_invitation", True):
        return EmailKind.INVITATION, event.data["user"]["id"]
    if event.type == EventType.USER_PASSWORD_RESET_REQUESTED:
        return EmailKind.PASSWORD_RESET, event.data["user_id"]
    return None


def account_emails(events: list[Event]) -> list[EmailNotification]:
    wanted = [(event, found) for event in events if (found := _wanted(event)) is not None]
    if not wanted:
        return []
    ids = {uuid.UUID(user_id) for _, (_, user_id) in wanted}
    inviter_ids = {
        uuid.UUID(event.data["invited_by_user_id"])
        for event, _ in wanted
        if event.data.get("invited_by_user_id")
    }
    # Only active people: a deactivated person's link would not work anyway.
    people = {str(u.pk): u for u in User.objects.filter(pk__in=ids | inviter_ids)}
    days = settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)
    emails: list[EmailNotification] = []
    for event, (kind, user_id) in wanted:
        person = people.get(user_id)
        if person is None or not person.is_active:
            continue
        inviter = people.get(event.data.get("invited_by_user_id") or "")
        context = {
            "name": person.name,
            "email": person.email,
            "role_label": Role(person.role).label,
            "inviter": inviter.name if inviter is not None else "Your tutoring team",
            "link": password_link(person),
            "days": days,
        }
        text, html = _render(str(kind), context)
        emails.append(
            EmailNotification(
                event=event,
                kind=kind,
                recipient=person.email,
                subject=SUBJECTS[kind],
                body_text=text,
                body_html=html,
                next_attempt_at=event.dispatched_at,
            )
        )
    return emails
