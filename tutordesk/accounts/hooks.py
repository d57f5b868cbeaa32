"""What a change to a person means to the floors above, without this floor importing them.

`accounts` (floor 2) sits below `events` (3) and `scheduling` (5), yet a person's changes must
write their events, and a tutor with upcoming lessons may not be deactivated. So those apps
register here from their `AppConfig.ready()`, as higher apps register job kinds with the worker:

- a **person event listener** (`register_person_event_listener`): called with each change's
  events (type and JSON data), synchronously, inside the change's own transaction. `events`
  records them in the outbox, so a rolled-back change has none and a committed one has all.
- a **deactivation check** (`register_deactivation_check`): called with the person about to be
  deactivated, inside the transaction, after their row is locked; it raises a `DomainError`
  (`has_upcoming_sessions`) to refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tutordesk.accounts.models import User

# The event types of people's changes (the value is the type webhook receivers see).
USER_INVITED = "user.invited"
USER_UPDATED = "user.updated"
USER_DEACTIVATED = "user.deactivated"
USER_REACTIVATED = "user.reactivated"
USER_STUDENTS_CHANGED = "user.students_changed"
# Carries only the person's id: the reset link is made when the email is built, never stored.
USER_PASSWORD_RESET_REQUESTED = "user.password_reset_requested"


@dataclass(frozen=True)
class PersonEvent:
    type: str
    data: dict[str, Any]


PersonEventListener = Callable[[Sequence[PersonEvent]], None]
DeactivationCheck = Callable[[User], None]

_LISTENERS: list[PersonEventListener] = []
_CHECKS: list[DeactivationCheck] = []


def register_person_event_listener(listener: PersonEventListener) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def register_deactivation_check(check: DeactivationCheck) -> None:
    if check not in _CHECKS:
        _CHECKS.append(check)


def person_events(*changes: PersonEvent) -> None:
    """Hand a change's events to the listeners (call it beside the audit row)."""
    for listener in _LISTENERS:
        listener(changes)


def check_deactivation(user: User) -> None:
    """Raise when a higher app refuses to let `user` go (their upcoming lessons, say)."""
    for check in _CHECKS:
        check(user)
