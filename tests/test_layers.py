"""The apps are floors (docs/architecture.md): each imports only from the floors below it, so
there is no upward import and no cycle. Read from the source itself, every import included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tutordesk"

# Lowest first. Apps on one floor may not import each other either.
FLOORS: list[set[str]] = [
    {"core"},
    {"audit"},
    {"accounts"},
    {"events"},
    {"tutoring"},
    {"scheduling"},
    {"calendars", "reports", "meetings", "onboarding", "reminders"},
    {"api", "web"},
    {"demo"},
]
# The project's own modules (settings, urls, wsgi) sit above every app and wire them together.
PROJECT_MODULES = {"settings", "urls", "wsgi", "__init__"}


def floor_of(app: str) -> int:
    for number, apps in enumerate(FLOORS):
        if app in apps:
            return number
    raise AssertionError(f"tutordesk.{app} is on no floor: add it to FLOORS and to docs/architecture.md")


def app_of(module_path: Path) -> str | None:
    parts = module_path.relative_to(PACKAGE).parts
    if len(parts) == 1:
        return None  # a project module
    return parts[0]


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    apps = set()
    for name in names:
        parts = name.split(".")
        if parts[0] == "tutordesk" and len(parts) > 1 and parts[1] not in PROJECT_MODULES:
            apps.add(parts[1])
    return apps


def app_imports() -> dict[str, dict[str, set[str]]]:
    """app -> imported app -> the files that import it."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        app = app_of(path)
        if app is None:
            continue
        for other in imported_apps(path):
            if other != app:
                graph.setdefault(app, {}).setdefault(other, set()).add(str(path.relative_to(PACKAGE.parent)))
    return graph


def test_every_app_is_on_a_floor():
    apps = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    for app in apps:
        floor_of(app)


def test_no_app_imports_from_its_own_floor_or_above():
    upward = [
        f"{file}: {app} (floor {floor_of(app)}) imports {other} (floor {floor_of(other)})"
        for app, others in app_imports().items()
        for other, files in others.items()
        for file in sorted(files)
        if floor_of(other) >= floor_of(app)
    ]
    assert upward == []


def test_the_apps_import_each_other_without_a_cycle():
    graph = {app: set(others) for app, others in app_imports().items()}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(app: str) -> None:
        if app in done:
            return
        if app in visiting:
            cycle = [*visiting[visiting.index(app) :], app]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        visiting.append(app)
        for other in sorted(graph.get(app, ())):
            visit(other)
        visiting.pop()
        done.add(app)

    for app in sorted(graph):
        visit(app)


def test_the_check_sees_an_upward_import(tmp_path):
    """The checker itself: a file importing a higher floor is caught."""
    module = tmp_path / "bad.py"
    module.write_text("from tutordesk.scheduling.models import Session\nimport tutordesk.web.views\n")
    assert imported_apps(module) == {"scheduling", "web"}
    assert floor_of("scheduling") > floor_of("tutoring")
