"""Reading an enrolment spreadsheet (CSV) into rows, and every cell it cannot take: pure, no database.

One row per enrolment: a student, a subject, a tutor, a first package and, optionally, a guardian.
Every bad cell is reported (row 1 is the header), not only the first, so a business fixes its file
in one go. The rules that need the database (an email already used by a person of another role)
are checked by `onboarding.services`, which adds its errors to these.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from tutordesk.accounts.models import known_timezones

# Stated in docs/people-and-import.md: a bigger file is refused before it is read.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_SESSIONS_TOTAL = 500  # as tutoring.services.MAX_PACKAGE_SESSIONS (a package's own rule)
MAX_NAME = 200
MAX_SUBJECT = 200

COLUMNS = (
    "student_email",
    "student_name",
    "student_timezone",
    "subject",
    "tutor_email",
    "tutor_name",
    "tutor_timezone",
    "sessions_total",
    "guardian_email",
    "guardian_name",
)
REQUIRED_COLUMNS = COLUMNS[:8]
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): refused.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class CellError:
    row: int  # the line of the file (1 is the header)
    column: str  # the column's name, or "" for the whole row or file
    code: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Person:
    email: str  # lower case
    name: str
    timezone: str
    role: str  # student | tutor | guardian


@dataclass(frozen=True)
class EnrolmentRow:
    row: int
    student: Person
    subject: str
    tutor: Person
    sessions_total: int
    guardian: Person | None


@dataclass
class ParsedFile:
    rows: list[EnrolmentRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    row_count: int = 0  # enrolment rows read, good and bad (blank lines not counted)

    @property
    def people(self) -> dict[str, Person]:
        """Each person of the file once, by email (the first row that names them)."""
        found: dict[str, Person] = {}
        for row in self.rows:
            for person in (row.student, row.tutor, row.guardian):
                if person is not None:
                    found.setdefault(person.email, person)
        return found


class FileTooLarge(Exception):
    """The file is over MAX_BYTES: refused before it is read."""


def parse_enrolments(data: bytes, *, default_timezone: str) -> ParsedFile:
    """The rows of an enrolment CSV (UTF-8, with or without a BOM; `,` `;` or tab between cells,
    found from the header line; CRLF or LF; blank lines skipped) and every bad cell."""
    if len(data) > MAX_BYTES:
        raise FileTooLarge(f"The file is over {MAX_BYTES // (1024 * 1024)} MB")
    parsed = ParsedFile()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        parsed.errors.append(
            CellError(line, "", "not_utf8", "The file is not UTF-8 text (save it as CSV UTF-8)")
        )
        return parsed
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        parsed.errors.append(CellError(line, "", "bad_character", "The file contains a NUL character"))
        return parsed
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    if not first_line.strip():
        parsed.errors.append(CellError(1, "", "empty_file", "The file is empty: it needs a header row"))
        return parsed
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    positions: dict[str, int] = {}
    read: list[tuple[EnrolmentRow, frozenset[str]]] = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            line = reader.line_num
            if header is None:
                header = [cell.strip().lower() for cell in record]
                positions = _header_positions(header, line, parsed.errors)
                if parsed.errors:
                    return parsed
                continue
            parsed.row_count += 1
            if parsed.row_count > MAX_ROWS:
                parsed.errors.append(
                    CellError(line, "", "too_many_rows", f"The file has more than {MAX_ROWS:,} rows")
                )
                return parsed
            read.append(_read_row(record, line, len(header), positions, default_timezone, parsed.errors))
    except csv.Error as exc:
        parsed.errors.append(
            CellError(reader.line_num + 1, "", "bad_csv", f"The file is not valid CSV: {exc}")
        )
        return parsed
    if header is None:
        parsed.errors.append(CellError(1, "", "empty_file", "The file is empty: it needs a header row"))
        return parsed
    _check_people_across_rows(parsed, read)
    return parsed


def read_enrolment(
    values: dict[str, str], *, default_timezone: str
) -> tuple[EnrolmentRow | None, list[CellError]]:
    """One enrolment from named cells (the Enrol form), by the same rules as a row of a file."""
    errors: list[CellError] = []
    record = [str(values.get(name) or "") for name in COLUMNS]
    positions = {name: index for index, name in enumerate(COLUMNS)}
    checked = ParsedFile(errors=errors, row_count=1)
    _check_people_across_rows(
        checked, [_read_row(record, 2, len(COLUMNS), positions, default_timezone, errors)]
    )
    return (checked.rows[0] if checked.rows else None), checked.errors


def _header_positions(header: list[str], line: int, errors: list[CellError]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in positions and name in COLUMNS:
            errors.append(CellError(line, name, "duplicate_column", f"The column {name} appears twice"))
        positions.setdefault(name, index)
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            errors.append(CellError(line, name, "missing_column", f"The header has no column {name}"))
    return positions


def _read_row(
    record: list[str],
    line: int,
    width: int,
    positions: dict[str, int],
    default_timezone: str,
    errors: list[CellError],
) -> tuple[EnrolmentRow, frozenset[str]]:
    """The row (its values as read, good or bad) and the columns of its bad cells ("" for the row)."""
    before = len(errors)
    if any(cell.strip() for cell in record[width:]):
        errors.append(CellError(line, "", "too_many_cells", "The row has more cells than the header"))

    def cell(name: str) -> str:
        index = positions.get(name)
        if index is None or index >= len(record):
            return ""
        return record[index].strip()

    def text(name: str, max_length: int, *, required: bool = True) -> str:
        value = cell(name)
        raw = record[positions[name]] if name in positions and positions[name] < len(record) else ""
        if raw[:1] in FORMULA_STARTS or value[:1] in FORMULA_STARTS:
            errors.append(
                CellError(line, name, "formula", "A cell may not start with = + - @ (a spreadsheet formula)")
            )
        elif required and not value:
            errors.append(CellError(line, name, "required", f"{name} is empty"))
        elif len(value) > max_length:
            errors.append(CellError(line, name, "too_long", f"{name} is longer than {max_length} characters"))
        return value

    def email(name: str, *, required: bool = True) -> str:
        value = cell(name).lower()
        if not value:
            if required:
                errors.append(CellError(line, name, "required", f"{name} is empty"))
            return value
        try:
            validate_email(value)
        except DjangoValidationError:
            errors.append(CellError(line, name, "bad_email", f"{value!r} is not an email address"))
        return value

    def timezone(name: str) -> str:
        value = cell(name)
        if not value:
            return default_timezone
        if value not in known_timezones():
            errors.append(
                CellError(
                    line, name, "unknown_timezone", f"{value!r} is not a time zone (e.g. Europe/Berlin)"
                )
            )
        return value

    student_email = email("student_email")
    student_name = text("student_name", MAX_NAME)
    student_tz = timezone("student_timezone")
    subject = text("subject", MAX_SUBJECT)
    tutor_email = email("tutor_email")
    tutor_name = text("tutor_name", MAX_NAME)
    tutor_tz = timezone("tutor_timezone")
    sessions_total = _sessions_total(cell("sessions_total"), line, errors)
    guardian_email = email("guardian_email", required=False)
    guardian_name = text("guardian_name", MAX_NAME, required=bool(guardian_email))
    if guardian_name and not guardian_email:
        errors.append(
            CellError(line, "guardian_email", "required", "guardian_email is empty but a name is given")
        )
    bad = frozenset(error.column for error in errors[before:])
    guardian = Person(guardian_email, guardian_name, student_tz, "guardian") if guardian_email else None
    row = EnrolmentRow(
        row=line,
        student=Person(student_email, student_name, student_tz, "student"),
        subject=subject,
        tutor=Person(tutor_email, tutor_name, tutor_tz, "tutor"),
        sessions_total=sessions_total,
        guardian=guardian,
    )
    return row, bad


def _sessions_total(value: str, line: int, errors: list[CellError]) -> int:
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_SESSIONS_TOTAL:
        return int(value)
    errors.append(
        CellError(
            line,
            "sessions_total",
            "bad_sessions_total",
            f"sessions_total must be a whole number from 1 to {MAX_SESSIONS_TOTAL}",
        )
    )
    return 0


def _check_people_across_rows(parsed: ParsedFile, read: list[tuple[EnrolmentRow, frozenset[str]]]) -> None:
    """One email is one person: the same name and the same role on every row that names it, bad
    rows included (a person whose email or name cell is bad is left out). The good rows are kept;
    the errors end up in the file's order."""
    seen: dict[str, tuple[Person, int]] = {}
    good: list[EnrolmentRow] = []
    for row, bad in read:
        before = len(parsed.errors)
        columns = [("student", row.student), ("tutor", row.tutor)]
        if row.guardian is not None:
            columns.append(("guardian", row.guardian))
        for prefix, person in columns:
            if f"{prefix}_email" in bad or f"{prefix}_name" in bad or not person.email:
                continue
            first = seen.get(person.email)
            if first is None:
                seen[person.email] = (person, row.row)
                continue
            other, other_row = first
            if other.role != person.role:
                parsed.errors.append(
                    CellError(
                        row.row,
                        f"{prefix}_email",
                        "role_conflict",
                        f"{person.email} is a {other.role} on row {other_row} and a {person.role} here",
                    )
                )
            elif other.name != person.name:
                parsed.errors.append(
                    CellError(
                        row.row,
                        f"{prefix}_name",
                        "name_conflict",
                        f"{person.email} is called {other.name!r} on row {other_row} and {person.name!r} here",
                    )
                )
        if not bad and len(parsed.errors) == before:
            good.append(row)
    parsed.rows = good
    parsed.errors.sort(key=lambda error: error.row)
