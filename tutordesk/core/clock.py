"""The time every service, selector and worker job reads: `clock.now()`.

It is `django.utils.clock.now()` unless a caller sets another instant for a stretch of code
with `clock.at(when)`. The demo's story (`seed_demo`) tells its lessons through the product's own
services at the times they happened (a package bought three weeks ago, a lesson booked before it
took place, its outcome recorded after it ended), and tests of time-driven work (reminders, nudges)
move the clock instead of sleeping. The instant is per thread and per task (a context variable),
exactly like `core.ids`, so nothing else running at the same time is affected.

The models' `created_at` and `updated_at` columns read the same clock (`CreatedAtField`,
`UpdatedAtField` below), so a row written at a set instant says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("tutordesk_clock", default=None)


def now() -> datetime:
    """The current instant (aware, UTC), or the one `at()` set."""
    frozen = _frozen.get()
    return frozen if frozen is not None else timezone.now()


@contextmanager
def at(when: datetime) -> Iterator[datetime]:
    """Within the block, `now()` is `when` (an aware time)."""
    if timezone.is_naive(when):
        raise ValueError("clock.at() needs an aware datetime")
    token = _frozen.set(when)
    try:
        yield when
    finally:
        _frozen.reset(token)


class CreatedAtField(models.DateTimeField):
    """Set once, when the row is first saved, from `clock.now()` (Django's auto_now_add reads the
    wall clock directly)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance: models.Model, add: bool) -> datetime:
        value = getattr(model_instance, self.attname)
        if add and value is None:
            value = now()
            setattr(model_instance, self.attname, value)
        return value


class UpdatedAtField(models.DateTimeField):
    """Set from `clock.now()` on every change: a save through the ORM, `core.db.rows.update_if`
    (through the same `pre_save`), and the UPDATEs written by hand (`core.db.rows.stamp_values`).
    Callers never set it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def stamp(self) -> datetime:
        """The value for a change made now."""
        return now()

    def pre_save(self, model_instance: models.Model, add: bool) -> datetime:
        value = self.stamp()
        setattr(model_instance, self.attname, value)
        return value
