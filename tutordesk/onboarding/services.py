"""Enrolments in bulk (a spreadsheet) and one at a time (the Enrol form), through the services of
accounts and tutoring: every person, request, match and package made here has its audit row and
its events, exactly as when made one by one.

An import is all or nothing: one transaction, and any bad row refuses the whole file. It is
idempotent by content: people are found by email, a request by (student, subject) when it already
has an active match with the row's tutor, and a file whose SHA-256 was imported before sells no
package again. The existing rows are read in a few batched queries, never one per row.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.bulk import NewPerson, guardian_links_add_many, users_create_many
from tutordesk.accounts.models import Guardianship, User
from tutordesk.audit.services import audit_log_write
from tutordesk.core import clock
from tutordesk.core.db.rows import batched_inserts, fetch_models, select_list
from tutordesk.core.errors import ImportInvalid, ImportTooLarge, NotFound
from tutordesk.onboarding.audit import ImportCompleted
from tutordesk.onboarding.csvfile import (
    CellError,
    EnrolmentRow,
    FileTooLarge,
    ParsedFile,
    Person,
    parse_enrolments,
    read_enrolment,
)
from tutordesk.onboarding.models import Import, PendingImport
from tutordesk.tutoring.bulk import (
    NewMatchedRequest,
    NewPackage,
    packages_create_many,
    requests_matched_create_many,
)
from tutordesk.tutoring.models import Match

# Rows of one IN (...) list: under SQLite's bound-parameter limit, whatever the file's size.
LOOKUP_CHUNK = 900


@dataclass(frozen=True)
class Counts:
    users: int = 0
    requests: int = 0
    matches: int = 0
    packages: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "users": self.users,
            "requests": self.requests,
            "matches": self.matches,
            "packages": self.packages,
        }


@dataclass
class ImportResult:
    """A dry run's plan (`create`, `errors`) or a real run's outcome (`created`)."""

    rows: int
    counts: Counts
    errors: list[CellError] = field(default_factory=list)
    sha256: str = ""
    repeat: bool = False  # this very file was imported before: no package is sold again
    import_id: uuid.UUID | None = None
    people: dict[str, User] = field(default_factory=dict)  # email -> person, after a real run

    def dry_run_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "create": self.counts.as_dict(),
            "errors": [e.as_dict() for e in self.errors],
        }

    def created_dict(self) -> dict[str, object]:
        return {"rows": self.rows, "created": self.counts.as_dict()}


def business_timezone() -> str:
    """The time zone of a person whose cell is empty: the business's own (settings.TIME_ZONE)."""
    return str(settings.TIME_ZONE)


def import_csv(*, actor: User, data: bytes, dry_run: bool) -> ImportResult:
    """Import an enrolment CSV (docs/people-and-import.md). A dry run changes nothing and reports
    what would be created and every bad cell; a real run creates everything or, given any bad
    row, raises `ImportInvalid` with every bad cell and creates nothing."""
    require_admin(actor, "import a spreadsheet")
    try:
        parsed = parse_enrolments(data, default_timezone=business_timezone())
    except FileTooLarge as exc:
        raise ImportTooLarge(str(exc)) from exc
    sha256 = hashlib.sha256(data).hexdigest()
    if dry_run:
        return _plan(parsed, sha256)
    with transaction.atomic(savepoint=False), batched_inserts():
        plan = _plan(parsed, sha256)
        if plan.errors:
            raise ImportInvalid(
                f"{len({e.row for e in plan.errors})} rows of the file are bad; nothing was imported",
                errors=[e.as_dict() for e in plan.errors],
            )
        return _run(actor=actor, rows=parsed.rows, plan=plan)


@dataclass
class _Found:
    """What the database already holds for a file: read in a few batched queries."""

    users: dict[str, User]
    # (student id, subject folded, tutor id) -> the request that has an active match with that tutor
    matched: dict[tuple[uuid.UUID, str, uuid.UUID], uuid.UUID]
    guardianships: set[tuple[uuid.UUID, uuid.UUID]]


