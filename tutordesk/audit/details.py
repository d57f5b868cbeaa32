"""One typed shape per audit action: what its `details` hold, written and read through the same type.

An audit row is append-only and lives forever, so its shape only ever grows. The rules:

- Each action has exactly one shape, an `AuditDetails` subclass declared by the app that owns the
  change (`scheduling/audit.py`, `tutoring/audit.py`, …), which names its `action` and `entity`.
  `audit.services.audit_log_write` takes an instance, so a row can only be written in its shape.
- A field added later has a default, so every row written before it still reads. A field is never
  renamed or removed: a reader that wants another name adds a validator that accepts both.
- `details_of(log)` reads a stored row back into its shape. A row that does not fit (an action this
  code no longer knows, a value of another type) is read as `UnreadableDetails`, which keeps the raw
  JSON: a page shows it as it was written, never blank and never an error.
  `tests/audit/test_historic_details.py` reads and renders a stored row of every shape ever written.
- Each shape says itself in words (`words`), for the audit log and the timelines, naming people
  through `Names` (the page looks every mentioned person up in one query: `people()`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar

from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic import ValidationError as PydanticValidationError

from tutordesk.audit.models import AuditAction, AuditEntity, AuditLog

# Times as the rows have always held them (`isoformat()`: "+00:00", not pydantic's "Z").
Instant = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)]

_SHAPES: dict[str, type[AuditDetails]] = {}


class Names:
    """People's names by id, for words. An id nobody can find reads as "someone"."""

    def __init__(self, names: Mapping[uuid.UUID, str] | None = None) -> None:
        self._names = dict(names or {})

    def __call__(self, person_id: uuid.UUID | None) -> str:
        if person_id is None:
            return "nobody"
        return self._names.get(person_id, "someone")


class AuditDetails(BaseModel):
    """The details of one audit action. Subclasses set `action` and `entity` and declare fields."""

    model_config = ConfigDict(frozen=True, extra="allow", serialize_by_alias=True, validate_by_name=True)

    action: ClassVar[AuditAction]
    entity: ClassVar[AuditEntity]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        action = cls.__dict__.get("action")
        if action is None:
            return  # an abstract base of several shapes
        if str(action) in _SHAPES:
            raise TypeError(
                f"audit action {action} has two shapes: {_SHAPES[action].__name__}, {cls.__name__}"
            )
        _SHAPES[str(action)] = cls

    def as_json(self) -> dict[str, Any]:
        """What the row's `details` column stores."""
        return self.model_dump(mode="json")

    def people(self) -> Iterable[uuid.UUID]:
        """The ids of the people `words` names (looked up together by the page)."""
        return ()

    def words(self, names: Names) -> str:
        """The change in a sentence, for a person reading the audit log."""
        return str(self.action.label)


class UnreadableDetails(AuditDetails):
    """A stored row this code cannot read into a shape: kept as it was written (`raw`)."""

    raw: dict[str, Any] = {}
    problem: str = ""

    def words(self, names: Names) -> str:
        return "Recorded in a form this version cannot put into words; the details below are as written."


def shape_of(action: str) -> type[AuditDetails] | None:
    return _SHAPES.get(action)


def shapes() -> dict[str, type[AuditDetails]]:
    """Every action's shape (for tests and documentation)."""
    return dict(_SHAPES)


def read_details(action: str, details: object) -> AuditDetails:
    """The stored `details` of a row with `action`, read into that action's shape."""
    shape = _SHAPES.get(action)
    raw = details if isinstance(details, dict) else {}
    if shape is None:
        return UnreadableDetails(raw=raw, problem=f"unknown action {action!r}")
    try:
        return shape.model_validate(raw)
    except PydanticValidationError as exc:
        return UnreadableDetails(raw=raw, problem=str(exc.errors(include_url=False)[:3]))


def details_of(log: AuditLog) -> AuditDetails:
    return read_details(log.action, log.details)


class FromTo(BaseModel):
    """A value before and after a change, stored as {"from": …, "to": …}."""

    model_config = ConfigDict(frozen=True, serialize_by_alias=True, validate_by_name=True)

    before: Any = Field(alias="from")
    after: Any = Field(alias="to")


class OldNew(BaseModel):
    """A value before and after a change, stored as {"old": …, "new": …} (a person's fields)."""

    model_config = ConfigDict(frozen=True)

    old: Any = None
    new: Any = None


def when_text(value: datetime | None) -> str:
    """A time in words, in the reader's time zone (the pages set it)."""
    if value is None:
        return "an unknown time"
    local = timezone.localtime(value)
    return f"{local:%a %-d %b %Y, %H:%M} {local:%Z}"
