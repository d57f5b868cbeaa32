"""A list's session rows: one line per session, the markup every session list and the htmx row
answer share. The data-* hooks are part of the public contract (CONTRACT §5, §8).

The rows are written here in Python rather than in a template included once per row: a
dashboard shows 60 of them, and Django's template engine spent about ten times longer on them
than the API spends on the same rows (`python -m bench lists` prints both). What is the same for
every row of a list (the viewer's role, the URL shapes, the CSRF field, the way back) is worked
out once per list; each row then costs one time-zone conversion and string building, every
value escaped as the template engine would (`html.escape`, quotes included).

    {% load session_rows %}
    {% session_rows page.rows selectable=section.selectable %}   a list's rows
    {% session_row s %}                                           one row (the htmx answer): reads
                                                                  selectable, highlight, error,
                                                                  notice and next_url from the context
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from tutordesk.core import clock
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import cancel_refusal
from tutordesk.scheduling.status import SessionStatus
from tutordesk.web.queries import SessionLine
from tutordesk.web.templatetags.row_text import NONE_LEFT, When, csrf_input, names, url_of
from tutordesk.web.templatetags.tutordesk_web import session_badge

register = template.Library()

SCHEDULED = SessionStatus.SCHEDULED.value
# One badge per status, as `{% session_badge %}` draws it: the same for every row.
_BADGES: dict[str, str] = {}


def _badge(status: str) -> str:
    badge = _BADGES.get(status)
    if badge is None:
        badge = _BADGES[status] = str(session_badge(status))
    return badge


class RowWriter:
    """What the rows of one list share: the viewer, the URL shapes, the form fields."""

    def __init__(self, context: template.Context) -> None:
        user = context["user"]
        request = context["request"]
        self.user = user
        self.is_student = bool(user.sees_as_student)  # a guardian reads as their student
        self.is_admin = bool(user.is_admin)
        # A student or guardian has no actions column: Cancel sits beside the row's badge.
        self.reads_only = bool(user.is_student or user.is_guardian)
        self.cancel_url = url_of("web:session-cancel")
        self.now = clock.now()
        self.names = names()
        self.session_url = url_of("web:session")
        self.status_url = url_of("web:session-status")
        self.reschedule_url = url_of("web:session-reschedule")
        self.correct_url = url_of("web:session-correct-form")
        self.csrf_input = csrf_input(context)
        self.next_url = conditional_escape(context.get("next_url") or request.get_full_path())

    def row(
        self,
        s: SessionLine,
        *,
        selectable: bool = False,
        highlight: bool = False,
        error: str = "",
        notice: str = "",
    ) -> str:
        sid = str(s.id)  # written several times over: turned into text once
        request_id = str(s.request_id)
        when = When(s.scheduled_start_at, self.names)
        short, long = when.short(), when.long()
        awaiting = s.status == SCHEDULED and s.scheduled_start_at <= self.now
        student = escape(s.student_name)
        tutor = escape(s.tutor_name)
        counterpart = tutor if self.is_student else student
        subject = escape(s.subject)
        left = "" if s.sessions_left is None else escape(str(s.sessions_left))
        # The student's name and the time, for the screen-reader names of the row's controls.
        names = f"{student}, {short}"
        session_url = self.session_url(sid)
        meet_link = escape(s.meet_link) if s.meet_link and s.status == SCHEDULED and not self.is_admin else ""

        out = [
            f'<tr id="session-{sid}" data-session-id="{sid}" data-request-id="{request_id}" class="flex '
            "flex-wrap items-start gap-x-3 gap-y-2 px-4 py-3 align-middle sm:table-row sm:p-0"
            f'{" bg-indigo-50/70" if highlight else ""}">\n'
        ]
        if selectable:
            out.append(
                f'  <td class="{"" if awaiting else "hidden "}pt-0.5 sm:table-cell sm:w-10 sm:py-2.5 sm:pl-4 '
                'sm:pr-0">'
            )
            if awaiting:
                out.append(
                    f'<input type="checkbox" name="session" value="{sid}" form="bulk-form" data-select '
                    'class="h-4 w-4 rounded border-slate-400 text-indigo-600 focus:ring-2 focus:ring-indigo-500" '
                    f'aria-label="Select the session with {names}">'
                )
            out.append("</td>\n")
        out.append(
            '  <td class="min-w-0 flex-1 sm:table-cell sm:whitespace-nowrap sm:px-4 sm:py-2.5">\n'
            f'    <a href="{session_url}" class="font-medium text-slate-900 underline-offset-2 '
            'hover:text-indigo-700 hover:underline" data-session-link>'
            f'<time datetime="{when.iso}" title="{long} {when.zone()} · {s.duration_minutes} minutes" '
            f'data-start><span class="sm:hidden">{short}</span><span class="hidden sm:inline">'
            f"{long}</span></time></a>\n"
            f'    <p class="mt-0.5 text-sm text-slate-600 sm:hidden">{counterpart}'
            f"{f' with {tutor}' if self.is_admin else ''} · {subject}"
        )
        if not self.is_student:
            out.append(f' · <span data-left-for="{request_id}">{left}</span> left')
        if meet_link:
            out.append(
                f' · <a href="{meet_link}" target="_blank" rel="noopener noreferrer" class="font-medium '
                'text-indigo-700 underline underline-offset-2">Join<span class="sr-only"> the call (opens in '
                "a new tab)</span></a>"
            )
        out.append(
            "</p>\n  </td>\n"
            f'  <td class="hidden sm:table-cell sm:px-3 sm:py-2.5"><span class="font-medium text-slate-800">'
            f"{counterpart}</span></td>\n"
        )
        if self.is_admin:
            out.append(f'  <td class="hidden text-slate-600 sm:table-cell sm:px-3 sm:py-2.5">{tutor}</td>\n')
        out.append(
            '  <td class="hidden sm:table-cell sm:px-3 sm:py-2.5"><span class="text-slate-600" data-subject>'
            f"{subject}</span>"
        )
        if meet_link:
            out.append(
                f' <a href="{meet_link}" target="_blank" rel="noopener noreferrer" class="ml-1 text-xs '
                'font-medium text-indigo-700 underline-offset-2 hover:underline" data-meet-link>Join<span '
                f'class="sr-only"> the call with {counterpart} (opens in a new tab)</span></a>'
            )
        out.append(
            "</td>\n"
            '  <td class="max-w-[45%] text-right sm:table-cell sm:max-w-none sm:px-3 sm:py-2.5 sm:text-left">\n'
            '    <div class="flex flex-wrap justify-end sm:justify-start items-center gap-x-1.5 gap-y-0.5 '
            f'sm:flex-nowrap">{_badge(s.status)}'
        )
        if awaiting:
            out.append(
                '<span class="hidden text-xs font-medium text-slate-600 sm:inline" data-awaiting-outcome>'
                "awaiting outcome</span>"
            )
        if highlight:
            out.append(
                '<span class="rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-medium text-indigo-800">'
                "New time</span>"
            )
        out.append("</div>\n")
        if self.reads_only and self.may_cancel(s):
            out.append("    " + self.cancel_link(sid, session_url, names) + "\n")
        if s.moved_to:
            out.append(
                f'    <a href="{self.session_url(s.moved_to_id)}" class="mt-0.5 block text-xs text-slate-600 '
                f'underline-offset-2 hover:underline" data-moved-to>Moved to {When(s.moved_to, self.names).short()}</a>\n'
            )
        if s.rescheduled_from_id:
            moved_from = s.moved_from
            out.append(
                f'    <a href="{self.session_url(s.rescheduled_from_id)}" class="mt-0.5 block text-xs '
                'text-slate-600 underline-offset-2 hover:underline" data-moved-from>Rescheduled from '
                f"{When(moved_from, self.names).short() if moved_from else 'an earlier session'}</a>\n"
            )
        out.append("  </td>\n")
        if not self.is_student:
            out.append(
                '  <td class="hidden text-right tabular-nums sm:table-cell sm:px-3 sm:py-2.5"><strong '
                f'class="font-semibold text-slate-900" data-sessions-left data-left-for="{request_id}">{left}'
                f"</strong>{NONE_LEFT if left == '0' else ''}</td>\n"
                '  <td class="basis-full sm:table-cell sm:w-px sm:whitespace-nowrap sm:py-2 sm:pl-3 sm:pr-4 '
                'sm:text-right">\n'
                '    <div class="flex flex-wrap items-center gap-1.5 sm:flex-nowrap sm:justify-end">\n'
            )
            out.append(self._actions(s, sid, session_url, names, awaiting=awaiting, selectable=selectable))
            out.append("    </div>\n    <div data-row-messages>\n")
            if error:
                out.append(
                    '      <p role="alert" data-row-error class="mt-2 whitespace-normal rounded-md border '
                    'border-red-200 bg-red-50 px-3 py-2 text-left text-sm text-red-800">'
                    f"{conditional_escape(error)}</p>\n"
                )
            if notice:
                out.append(
                    '      <p role="status" data-row-notice class="mt-1 whitespace-normal text-left text-xs '
                    f'text-green-800 sm:text-right">{conditional_escape(notice)}</p>\n'
                )
            out.append("    </div>\n  </td>\n")
        out.append("</tr>\n")
        return "".join(out)

    def may_cancel(self, s: SessionLine) -> bool:
        """Whether this viewer may cancel the lesson now (CONTRACT §12); no hook where they may not."""
        return (
            cancel_refusal(status=s.status, starts_at=s.scheduled_start_at, actor=self.user, now=self.now)
            is None
        )

    def cancel_link(self, sid: str, session_url: str, names: str) -> str:
        return (
            f'<a href="{session_url}#cancel" hx-get="{self.cancel_url(sid)}" hx-target="#panel-body" '
            'data-action="cancel" class="inline-block rounded-md border border-red-200 bg-white px-2.5 py-1.5 '
            "text-xs font-medium text-red-700 hover:bg-red-50 focus:outline-none focus-visible:ring-2 "
            f'focus-visible:ring-red-500 focus-visible:ring-offset-1 sm:py-1">Cancel…<span class="sr-only"> the '
            f"lesson with {names}</span></a>"
        )

    def _actions(
        self, s: SessionLine, sid: str, session_url: str, names: str, *, awaiting: bool, selectable: bool
    ) -> str:
        """The row's buttons: outcomes and reschedule while scheduled, a correction for an admin."""
        if s.status == SCHEDULED:
            out = []
            if awaiting:
                status_url = self.status_url(sid)
                out.append(
                    f'      <form method="post" action="{status_url}" hx-post="{status_url}" '
                    'hx-target="closest tr" hx-swap="outerHTML" hx-disabled-elt="find button" '
                    'class="contents" data-outcome-form>\n'
                    f"        {self.csrf_input}\n"
                    f'        <input type="hidden" name="idempotency_key" value="{uuid.uuid4()}">\n'
                    f'        <input type="hidden" name="next" value="{self.next_url}">\n'
                )
                if selectable:
                    out.append('        <input type="hidden" name="selectable" value="1">\n')
                out.append(
                    '        <button type="submit" name="status" value="done" data-action="done" '
                    'class="rounded-md bg-green-700 px-2.5 py-1.5 text-xs font-semibold text-white '
                    "hover:bg-green-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-green-600 "
                    'focus-visible:ring-offset-1 disabled:opacity-60 sm:py-1">Done<span class="sr-only">: '
                    f"{names}</span></button>\n"
                    '        <button type="submit" name="status" value="no_show_student" '
                    'data-action="no_show_student" class="rounded-md border border-red-300 bg-white px-2.5 '
                    "py-1.5 text-xs font-medium text-red-700 hover:bg-red-50 focus:outline-none "
                    "focus-visible:ring-2 focus-visible:ring-red-500 focus-visible:ring-offset-1 "
                    'disabled:opacity-60 sm:py-1">Student no-show<span class="sr-only">: '
                    f"{names}</span></button>\n"
                    '        <button type="submit" name="status" value="no_show_tutor" '
                    'data-action="no_show_tutor" class="rounded-md border border-orange-300 bg-white px-2.5 '
                    "py-1.5 text-xs font-medium text-orange-800 hover:bg-orange-50 focus:outline-none "
                    "focus-visible:ring-2 focus-visible:ring-orange-500 focus-visible:ring-offset-1 "
                    'disabled:opacity-60 sm:py-1">Tutor no-show<span class="sr-only">: '
                    f"{names}</span></button>\n"
                    "      </form>\n"
                )
            if self.may_cancel(s):
                out.append("      " + self.cancel_link(sid, session_url, names) + "\n")
            out.append(
                f'      <a href="{session_url}#reschedule" hx-get="{self.reschedule_url(sid)}" '
                'hx-target="#panel-body" data-action="rescheduled" class="rounded-md border border-slate-300 '
                "bg-white px-2.5 py-1.5 text-xs font-medium text-slate-700 hover:bg-slate-50 "
                "focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 "
                f'focus-visible:ring-offset-1 sm:py-1">Reschedule…<span class="sr-only"> {names}</span></a>\n'
            )
            return "".join(out)
        if self.is_admin:
            return (
                f'      <a href="{session_url}#correct" hx-get="{self.correct_url(sid)}" '
                'hx-target="#panel-body" data-action="correct" class="rounded-md border border-slate-300 '
                "bg-white px-2.5 py-1.5 text-xs font-medium text-slate-700 hover:bg-slate-50 "
                "focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 "
                f'focus-visible:ring-offset-1 sm:py-1">Correct…<span class="sr-only"> {names}</span></a>\n'
            )
        return (
            f'      <a href="{session_url}" class="text-xs font-medium text-indigo-700 underline-offset-2 '
            f'hover:underline">Details<span class="sr-only"> of the session with {names}</span></a>\n'
        )


@register.simple_tag(takes_context=True)
def session_rows(
    context: template.Context, sessions: Iterable[SessionLine], selectable: bool = False
) -> SafeString:
    """Every row of a list (`{% session_rows page.rows selectable=section.selectable %}`)."""
    writer = RowWriter(context)
    return mark_safe("".join(writer.row(s, selectable=bool(selectable)) for s in sessions))  # noqa: S308 (every value escaped above)


@register.simple_tag(takes_context=True)
def session_row(context: template.Context, s: Session | SessionLine, **options: Any) -> SafeString:
    """One row (the htmx answer to a row's change), of a session read by `queries.session_rows`;
    `selectable`, `highlight`, `error` and `notice` come from the context unless given."""
    names = ("selectable", "highlight", "error", "notice")
    values = {name: options.get(name, context.get(name) or "") for name in names}
    return mark_safe(  # noqa: S308 (every value escaped above)
        RowWriter(context).row(
            s if isinstance(s, SessionLine) else SessionLine.of(s),
            selectable=bool(values["selectable"]),
            highlight=bool(values["highlight"]),
            error=values["error"],
            notice=values["notice"],
        )
    )