def _plan(parsed: ParsedFile, sha256: str) -> ImportResult:
    errors = list(parsed.errors)
    people = parsed.people
    found = _find_existing(people)
    bad_rows: set[int] = set()
    for row in parsed.rows:
        for column, person in _people_of(row):
            user = found.users.get(person.email)
            if user is not None and user.role != person.role:
                errors.append(
                    CellError(
                        row.row,
                        f"{column}_email",
                        "role_conflict",
                        f"{person.email} belongs to a {user.role} already, not a {person.role}",
                    )
                )
                bad_rows.add(row.row)
            elif user is not None and person.role == "tutor" and not user.is_active:
                errors.append(
                    CellError(row.row, "tutor_email", "inactive_tutor", f"{person.email} is deactivated")
                )
                bad_rows.add(row.row)
    errors.sort(key=lambda e: (e.row, e.column))
    repeat = Import.objects.filter(sha256=sha256).exists()
    new_users = {email for email in people if email not in found.users}
    keys_new: set[tuple[str, str, str]] = set()
    for row in parsed.rows:
        if row.row in bad_rows:
            continue
        if _matched_request(found, row) is None:
            keys_new.add(_row_key(row))
    counts = Counts(
        users=len(new_users),
        requests=len(keys_new),
        matches=len(keys_new),
        packages=0 if repeat else len(parsed.rows) - len(bad_rows),
    )
    return ImportResult(rows=parsed.row_count, counts=counts, errors=errors, sha256=sha256, repeat=repeat)


def _run(
    *, actor: User, rows: Sequence[EnrolmentRow], plan: ImportResult, record: bool = True
) -> ImportResult:
    people = ParsedFile(rows=list(rows)).people
    found = _find_existing(people)
    users = dict(found.users)
    invited = _invite(actor=actor, people=[person for email, person in people.items() if email not in users])
    users.update((user.email, user) for user in invited)
    links: dict[tuple[uuid.UUID, uuid.UUID], tuple[User, User]] = {}
    to_match: dict[tuple[str, str, str], NewMatchedRequest] = {}
    for row in rows:
        student, tutor = users[row.student.email], users[row.tutor.email]
        if row.guardian is not None:
            guardian = users[row.guardian.email]
            if (guardian.id, student.id) not in found.guardianships:
                links[(guardian.id, student.id)] = (guardian, student)
        if _matched_request(found, row, users) is None:
            to_match.setdefault(
                _row_key(row), NewMatchedRequest(student=student, subject=row.subject, tutor=tutor)
            )
    guardian_links_add_many(actor=actor, pairs=list(links.values()))
    matches = requests_matched_create_many(actor=actor, items=list(to_match.values()))
    made = {key: match.request_id for key, match in zip(to_match, matches, strict=True)}
    packages: list[NewPackage] = []
    if not plan.repeat:
        for row in rows:
            request_id = _matched_request(found, row, users) or made[_row_key(row)]
            packages.append(
                NewPackage(
                    request_id=request_id,
                    student_id=users[row.student.email].id,
                    sessions_total=row.sessions_total,
                )
            )
        packages_create_many(actor=actor, items=packages)
    counts = Counts(users=len(invited), requests=len(matches), matches=len(matches), packages=len(packages))
    import_id = None
    if record:
        kept = Import.objects.create(
            sha256=plan.sha256,
            actor=actor,
            rows=plan.rows,
            users_created=counts.users,
            requests_created=counts.requests,
            matches_created=counts.matches,
            packages_created=counts.packages,
        )
        import_id = kept.id
        audit_log_write(
            actor=actor,
            entity_id=kept.id,
            details=ImportCompleted(sha256=plan.sha256, rows=plan.rows, **counts.as_dict()),
        )
    return ImportResult(
        rows=plan.rows,
        counts=counts,
        sha256=plan.sha256,
        repeat=plan.repeat,
        import_id=import_id,
        people=users,
    )


def _invite(*, actor: User, people: Sequence[Person]) -> list[User]:
    """The file's new people, added through the people service in one go (no usable password)."""
    return users_create_many(
        actor=actor,
        people=[NewPerson(email=p.email, name=p.name, role=p.role, timezone=p.timezone) for p in people],
    )


def _people_of(row: EnrolmentRow) -> Iterable[tuple[str, Person]]:
    yield "student", row.student
    yield "tutor", row.tutor
    if row.guardian is not None:
        yield "guardian", row.guardian


def _row_key(row: EnrolmentRow) -> tuple[str, str, str]:
    return (row.student.email, row.subject.casefold(), row.tutor.email)


def _matched_request(
    found: _Found, row: EnrolmentRow, users: dict[str, User] | None = None
) -> uuid.UUID | None:
    users = found.users if users is None else users
    student, tutor = users.get(row.student.email), users.get(row.tutor.email)
    if student is None or tutor is None:
        return None
    return found.matched.get((student.id, row.subject.casefold(), tutor.id))


