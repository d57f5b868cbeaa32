"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py tutordesk.wsgi:application`.

Sized from the CPU count; every value can be overridden from the environment (docs/operations.md
explains the sizing against PostgreSQL's max_connections). Each worker (each thread, with gthread)
keeps at most one database connection, so one host opens at most WORKERS × THREADS connections.
Run it behind a reverse proxy that buffers requests and responses (nginx, a cloud load balancer):
a sync worker serves one client at a time, and a slow client must not hold it.
"""

from __future__ import annotations

import json
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)  # a bad value stops the start, like the app's own settings
    if value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {raw!r}")
    return value


cpus = len(os.sched_getaffinity(0))

bind = os.environ.get("TUTORDESK_BIND", "127.0.0.1:8000")
# Sync workers, one request at a time each: every new connection waits in the kernel's one accept
# queue for whichever worker is free first, so under load each request waits its fair turn. With
# gthread, a kept-alive connection stays with the worker that accepted it, busy or not, and the
# unlucky ones wait longest: at 32 connections on 2 cores, gthread 3 × 4 gave p99 130–153 ms where
# sync 6 × 1 gave 73–105 ms (docs/operations.md, "Sizing workers").
# Three workers per core, as measured: with 2 cores, sizes alternated in one run, 6 workers gave
# p99 97–99 ms at 32 connections, 4 gave 104–115 ms and 8 gave 156 ms. Each worker is a process of
# about 75 MB (measured after serving the API) and holds one database connection. `cpus` counts
# the CPUs this process may run on (a container's CPU set, not the host's).
workers = _int("TUTORDESK_WORKERS", 3 * cpus)
worker_class = os.environ.get("TUTORDESK_WORKER_CLASS", "sync")
# More than one thread turns a sync worker into gunicorn's gthread worker.
threads = _int("TUTORDESK_THREADS", 1)

# A sync worker tells the master it is alive only between requests, so this bounds every request:
# past it the worker is restarted. The longest is the audit log's CSV export, streamed row by row;
# on a very large log, filter the export (it follows the audit page's filters) or raise this.
timeout = _int("TUTORDESK_REQUEST_TIMEOUT", 120)
# On restart or shutdown, requests in flight get this long to finish.
graceful_timeout = _int("TUTORDESK_GRACEFUL_TIMEOUT", 30)
keepalive = 5  # gthread only: a sync worker closes each connection after its response
# Recycle workers now and then so slow leaks in any library cannot grow without bound.
max_requests = 20000
max_requests_jitter = 2000

# No access log by default (the load balancer has one); TUTORDESK_ACCESS_LOG=1 writes one JSON
# line per request to standard output, for a log collector.
if os.environ.get("TUTORDESK_ACCESS_LOG", "").strip().lower() in {"1", "true", "yes", "on"}:
    accesslog = "-"
    access_log_format = json.dumps(
        {
            "time": "%(t)s",
            "method": "%(m)s",
            "path": "%(U)s",
            "status": "%(s)s",
            "bytes": "%(B)s",
            "duration_us": "%(D)s",
            "remote": "%(h)s",
            "request_id": "%({x-request-id}i)s",
        }
    )
else:
    accesslog = None
errorlog = "-"
loglevel = os.environ.get("TUTORDESK_LOG_LEVEL", "info")
