"""Reading an enrolment spreadsheet: every bad cell named by row and column, nothing else refused."""

from __future__ import annotations

import pytest

from tutordesk.onboarding.csvfile import MAX_BYTES, MAX_ROWS, FileTooLarge, parse_enrolments, read_enrolment

HEADER = "student_email,student_name,student_timezone,subject,tutor_email,tutor_name,tutor_timezone,sessions_total,guardian_email,guardian_name"
ROW = "ann@example.com,Ann Lee,Europe/Berlin,Maths,tom@example.com,Tom Tutor,,10,,"


def parse(text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return parse_enrolments(data, default_timezone="UTC")


def codes(parsed) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in parsed.errors]


def test_a_good_file_reads_into_rows_with_the_business_zone_for_empty_cells():
    parsed = parse(f"{HEADER}\n{ROW}\n")
    assert parsed.errors == []
    assert parsed.row_count == 1
    (row,) = parsed.rows
    assert row.row == 2
    assert row.student.email == "ann@example.com" and row.student.timezone == "Europe/Berlin"
    assert row.tutor.timezone == "UTC" and row.tutor.role == "tutor"
    assert row.sessions_total == 10 and row.guardian is None


def test_a_bom_crlf_and_blank_lines_are_taken():
    parsed = parse(("\ufeff" + HEADER + "\r\n\r\n" + ROW + "\r\n   \r\n\r\n").encode())
    assert parsed.errors == [] and len(parsed.rows) == 1
    assert parsed.rows[0].row == 3  # the line of the file, blank lines counted


def test_semicolons_are_found_from_the_header():
    parsed = parse(HEADER.replace(",", ";") + "\n" + ROW.replace(",", ";") + "\n")
    assert parsed.errors == [] and parsed.rows[0].subject == "Maths"


def test_the_guardian_columns_may_be_absent():
    header = ",".join(HEADER.split(",")[:8])
    row = ",".join(ROW.split(",")[:8])
    parsed = parse(f"{header}\n{row}\n")
    assert parsed.errors == [] and parsed.rows[0].guardian is None


def test_a_missing_required_column_is_named():
    header = HEADER.replace("subject,", "")
    parsed = parse(f"{header}\nx\n")
    assert codes(parsed) == [(1, "subject", "missing_column")]


def test_every_bad_row_is_listed_not_only_the_first():
    rows = [
        'ann@example.com,=HYPERLINK("http://x"),,Maths,tom@example.com,Tom,,10,,',
        "bob@example.com,Bob,Mars/Olympus,Maths,tom@example.com,Tom,,10,,",
        "cat@example.com,Cat,,Maths,tom@example.com,Tom,,0,,",
        "dan@example.com,Dan,,Maths,tom@example.com,Tom,,1.5,,",
        "not-an-email,Eve,,Maths,tom@example.com,Tom,,3,,",
        "fay@example.com,Fay,,,tom@example.com,Tom,,3,,",
        "gil@example.com,+Gil,,Maths,tom@example.com,Tom,,3,,",
        "hal@example.com,@Hal,,-Maths,tom@example.com,Tom,,3,,",
    ]
    parsed = parse(HEADER + "\n" + "\n".join(rows) + "\n")
    assert codes(parsed) == [
        (2, "student_name", "formula"),
        (3, "student_timezone", "unknown_timezone"),
        (4, "sessions_total", "bad_sessions_total"),
        (5, "sessions_total", "bad_sessions_total"),
        (6, "student_email", "bad_email"),
        (7, "subject", "required"),
        (8, "student_name", "formula"),
        (9, "student_name", "formula"),
        (9, "subject", "formula"),
    ]
    assert parsed.rows == []
    assert parsed.row_count == 8


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", " ="])
def test_a_formula_in_a_name_is_refused(start):
    parsed = parse(f'{HEADER}\nann@example.com,"{start}1+1",,Maths,tom@example.com,Tom,,10,,\n')
    assert codes(parsed) == [(2, "student_name", "formula")]


