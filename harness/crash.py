"""Crash rounds under load: the invariants of harness.checks must hold after every kind of crash.
`make crash` runs five rounds on PostgreSQL.

    python -m harness.crash [--rounds 5] [--clients 16] [--seed 1] [--sqlite]

PostgreSQL: a private cluster that this run makes with initdb and removes afterwards (the shared
server is never stopped). The rounds cycle through: a gunicorn worker killed with SIGKILL; the
database stopped with `-m immediate` (a crash: no checkpoint, clients cut off) and started again;
both at once. SQLite: the whole app server (master and workers) killed with SIGKILL mid-load and
started again on the same port. Clients keep retrying unanswered writes with the same key, as a
careful integration does, so every write ends with one answer or is counted as never answered.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from harness.checks import Outages, Report, check
from harness.pgcluster import PrivateCluster
from harness.servers import AppServer, kill_app_server, production_env, start_app_server, stop_app_server
from harness.soak import print_report, throwaway_database
from harness.traffic import Record, run_traffic
from harness.world import prepare_world

KINDS_POSTGRES = ["worker_kill", "database_crash", "both"]


@dataclass
class CrashResult:
    report: Report
    record: Record
    seconds: float
    rounds: list[str] = field(default_factory=list)


def crash_postgres(
    *, rounds: int, clients: int, seed: int, period: float = 8.0, down_for: float = 2.0
) -> CrashResult:
    cluster = PrivateCluster()
    try:
        cluster.start()
        return _crash_rounds(
            cluster.url,
            rounds=rounds,
            clients=clients,
            seed=seed,
            period=period,
            crash=lambda kind, app, outages: _postgres_round(kind, app, cluster, outages, down_for),
            kinds=KINDS_POSTGRES,
        )
    finally:
        cluster.destroy()


def crash_sqlite(
    database_url: str, *, rounds: int, clients: int, seed: int, period: float = 6.0
) -> CrashResult:
    return _crash_rounds(
        database_url,
        rounds=rounds,
        clients=clients,
        seed=seed,
        period=period,
        crash=_server_crash_round,
        kinds=["server_kill"],
    )


def _crash_rounds(
    database_url: str,
    *,
    rounds: int,
    clients: int,
    seed: int,
    period: float,
    crash: Callable[[str, AppServer, Outages], AppServer | None],
    kinds: list[str],
) -> CrashResult:
    world = prepare_world(database_url, migrate=True, seed=seed)
    since = datetime.now(UTC)
    started = time.monotonic()
    holder = {"app": _serve(database_url)}
    port = holder["app"].port
    outages = Outages()
    result: dict[str, Record] = {}
    duration = period * (rounds + 1)
    traffic = threading.Thread(
        target=lambda: result.setdefault(
            "record",
            run_traffic(world, [port], clients=clients, duration=duration, seed=seed, give_up_after=60),
        )
    )
    traffic.start()
    done_rounds = []
    logs = []
    try:
        for number in range(rounds):
            time.sleep(period)
            kind = kinds[number % len(kinds)]
            replaced = crash(kind, holder["app"], outages)
            if replaced is not None:
                logs.append(holder["app"].log_text())
                holder["app"] = replaced
            done_rounds.append(kind)
        traffic.join()
    finally:
        stop_app_server(holder["app"], close_log=False)
        logs.append(holder["app"].log_text())
    report = check(world, result["record"], since=since, outages=outages, server_logs="\n".join(logs))
    return CrashResult(
        report=report, record=result["record"], seconds=time.monotonic() - started, rounds=done_rounds
    )


def _serve(database_url: str, port: int | None = None) -> AppServer:
    return start_app_server(
        workers=2, threads=4, database=database_url, port=port, env=production_env(), ready_path="/healthz"
    )


def _postgres_round(
    kind: str, app: AppServer, cluster: PrivateCluster, outages: Outages, down_for: float
) -> None:
    if kind in ("worker_kill", "both"):
        workers = app.worker_pids()
        if workers:
            os.kill(random.choice(workers), signal.SIGKILL)
    if kind in ("database_crash", "both"):
        went_down = time.monotonic()
        cluster.stop(mode="immediate")
        time.sleep(down_for)
        cluster.start()
        cluster.wait_ready()
        outages.windows.append((went_down, time.monotonic()))


def _server_crash_round(kind: str, app: AppServer, outages: Outages) -> AppServer:
    went_down = time.monotonic()
    kill_app_server(app)
    replaced = _serve(app.database, port=app.port)
    outages.windows.append((went_down, time.monotonic()))
    return replaced


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args(argv)
    if args.sqlite:
        with throwaway_database(sqlite=True, name="") as url:
            result = crash_sqlite(url, rounds=args.rounds, clients=args.clients, seed=args.seed)
        title = f"crash: {args.rounds} app-server kills under {args.clients} clients on SQLite"
    else:
        result = crash_postgres(rounds=args.rounds, clients=args.clients, seed=args.seed)
        title = f"crash: {args.rounds} rounds ({', '.join(result.rounds)}) under {args.clients} clients on PostgreSQL"
    print_report(title, result.report, result.seconds)
    return 0 if result.report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
