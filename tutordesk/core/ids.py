"""Row ids: a random UUID (version 4) each, unless a caller asks for ids from its own stream.

Every model's `id` defaults to `new_id`. The demo's story (`seed_demo`) runs the product's
services inside `ids_from(seeded)`, so the rows those services make get the same ids for the same
seed, while every other caller keeps random ones. The stream is per thread and per task
(a context variable), so nothing else running at the same time is affected.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_source: ContextVar[Callable[[], uuid.UUID] | None] = ContextVar("tutordesk_id_source", default=None)


def new_id() -> uuid.UUID:
    source = _source.get()
    return source() if source is not None else uuid.uuid4()


@contextmanager
def ids_from(source: Callable[[], uuid.UUID]) -> Iterator[None]:
    """Rows created inside this block take their ids from `source`."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)
