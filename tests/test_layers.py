"""The house stands in floors: a package imports only from its own floor or below.

README, "How the code is laid out". Developer tooling (devtools) stands apart: it may use
the product, and nothing in the product imports it.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Bottom to top; packages on one floor may import each other.
FLOORS: list[tuple[str, ...]] = [
    ("base",),
    ("infra", "notify"),
    ("households",),
    ("members", "accounts"),
    ("casebook",),
    ("liaison",),
]
PACKAGES = [package for floor in FLOORS for package in floor]
LEVEL = {package: level for level, floor in enumerate(FLOORS) for package in floor}
APART = "devtools"

# Imports that may run up a floor, each with the reason in a comment at the import.
# At most two; none is needed today.
ALLOWED_UPWARD: set[tuple[str, str]] = set()


def _imports(package: str, root: Path = ROOT):
    """(file, line, imported top-level package) for every import in the package's files."""
    for path in sorted((root / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield path.relative_to(root), node.lineno, node.module.split(".")[0]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield path.relative_to(root), node.lineno, alias.name.split(".")[0]


def test_every_package_imports_only_from_its_floor_or_below():
    upward = []
    for package in PACKAGES:
        for path, line, target in _imports(package):
            above = target in LEVEL and LEVEL[target] > LEVEL[package]
            if above and (str(path), target) not in ALLOWED_UPWARD:
                upward.append(f"{path}:{line} imports {target} (a floor up)")
    assert upward == [], "\n".join(upward)
    assert len(ALLOWED_UPWARD) <= 2


def test_nothing_in_the_product_imports_the_developer_tooling():
    found = [
        f"{path}:{line}"
        for package in PACKAGES
        for path, line, target in _imports(package)
        if target == APART
    ]
    assert found == []


def test_the_floors_are_the_installed_apps_in_order():
    from django.conf import settings

    ours = [app for app in settings.INSTALLED_APPS if app in {*PACKAGES, APART}]
    assert ours == [*PACKAGES, APART]


def test_the_walk_finds_an_import_inside_a_function(tmp_path):
    (tmp_path / "households").mkdir()
    (tmp_path / "households" / "x.py").write_text("def f():\n    from casebook import services\n")
    assert [target for _p, _l, target in _imports("households", tmp_path)] == ["casebook"]
