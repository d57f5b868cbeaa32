"""What a page's change answered: the typed outcomes web.once stores under the form's key and
parses back on a replay.

An outcome is stored as JSON and may be replayed up to a day later, by a newer version of this
code: the field names are the stored keys, and a type reads any answer stored for its page since
the outcomes were dicts (unknown keys are ignored, missing ones take their defaults). Every
refusal carries `error`, and no answer of a change does, which is how a stored answer is told
apart (`parse`).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict


class Outcome(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Refused(Outcome):
    """The change was refused and nothing changed: `error` in words for the page."""

    error: str
    field: str | None = None  # the form field the refusal belongs to, when it names one
    conflicting_session_id: str | None = None  # the other lesson of a double booking
    # The session is not there for this user (404) or not theirs to change (403): the page
    # answers with that status instead of showing `error`.
    refused: Literal["not_found", "forbidden"] | None = None
    # Every clash of a change that books several lessons at once (a reassignment), as the API's
    # `conflicts`: {scheduled_start_at, conflicting_session_id, conflicting_start_at}.
    conflicts: list[dict[str, str | None]] | None = None


class Done(Outcome):
    """A change went through; `notice` says so, and `next` is where to go when not back."""

    notice: str = ""
    next: str | None = None


class Recorded(Outcome):
    """A session's status was recorded or corrected, or `already` was what the form asked for
    (the same change went through before, under another key): nothing charged twice."""

    notice: str = ""
    replacement_id: uuid.UUID | None = None
    already: bool = False


class Scheduled(Outcome):
    session_id: uuid.UUID


class SeriesBooked(Outcome):
    """A series of lessons booked (CONTRACT §12)."""

    series_id: uuid.UUID
    sessions: int


class SecretMade(Outcome):
    """A webhook endpoint's new signing secret, shown once: in this change's answer (and its replay)."""

    secret: str


class EndpointAdded(SecretMade):
    endpoint_id: uuid.UUID


A = TypeVar("A", bound=Outcome)


def parse(answer: type[A], body: dict[str, Any]) -> A | Refused:
    """A stored (or fresh) answer of a change whose outcome is `answer`, as its type."""
    if "error" in body:
        return Refused.model_validate(body)
    return answer.model_validate(body)
