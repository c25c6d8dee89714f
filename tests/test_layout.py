"""Imports run one way: demo -> reports, clusters -> measures -> seminars -> teams -> lkt base
(README, "Where things live").

Parsed with ast, so imports inside functions count too; no module is imported to check it.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# lkt is the project's wiring and its app-free base. Wiring (root URLconfs, settings, the WSGI/ASGI
# and Celery entry points) may name every app; the base modules are imported by the apps and must
# import none of them back.
LKT_WIRING = {"lkt.urls", "lkt.api_urls", "lkt.settings", "lkt.wsgi", "lkt.asgi", "lkt.celery"}

# What each part may import of ours (besides itself). Anything else of ours is refused.
ALLOWED: dict[str, set[str]] = {
    "lkt": set(),
    "teams": {"lkt"},
    "seminars": {"teams", "lkt"},
    "measures": {"seminars", "teams", "lkt"},
    "reports": {"measures", "seminars", "teams", "lkt"},
    # GP clusters build on the LKT apps; nothing below imports them (README, "General practice clusters").
    "clusters": {"measures", "seminars", "teams", "lkt"},
    "demo": {"clusters", "reports", "measures", "seminars", "teams", "lkt"},
}
OURS = set(ALLOWED)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Absolute names of every module `module` imports (relative imports resolved)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if node.module is None or "." not in target:
                # `from measures import charts`, `from . import views`: the names are modules.
                names.update(f"{target}.{alias.name}" for alias in node.names)
            else:
                names.add(target)
    return names


def violations(module: str, imports: set[str]) -> list[str]:
    """The imports of ours that `module` must not make."""
    part = module.split(".")[0]
    if module in LKT_WIRING or module == "lkt":  # lkt/__init__.py loads the Celery app
        return []
    allowed = ALLOWED[part] | {part}
    bad = []
    for name in sorted(imports):
        top = name.split(".")[0]
        if top in OURS and top not in allowed:
            bad.append(f"{module} imports {name}")
        if any(name == wiring or name.startswith(f"{wiring}.") for wiring in LKT_WIRING):
            bad.append(f"{module} imports the wiring module {name}")
    return bad


def our_modules():
    for part in sorted(OURS):
        for path in sorted((ROOT / part).rglob("*.py")):
            yield path, module_name(path)


def test_every_app_of_ours_has_a_place_in_the_order():
    from django.conf import settings

    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    assert ours - set(ALLOWED) == set(), "add the new app to ALLOWED (and the README's arrow)"


def test_every_part_imports_only_what_lies_below_it():
    problems = []
    for path, module in our_modules():
        imports = imported_modules(path.read_text(), module, is_package=path.name == "__init__.py")
        problems += violations(module, imports)
    assert problems == []


def test_the_statistics_engine_imports_neither_django_nor_the_rest_of_measures():
    problems = []
    for path in sorted((ROOT / "measures" / "spc").rglob("*.py")):
        module = module_name(path)
        for name in imported_modules(path.read_text(), module, is_package=path.name == "__init__.py"):
            top = name.split(".")[0]
            if top in {"django", "rest_framework", "celery"} or (
                top in OURS and not name.startswith("measures.spc")
            ):
                problems.append(f"{module} imports {name}")
    assert problems == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "teams.views",
            "from measures.selectors import dashboards",
            ["teams.views imports measures.selectors"],
        ),
        ("teams.x", "def f():\n    import seminars.models", ["teams.x imports seminars.models"]),
        ("teams.demo.loader", "from demo import users", ["teams.demo.loader imports demo.users"]),
        ("lkt.api", "from teams.models import Team", ["lkt.api imports teams.models"]),
        ("teams.api", "from lkt.urls import urlpatterns", ["teams.api imports the wiring module lkt.urls"]),
        ("measures.views.x", "from ...demo import loader", ["measures.views.x imports demo.loader"]),
        ("measures.views.x", "from ..selectors import entry\nfrom teams.access import get_team_for_user", []),
        ("lkt.urls", "from measures.views import dashboards", []),
    ],
)
def test_the_checker_sees_a_wrong_import(module, source, expected):
    """The rule above must be able to fail: each of these sources breaks it (or, the last two, not)."""
    assert violations(module, imported_modules(source, module)) == expected