def test_the_same_email_in_any_case_with_another_name_is_a_conflict():
    parsed = parse(
        f"{HEADER}\n{ROW}\nANN@Example.com,Anne Lee,,Physics,tom@example.com,Tom Tutor,,5,,\n"
        "zoe@example.com,Zoe,,Maths,TOM@example.com,Tom Tutor,,5,,\n"
    )
    assert codes(parsed) == [(3, "student_name", "name_conflict")]
    assert [r.row for r in parsed.rows] == [2, 4]


def test_one_email_in_two_roles_is_a_conflict():
    parsed = parse(
        f"{HEADER}\n{ROW}\nzoe@example.com,Zoe,,Maths,ann@example.com,Ann Lee,,5,,\n"
        "max@example.com,Max,,Maths,tom@example.com,Tom Tutor,,5,Tom@example.com,Tom Tutor\n"
    )
    assert codes(parsed) == [(3, "tutor_email", "role_conflict"), (4, "guardian_email", "role_conflict")]


def test_a_guardian_name_needs_an_email_and_an_email_a_name():
    parsed = parse(
        f"{HEADER}\nann@example.com,Ann,,Maths,tom@example.com,Tom,,10,,Mum\n"
        "bob@example.com,Bob,,Maths,tom@example.com,Tom,,10,dad@example.com,\n"
    )
    assert codes(parsed) == [(2, "guardian_email", "required"), (3, "guardian_name", "required")]


def test_a_guardian_row_reads():
    parsed = parse(
        f"{HEADER}\nann@example.com,Ann,Asia/Tokyo,Maths,tom@example.com,Tom,,10,Dad@Example.com,Dad\n"
    )
    guardian = parsed.rows[0].guardian
    assert guardian is not None and guardian.email == "dad@example.com" and guardian.role == "guardian"
    assert guardian.timezone == "Asia/Tokyo"


def test_a_file_over_the_limit_is_refused_before_it_is_parsed():
    with pytest.raises(FileTooLarge):
        parse(b"x" * (MAX_BYTES + 1))


def test_too_many_rows_is_one_error():
    parsed = parse(HEADER + "\n" + (ROW + "\n") * (MAX_ROWS + 1))
    assert codes(parsed)[-1] == (MAX_ROWS + 2, "", "too_many_rows")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"\r\n\r\n", "empty_file"),
        (HEADER.encode() + b"\n\xff\xfe,x\n", "not_utf8"),
        (HEADER.encode() + b"\nann\x00@example.com\n", "bad_character"),
        (HEADER.encode() + b'\n"ann@example.com,unclosed\n', "bad_csv"),
    ],
)
def test_a_file_that_is_not_csv_text_is_one_clear_error(data, code):
    parsed = parse(data)
    assert [e.code for e in parsed.errors] == [code]


def test_extra_cells_beyond_the_header_are_refused():
    parsed = parse(f"{HEADER}\n{ROW},surprise\n")
    assert codes(parsed) == [(2, "", "too_many_cells")]


def test_extra_columns_named_in_the_header_are_ignored():
    parsed = parse(f"{HEADER},notes\n{ROW},call on Monday\n")
    assert parsed.errors == [] and len(parsed.rows) == 1


def test_the_enrol_form_reads_by_the_same_rules():
    row, errors = read_enrolment(
        {
            "student_email": "a@example.com",
            "student_name": "=cmd",
            "subject": "Maths",
            "tutor_email": "t@example.com",
            "tutor_name": "T",
            "sessions_total": "4",
        },
        default_timezone="UTC",
    )
    assert row is None and [(e.column, e.code) for e in errors] == [("student_name", "formula")]


def test_a_conflict_with_a_bad_row_is_still_listed():
    parsed = parse(
        f"{HEADER}\nben@example.com,Ben,Mars/Base,Maths,tom@example.com,Tom,,10,,\n"
        "BEN@example.com,Benjamin,,Physics,tom@example.com,Tom,,10,,\n"
    )
    assert codes(parsed) == [
        (2, "student_timezone", "unknown_timezone"),
        (3, "student_name", "name_conflict"),
    ]
