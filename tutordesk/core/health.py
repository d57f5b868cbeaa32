"""Liveness and readiness for load balancers and orchestrators (CONTRACT §7).

Twenty lines of our own rather than a health-check library: the contract wants exactly two
answers (the process is up; the database answers) with a small JSON body, and nothing to install.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tutordesk.core.db import is_unavailable


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers; the database is not touched."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 (naming what failed) when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        return JsonResponse(
            {"status": "unavailable", "checks": {"database": f"unavailable: {type(exc).__name__}"}},
            status=503,
            headers={"Retry-After": "5"},
        )
    return JsonResponse({"status": "ok", "checks": {"database": "ok"}})