def _chunks(values: Sequence[object]) -> Iterable[Sequence[object]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


# On PostgreSQL the emails go as one array joined to the users: `email IN (%s, … 900 …)` compared
# every user with every bound email (2 s a statement at 23,000 users); the join probes the unique
# index once per email. SQLite takes IN lists through the index.
_USERS_BY_EMAIL_SQL = f"""
SELECT {select_list(User, "u")} FROM unnest(%s::text[]) AS wanted(email) JOIN users u ON u.email = wanted.email
"""  # noqa: S608 (model columns only)


def _users_by_email(emails: Sequence[str]) -> list[User]:
    if connection.vendor == "postgresql":
        return [user for user, _ in fetch_models(User, _USERS_BY_EMAIL_SQL, [list(emails)])]
    found: list[User] = []
    for chunk in _chunks(emails):
        found.extend(User.objects.filter(email__in=chunk))
    return found


def _find_existing(people: dict[str, Person]) -> _Found:
    emails = sorted(people)
    users = {user.email.lower(): user for user in _users_by_email(emails)}
    student_ids = [u.id for u in users.values() if u.is_student]
    matched: dict[tuple[uuid.UUID, str, uuid.UUID], uuid.UUID] = {}
    guardianships: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for chunk in _chunks(student_ids):
        rows = Match.objects.filter(status=Match.Status.ACTIVE, request__student_id__in=chunk).values_list(
            "request__student_id", "request__subject", "tutor_id", "request_id"
        )
        for student_id, subject, tutor_id, request_id in rows:
            matched[(student_id, subject.casefold(), tutor_id)] = request_id
        guardianships.update(
            Guardianship.objects.filter(student_id__in=chunk).values_list("guardian_id", "student_id")
        )
    return _Found(users=users, matched=matched, guardianships=guardianships)


def enrol_student(*, actor: User, values: dict[str, str]) -> ImportResult:
    """One enrolment, exactly as one row of an import (the same cells, rules and services): the
    student (found by email or added), the optional guardian, the request, the match and the first
    package, in one transaction. Bad cells: `ImportInvalid` with `errors`, nothing made."""
    require_admin(actor, "enrol a student")
    row, errors = read_enrolment(values, default_timezone=business_timezone())
    if row is None:
        raise ImportInvalid("The enrolment cannot be made", errors=[e.as_dict() for e in errors])
    with transaction.atomic(savepoint=False), batched_inserts():
        plan = _plan(ParsedFile(rows=[row], row_count=1), sha256="")
        if plan.errors:
            raise ImportInvalid("The enrolment cannot be made", errors=[e.as_dict() for e in plan.errors])
        # A form is never "the same file again": its package is always sold, and no Import is kept.
        plan.repeat = False
        return _run(actor=actor, rows=[row], plan=plan, record=False)


# The Import page keeps a previewed file this long for its confirmation.
PENDING_FOR = timedelta(days=1)


@transaction.atomic(savepoint=False)
def pending_import_keep(*, actor: User, data: bytes, filename: str = "") -> PendingImport:
    """Keep a previewed file for its confirmation (and forget the ones left for over a day)."""
    require_admin(actor, "import a spreadsheet")
    PendingImport.objects.filter(created_at__lt=clock.now() - PENDING_FOR).delete()
    return PendingImport.objects.create(
        actor=actor, sha256=hashlib.sha256(data).hexdigest(), filename=filename[:255], data=data
    )


@transaction.atomic(savepoint=False)
def pending_import_run(*, actor: User, pending_id: uuid.UUID | str) -> ImportResult:
    """Import a file kept at its preview: all or nothing, and the kept file goes with it (so a
    second confirmation finds nothing to import: `NotFound`)."""
    require_admin(actor, "import a spreadsheet")
    try:
        pending = PendingImport.objects.select_for_update().get(pk=pending_id, actor=actor)
    except (PendingImport.DoesNotExist, ValueError, DjangoValidationError) as exc:
        raise NotFound("No such file waiting to be imported (imported already, or over a day old)") from exc
    result = import_csv(actor=actor, data=bytes(pending.data), dry_run=False)
    pending.delete()
    return result


def enrolment_check(*, actor: User, values: dict[str, str]) -> list[CellError]:
    """What would refuse this enrolment (the Enrol form's errors per field), changing nothing."""
    require_admin(actor, "enrol a student")
    row, errors = read_enrolment(values, default_timezone=business_timezone())
    if row is None:
        return errors
    return _plan(ParsedFile(rows=[row], row_count=1), sha256="").errors
