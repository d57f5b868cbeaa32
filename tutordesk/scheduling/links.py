"""Where a lesson's meet link comes from when nobody typed one: the one hook of session creation
and of a lesson's edited link, filled by the meetings app.

Scheduling makes every session (`services.new_session`) and edits a lesson's details
(`services.session_update_details`), but the providers (Jitsi, Google Meet) live in `meetings`, a
floor above, which scheduling may not import. So meetings registers its `LinkProvider` here from
its `AppConfig.ready()`; without one (or with `TUTORDESK_MEETING_PROVIDER=none`) links are only
ever typed by hand. Every method runs inside the change's transaction and must not call out to
the network: a provider that needs a remote service asks the worker for a job (events.jobs).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tutordesk.scheduling.models import Session


@dataclass(frozen=True)
class NewLink:
    """A new session's link: what its row is written with, and what the provider keeps about it
    once the row exists (`then(session)`, in the same transaction)."""

    meet_link: str | None
    then: Callable[[Session], None] | None = None


class LinkProvider(Protocol):
    def new_session_link(
        self, *, tutor_id: uuid.UUID, meet_link: str | None, rescheduled_from: Session | None
    ) -> NewLink:
        """The link of a session about to be made. `meet_link` is what its maker gave: typed by
        hand, or, for a reschedule's replacement, the original's link (CONTRACT §3 rule 4)."""
        ...

    def link_cleared(self, session: Session) -> str | None:
        """`meet_link: null` on a scheduled lesson (the session as it is before the change): the
        link it gets instead, None for none (yet)."""
        ...


class TypedOnly:
    """No provider: a lesson has the link somebody typed, or none."""

    def new_session_link(
        self, *, tutor_id: uuid.UUID, meet_link: str | None, rescheduled_from: Session | None
    ) -> NewLink:
        return NewLink(meet_link)

    def link_cleared(self, session: Session) -> str | None:
        return None


_provider: LinkProvider = TypedOnly()


def register_link_provider(provider: LinkProvider) -> None:
    global _provider
    _provider = provider


def link_provider() -> LinkProvider:
    return _provider
