"""The invariants a soak or crash run must keep, checked against the database with plain SQL and the
product's own `verify_ledger`:

- no 5xx outside an outage (a 503 inside one is the contract's answer; a 500 is never allowed);
- every acknowledged write is present: its stored answer under its Idempotency-Key, byte for byte;
- audit rows equal acknowledged changes, action by action (every change has exactly one);
- replays are identical to the first answer; a key reused with another body is refused;
- the ledger is consistent (`verify_ledger`): no double charge, no lost charge.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from harness.traffic import Exchange, Record
from harness.world import World, manage

ACTION_OF_KIND = {
    "status": "session_status_updated",
    "correction": "session_status_corrected",
    "create": "session_created",
}


@dataclass
class Outages:
    """Time windows (time.monotonic) in which the service was meant to be down, plus a grace."""

    windows: list[tuple[float, float]] = field(default_factory=list)
    grace: float = 5.0

    def covers(self, moment: float) -> bool:
        return any(start <= moment <= end + self.grace for start, end in self.windows)


@dataclass
class Report:
    requests: int = 0
    writes_acknowledged: int = 0
    changes_acknowledged: int = 0
    replays_checked: int = 0
    five_xx_in_outages: int = 0
    five_xx_outside_outages: int = 0
    unanswered: int = 0
    lost_writes: int = 0
    mismatched_replays: int = 0
    reused_keys_accepted: int = 0
    audit_mismatches: int = 0
    ledger_problems: int = 0
    deadlocks_retried: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [
            f"requests sent                 {self.requests}",
            f"writes acknowledged           {self.writes_acknowledged} ({self.changes_acknowledged} changes, the rest refusals)",
            f"replays checked               {self.replays_checked}",
            f"5xx inside outages            {self.five_xx_in_outages}",
            f"5xx outside outages           {self.five_xx_outside_outages}",
            f"writes never answered         {self.unanswered}",
            f"acknowledged writes lost      {self.lost_writes}",
            f"replays not identical         {self.mismatched_replays}",
            f"reused keys accepted          {self.reused_keys_accepted}",
            f"audit rows != changes         {self.audit_mismatches}",
            f"ledger problems (double/lost charges) {self.ledger_problems}",
            f"deadlocks/serialization retried {self.deadlocks_retried}",
        ]


def check(
    world: World, record: Record, *, since: datetime, outages: Outages | None = None, server_logs: str = ""
) -> Report:
    outages = outages or Outages()
    report = Report(requests=record.requests)
    report.deadlocks_retried = server_logs.count("transaction retried")
    stored = _stored_answers(world.database_url, since)
    kind_of_key = {
        (world.user_of_token(done.call.token), done.call.key): done.call.kind
        for done in record.exchanges
        if done.call.key is not None and done.call.kind in ACTION_OF_KIND and done.first is None
    }
    for done in record.exchanges:
        _check_statuses(done, outages, report)
        if done.call.key is None or done.call.method != "POST":
            continue
        if done.final is None:
            report.unanswered += 1
            continue
        if done.call.kind == "reuse":
            if b'"idempotency_key_reused"' not in done.final.content:
                report.reused_keys_accepted += 1
                report.problems.append(
                    f"a reused key was not refused: {done.call.path} -> {done.final.status}"
                )
            continue
        if b'"idempotency_key_in_use"' in done.final.content:
            continue  # a busy key's answer is never stored: nothing to find
        if done.first is not None:
            _check_replay(done, report)
            continue
        report.writes_acknowledged += 1
        user = world.user_of_token(done.call.token)
        row = stored.get((user, done.call.key))
        if row is None or row[1] != done.final.content.decode():
            report.lost_writes += 1
            report.problems.append(
                f"acknowledged write not stored as answered: {done.call.kind} {done.call.key}"
            )
        if done.final.status is not None and 200 <= done.final.status < 300:
            report.changes_acknowledged += 1
    _check_audit(world.database_url, since, stored, kind_of_key, report)
    _check_ledger(world.database_url, report)
    return report


def _check_statuses(done: Exchange, outages: Outages, report: Report) -> None:
    for answer in done.attempts:
        if answer.status is None or answer.status < 500:
            continue
        if answer.status == 503 and outages.covers(answer.at):
            report.five_xx_in_outages += 1
        else:
            report.five_xx_outside_outages += 1
            report.problems.append(f"{answer.status} outside an outage: {done.call.method} {done.call.path}")


def _check_replay(done: Exchange, report: Report) -> None:
    first = done.first
    assert first is not None and first.final is not None and done.final is not None
    report.replays_checked += 1
    same = done.final.status == first.final.status and done.final.content == first.final.content
    if not same or not done.final.replayed:
        report.mismatched_replays += 1
        report.problems.append(f"replay differs from the first answer: {done.call.path} key {done.call.key}")


def _check_audit(
    database_url: str,
    since: datetime,
    stored: dict[tuple[str, str], tuple[int, str]],
    kind_of_key: dict[tuple[str, str], str],
    report: Report,
) -> None:
    """Every change made during the run (a stored 2xx answer, acknowledged or not) has exactly one
    audit row, and no audit row exists without one."""
    stored_changes: Counter[str] = Counter()
    for user_key, (status_code, _) in stored.items():
        if 200 <= status_code < 300:
            stored_changes[ACTION_OF_KIND[kind_of_key[user_key]]] += 1
    rows = _query(
        database_url,
        "SELECT action, COUNT(*) FROM audit_logs WHERE created_at >= %s GROUP BY action",
        [_db_time(database_url, since)],
    )
    audited = Counter({action: count for action, count in rows})
    for action in set(audited) | set(stored_changes):
        if audited[action] != stored_changes[action]:
            report.audit_mismatches += 1
            report.problems.append(
                f"{action}: {audited[action]} audit rows for {stored_changes[action]} changes"
            )


def _check_ledger(database_url: str, report: Report) -> None:
    try:
        manage(database_url, "verify_ledger")
    except RuntimeError as exc:
        report.ledger_problems = max(1, str(exc).count("\n  - "))
        report.problems.append(f"verify_ledger: {exc}")


def _stored_answers(database_url: str, since: datetime) -> dict[tuple[str, str], tuple[int, str]]:
    """(user id, key) -> (status code, response body) of the answers stored during the run."""
    rows = _query(
        database_url,
        "SELECT user_id, key, status_code, response_body FROM idempotency_keys WHERE created_at >= %s",
        [_db_time(database_url, since)],
    )
    answers = {}
    for user_id, key, status_code, body in rows:
        answers[(str(uuid.UUID(str(user_id))), key)] = (status_code, body)
    return answers


def _db_time(database_url: str, moment: datetime) -> Any:
    """SQLite keeps Django's times as UTC text without an offset."""
    if database_url.startswith("sqlite"):
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return moment


def _query(database_url: str, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    if database_url.startswith("sqlite"):
        path = urlparse(database_url).path
        with sqlite3.connect(path) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()
    import psycopg

    with psycopg.connect(database_url) as db:
        return db.execute(sql, params).fetchall()
