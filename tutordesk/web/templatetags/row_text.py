"""What the list rows written in Python share (session_rows, audit_rows, package_rows): URLs
reversed once per list, and times in the viewer's time zone written as Django's `date` filter
writes them. Every text comes back escaped, as the template engine would escape it
(`html.escape`, quotes included).

Not a template library (no `register`): the libraries beside it import it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cache
from html import escape

from django.template import Context
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import conditional_escape
from django.utils.translation import get_language


def url_of(name: str) -> Callable[[object], str]:
    """`reverse(name, args=[id])` for many ids: reversed once, each id put in place after."""
    head, tail = _url_around_id(name, get_script_prefix(), get_urlconf())
    return lambda row_id: f"{head}{row_id}{tail}"


@cache
def _url_around_id(name: str, prefix: str, urlconf: str | None) -> tuple[str, str]:
    """The escaped text of the URL before and after its id (per script prefix and URLconf)."""
    marker = str(uuid.UUID(int=0))
    head, tail = escape(reverse(name, args=[marker])).split(marker)
    return head, tail


def csrf_input(context: Context) -> str:
    """The form field `{% csrf_token %}` writes (the same token for every form of the page)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{conditional_escape(token)}">'


Names = tuple[tuple[str, ...], tuple[str, ...]]


def names() -> Names:
    """The short names of the weekdays and of the months (from 1) in the active language: look
    them up once per list, not once per row."""
    return _names(get_language())


@cache
def _names(language: str | None) -> Names:
    return (
        tuple(str(WEEKDAYS_ABBR[day]) for day in range(7)),
        ("", *(str(MONTHS_3[month]).title() for month in range(1, 13))),
    )


class When:
    """A time in the viewer's time zone (the active one), in the `date` filter's formats."""

    __slots__ = ("local", "month", "weekday")

    def __init__(self, value: datetime, language_names: Names | None = None) -> None:
        self.local = local = timezone.localtime(value)
        weekdays, months = language_names or names()
        self.weekday = weekdays[local.weekday()]
        self.month = months[local.month]

    @property
    def iso(self) -> str:
        """ "c": 2026-12-07T09:00:00+01:00"""
        return self.local.isoformat()

    def day(self) -> str:
        """ "j M Y": 7 Dec 2026"""
        local = self.local
        return escape(f"{local.day} {self.month} {local.year:04d}")

    def short(self) -> str:
        """ "D j M, H:i": Mon 7 Dec, 09:00"""
        local = self.local
        return escape(f"{self.weekday} {local.day} {self.month}, {_clock(local)}")

    def long(self) -> str:
        """ "D j M Y, H:i": Mon 7 Dec 2026, 09:00"""
        local = self.local
        return escape(f"{self.weekday} {local.day} {self.month} {local.year:04d}, {_clock(local)}")

    def stamp(self) -> str:
        """ "j M Y, H:i:s T": 7 Dec 2026, 09:00:05 CET"""
        local = self.local
        return f"{self.day()}, {_clock(local)}:{local.second:02d} {self.zone()}"

    def zone(self) -> str:
        """ "T": the zone's abbreviation; empty for a wall-clock time that happens twice or never
        (a change of daylight saving time), as the `date` filter writes it."""
        local, tz = self.local, self.local.tzinfo
        if tz is None or tz.utcoffset(local.replace(fold=not local.fold)) != tz.utcoffset(local):
            return ""
        return escape(str(tz.tzname(local) or ""))


def _clock(local: datetime) -> str:
    return f"{local.hour:02d}:{local.minute:02d}"


# "Left 0" in words, not colour alone: a package row whose request has nothing left says so.
NONE_LEFT = (
    ' <span class="ml-1 whitespace-nowrap rounded bg-red-100 px-1.5 py-0.5 text-xs font-semibold '
    'text-red-800" data-none-left>none left</span>'
)
