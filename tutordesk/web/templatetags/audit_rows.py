"""The audit log's rows, written in Python: fifty to a page, and the template engine spent
several times what the API spends on the same fifty rows (`python -m bench lists`). Every value
is escaped as the template engine would escape it.

    {% load audit_rows %}{% audit_rows rows %}   (rows: web.queries.AuditRow, each row's words worked out)
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from tutordesk.audit.models import AuditEntity
from tutordesk.web.queries import AuditRow
from tutordesk.web.templatetags.row_text import When, names, url_of

register = template.Library()

SESSION = AuditEntity.SESSION.value


@register.simple_tag
def audit_rows(rows: Iterable[AuditRow]) -> SafeString:
    """One row per audit row (a card on phones): when, who, what in words with the details as
    recorded one click away, and what it is about."""
    session_url = url_of("web:session")
    language_names = names()
    out = []
    for row in rows:
        log = row.log
        when = When(log.created_at, language_names)
        action = escape(log.action)
        entity_type = escape(log.entity_type)
        entity_id = escape(str(log.entity_id))
        actor = log.actor
        who = (
            f'<span class="font-medium text-slate-900 sm:font-normal">{escape(actor.name)}</span>'
            f'<span class="hidden sm:inline"><br></span> <span class="text-xs text-slate-500">{escape(actor.email)}</span>'
            if actor
            else '<span class="text-slate-400">Tutordesk</span>'
        )
        session_link = (
            f' · <a href="{session_url(entity_id)}" class="text-indigo-700 hover:underline" '
            'data-session-page-link>open<span class="sr-only"> the session’s page</span></a>'
            if log.entity_type == SESSION
            else ""
        )
        out.append(
            f'<tr data-audit-id="{log.id}" data-audit-action="{action}" data-entity-id="{entity_id}" '
            'class="block px-4 py-3 align-top sm:table-row sm:p-0">\n'
            '  <td class="block text-xs text-slate-500 sm:table-cell sm:whitespace-nowrap sm:px-4 sm:py-2 '
            f'sm:text-sm sm:text-slate-600"><time datetime="{when.iso}">{when.stamp()}</time></td>\n'
            f'  <td class="block sm:table-cell sm:px-4 sm:py-2">{who}</td>\n'
            '  <td class="block pt-1 sm:table-cell sm:px-4 sm:py-2">'
            f'<span class="font-medium text-slate-900" title="{action}">{escape(log.action_label)}</span>'
            f'<p class="mt-0.5 max-w-xl break-words text-slate-700" data-audit-words>{escape(row.words)}</p>'
            '<details class="mt-1 text-xs text-slate-500"><summary class="cursor-pointer select-none">'
            'Details as recorded</summary><code class="mt-1 block max-w-xl whitespace-pre-wrap break-words '
            f'font-mono text-slate-700">{escape(row.details_json)}</code></details></td>\n'
            '  <td class="block pt-1 text-sm sm:table-cell sm:px-4 sm:py-2">'
            f'<a href="?entity_type={entity_type}&amp;entity_id={entity_id}" class="text-indigo-700 '
            f'hover:underline" data-entity-link>{escape(log.entity_label)}<span class="sr-only">: every row '
            f"about it</span></a>{session_link}</td>\n"
            "</tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value escaped above)
