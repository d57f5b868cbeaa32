"""The packages page's requests, written in Python: each with its student, tutor, packages and
the form that adds one, twenty to a page. Every value is escaped as the template engine would
escape it.

    {% load package_rows %}{% request_cards page.rows %}
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from tutordesk.web.queries import RequestLine
from tutordesk.web.templatetags.row_text import NONE_LEFT, When, csrf_input, names, url_of

register = template.Library()


@register.simple_tag(takes_context=True)
def request_cards(context: template.Context, requests: Iterable[RequestLine]) -> SafeString:
    """One card per request (`queries.RequestLine`, with its packages)."""
    add_url = url_of("web:package-add")
    request_url = url_of("web:request")
    csrf = csrf_input(context)
    next_url = conditional_escape(context["request"].get_full_path())
    language_names = names()
    out = []
    for r in requests:
        rid = r.id
        student = escape(r.student_name)
        subject = escape(r.subject)
        tutor = f"tutor {escape(r.tutor_name)}" if r.tutor_name is not None else "no active tutor"
        packages = r.packages
        if packages:
            lines = "".join(
                f'<tr data-package-id="{p.id}"><td class="pr-6">{When(p.created_at, language_names).day()}</td>'
                f'<td class="pr-6 tabular-nums" data-used-total>{p.sessions_used} / {p.sessions_total}</td>'
                f"<td>{escape(p.status_label)}</td></tr>\n"
                for p in packages
            )
            bought = (
                '<table class="mt-3 text-sm">\n'
                f'  <caption class="sr-only">Packages for {student}, {subject}</caption>\n'
                '  <thead><tr class="text-left text-xs uppercase tracking-wide text-slate-500"><th scope="col" '
                'class="pr-6 font-medium">Bought</th><th scope="col" class="pr-6 font-medium">Used / total</th>'
                '<th scope="col" class="font-medium">Status</th></tr></thead>\n'
                f"  <tbody>\n{lines}  </tbody>\n"
                "</table>\n"
            )
        else:
            bought = '<p class="mt-2 text-sm text-slate-500">No packages yet.</p>\n'
        out.append(
            f'<li class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5" data-request-id="{rid}">\n'
            '  <div class="flex flex-col gap-4 lg:flex-row lg:items-start lg:justify-between">\n'
            '    <div class="min-w-0">\n'
            f'      <h2 class="font-semibold text-slate-900"><a href="{request_url(rid)}" data-request-link '
            'class="text-indigo-700 underline-offset-2 hover:underline">'
            f'{student} <span class="font-normal text-slate-500">· {subject}</span></a></h2>\n'
            f'      <p class="text-sm text-slate-500">{escape(r.student_email)} · {tutor}</p>\n'
            '      <p class="mt-1 text-sm text-slate-600">Sessions left: <strong class="text-slate-900" '
            f"data-sessions-left>{r.sessions_left}</strong>{NONE_LEFT if not r.sessions_left else ''}</p>\n"
            f"{bought}"
            "    </div>\n"
            f'    <form method="post" action="{add_url(rid)}" class="flex items-end gap-2" data-add-package>\n'
            f"      {csrf}\n"
            f'      <input type="hidden" name="idempotency_key" value="{uuid.uuid4()}">\n'
            f'      <input type="hidden" name="next" value="{next_url}">\n'
            "      <div>\n"
            f'        <label for="sessions-{rid}" class="block text-xs font-medium text-slate-600">Sessions</label>\n'
            f'        <input type="number" id="sessions-{rid}" name="sessions_total" min="1" max="500" value="10" '
            'required class="mt-0.5 w-24 rounded-md border border-slate-300 px-2 py-1.5 text-sm '
            'focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500">\n'
            "      </div>\n"
            '      <button type="submit" data-add-package class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm '
            "font-semibold text-white hover:bg-indigo-700 focus:outline-none focus-visible:ring-2 "
            'focus-visible:ring-indigo-500 focus-visible:ring-offset-2">Add package</button>\n'
            "    </form>\n"
            "  </div>\n"
            "</li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value escaped above)
