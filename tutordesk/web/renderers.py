"""The form renderer of the pages' filter forms: Django's own widget templates, with the plain
inputs and the select written out in Python.

Django renders each widget through its template engine (an input includes the template of its
attributes; a select includes one template per option): about 0.2 ms of CPU per field, a
millisecond for a list's filter form, as much as the API spends on a whole page of the list.
`Widget.get_context` still works out every name, value and attribute as Django does; only the
writing of the markup is done here, as the templates would write it (values escaped, `True`
attributes written bare, `False` ones left out). Any other template goes to Django's engine.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

_WIDGETS = "django/forms/widgets/"
INPUTS = frozenset(
    f"{_WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "date",
        "email",
        "number",
        "url",
        "search",
        "tel",
        "time",
        "datetime",
        "hidden",
    )
)
SELECT, OPTION = f"{_WIDGETS}select.html", f"{_WIDGETS}select_option.html"


def _text(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: escaped, unless already marked safe."""
    return str(value) if isinstance(value, SafeData) else escape(f"{value}")


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_text(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION:
                return None  # a custom option: Django's templates write it
            # The option's template ends with a line break, and the include keeps it.
            parts.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class PlainWidgets(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        html = None
        if widget is not None and template_name in INPUTS:
            html = _input(widget)
        elif widget is not None and template_name == SELECT:
            html = _select(widget)
        if html is None:
            return super().render(template_name, context, request)
        return mark_safe(html)  # noqa: S308 (every value escaped above)


# One renderer (and one template engine) for every form that names it.
PLAIN_WIDGETS = PlainWidgets()
