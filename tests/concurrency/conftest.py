from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection, transaction

from tutordesk.core.errors import DomainError


def race(count: int, work: Callable[[int], Any]) -> list[str]:
    """Run `work(i)` in `count` threads released together, each on its own database connection,
    each in its own outermost transaction; return "ok" or the domain error code per thread."""
    barrier = threading.Barrier(count, timeout=60)

    def one(index: int) -> str:
        try:
            barrier.wait()
            with transaction.atomic(durable=True):
                work(index)
            return "ok"
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count), timeout=180))
