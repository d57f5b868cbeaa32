"""Enrolment files for the import tests."""

from __future__ import annotations

HEADER = (
    "student_email,student_name,student_timezone,subject,tutor_email,tutor_name,tutor_timezone,"
    "sessions_total,guardian_email,guardian_name"
)


def enrolment_file(*rows: str, header: str = HEADER, newline: str = "\n") -> bytes:
    return (newline.join([header, *rows]) + newline).encode()


GOOD = enrolment_file(
    "ann@example.com,Ann Lee,Europe/Berlin,Maths,tom@example.com,Tom Tutor,Europe/London,10,pat@example.com,Pat Lee",
    "ben@example.com,Ben Ode,,Physics,tom@example.com,Tom Tutor,Europe/London,5,,",
    "ann@example.com,Ann Lee,Europe/Berlin,Chemistry,tia@example.com,Tia Tutor,,8,,",
)
