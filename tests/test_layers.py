"""The house stands in floors: a package imports only from its own floor or below.

README, "How the code is laid out". Developer tooling (devtools) stands apart: it may use
the product, and nothing in the product imports it.

An import is not the only way up a floor: Django's model registry is another. A lower
floor that names a relation a higher floor's model adds to one of its own models
(`household.visits`, `filter(assignments__member=…)`, `Count("requests")`), or reaches a
model through `_meta.get_field(…).related_model`, `.remote_field.model` or
`apps.get_model(…)`, depends on that floor as surely as an import would. The second walk
below finds those (migrations apart: a data migration reads historical models by name).
"""

import ast
import json
import os
import subprocess
import sys
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

# Ways into the model registry that cannot say which floor they reach: a lower floor uses
# none of them (the top floor may, it reads every floor).
REGISTRY_ATTRIBUTES = {"related_model", "remote_field"}
REGISTRY_CALLS = {"get_model", "get_models"}
# Query methods and expressions: a plain name given to one of them is a field or relation
# (`Count("requests")`, `prefetch_related("visits")`, `filter(assignments=…)`); anywhere
# else a plain name may be a word like any other (`audit.record(target=…)`). A lookup path
# (a name with `__`) is one wherever it stands.
QUERY_CALLS = {
    *("filter", "exclude", "get", "annotate", "alias", "aggregate", "values", "values_list"),
    *("order_by", "select_related", "prefetch_related", "only", "defer", "update", "create"),
    *("get_or_create", "update_or_create", "distinct", "get_field", "in_bulk", "latest"),
    *("earliest", "dates", "datetimes", "get_object_or_404", "get_list_or_404"),
    *("Q", "F", "Count", "Sum", "Min", "Max", "Avg", "Exists", "Subquery", "Prefetch"),
    *("FilteredRelation", "Coalesce", "JSONObject", "ArrayAgg", "StringAgg", "Cast"),
}


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
    assert ours == [*PACKAGES, APART]  # the test settings load the developer tooling


def _installed_apps(debug: str) -> list[str]:
    """liaison.settings' INSTALLED_APPS as a server with DEBUG=`debug` reads them."""
    environ = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    environ.update(DEBUG=debug, SECRET_KEY="layers-test-only-" + "x" * 40)
    script = "import json, liaison.settings as s; print(json.dumps(s.INSTALLED_APPS))"
    found = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=environ, cwd=ROOT, capture_output=True, check=True
    )
    return json.loads(found.stdout)


def test_the_developer_tooling_is_installed_only_where_debug_is_on():
    """Under production settings the demo seed and the soak do not exist (manage.py lists
    no seed_demo); `make run`, with DEBUG=1, has them."""
    production = _installed_apps("0")
    assert APART not in production
    assert [app for app in production if app in PACKAGES] == PACKAGES
    assert _installed_apps("1")[-1] == APART


def test_the_walk_finds_an_import_inside_a_function(tmp_path):
    (tmp_path / "households").mkdir()
    (tmp_path / "households" / "x.py").write_text("def f():\n    from casebook import services\n")
    assert [target for _p, _l, target in _imports("households", tmp_path)] == ["casebook"]


# --- Reads up a floor through the model registry ------------------------------------------


def _names_from_above(floor: int) -> dict[str, str]:
    """What code on `floor` may not name, with the model it leads to: each relation that a
    model of a higher floor adds to a model this floor holds (its own, a lower floor's or
    Django's: `household.assignments`, `user.party_member`), by its query name and its
    accessor, and each higher model as "app_label.Model"."""
    from django.apps import apps

    above = {package for higher in FLOORS[floor + 1 :] for package in higher}
    names = {}
    for model in apps.get_models():
        label = model._meta.app_label
        if label in above:
            names[f"{label}.{model.__name__}"] = f"{label}.{model.__name__}"
            continue  # this floor holds none of its rows
        for field in model._meta.get_fields(include_hidden=True):
            source = field.related_model
            reverse = field.auto_created and not field.concrete and source is not None
            if reverse and not field.hidden and source._meta.app_label in above:
                where = f"{source._meta.app_label}.{source.__name__}"
                names[field.name] = names[field.get_accessor_name()] = where
    return names


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _registry_reads(package: str, forbidden: dict[str, str], root: Path = ROOT):
    """(file, line, what) for each read of the model registry that leads up a floor: a
    lookup path (`assignments__member`), a name given to a query method or expression
    (`Count("requests")`, `filter(assignments=…)`) or an attribute (`household.visits`)
    that starts with a name in `forbidden`; a higher model named "app_label.Model"; any use
    of `related_model`, `remote_field` or `apps.get_model(s)`. Migrations are not walked."""

    def head(name: str) -> str | None:
        first = name.split("__")[0]
        return first if first in forbidden else None

    for path in sorted((root / package).rglob("*.py")):
        where = path.relative_to(root)
        if "migrations" in where.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            found = []
            if isinstance(node, ast.Call):
                query = _call_name(node) in QUERY_CALLS
                if _call_name(node) in REGISTRY_CALLS:
                    found.append(f"{_call_name(node)}(…)")
                for arg in node.args:
                    plain = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    name = plain and head(arg.value)
                    if name and query and "__" not in arg.value and "." not in name:
                        found.append(f'"{arg.value}" ({forbidden[name]})')
                for keyword in node.keywords:
                    name = keyword.arg and head(keyword.arg)
                    if name and (query or "__" in keyword.arg):
                        found.append(f"{keyword.arg}= ({forbidden[name]})")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                name = head(node.value)
                if name and ("__" in node.value or "." in name):
                    found.append(f'"{node.value}" ({forbidden[name]})')
            elif isinstance(node, ast.Attribute):
                if node.attr in forbidden:
                    found.append(f".{node.attr} ({forbidden[node.attr]})")
                elif node.attr in REGISTRY_ATTRIBUTES:
                    found.append(f".{node.attr}")
            for what in found:
                yield where, node.lineno, what


def test_no_package_reads_a_higher_floor_through_the_model_registry():
    upward = [
        f"{path}:{line} reads {what}, a floor up"
        for floor, packages in enumerate(FLOORS[:-1])  # the top floor reads every floor
        for package in packages
        for path, line, what in _registry_reads(package, _names_from_above(floor))
    ]
    assert upward == [], "\n".join(upward)


def test_the_walk_finds_each_way_up_through_the_model_registry(tmp_path):
    (tmp_path / "households" / "migrations").mkdir(parents=True)
    ways_up = [
        'Household._meta.get_field("assignments").related_model',
        "field.remote_field.model",
        'apps.get_model("casebook", "Visit")',
        'get_model("casebook.Visit")',
        'models.ForeignKey("casebook.Visit", on_delete=models.CASCADE)',
        "Household.objects.filter(assignments__member=member)",
        "Household.objects.filter(assignments=link)",
        'Household.objects.annotate(n=Count("requests"))',
        'Household.objects.prefetch_related("visits__member")',
        'Household.objects.values_list("requests__status")',
        "household.requests.all()",
        'User.objects.values("party_member__id")',
    ]
    (tmp_path / "households" / "x.py").write_text("\n".join(ways_up) + "\n")
    # A data migration reads historical models by name: not walked.
    (tmp_path / "households" / "migrations" / "0001_x.py").write_text(
        'Visit = apps.get_model("casebook", "Visit")\n'
    )
    # Its own floor and those below, and words that only look like a relation's name.
    (tmp_path / "households" / "ok.py").write_text(
        'Household.objects.filter(village__name="x").values("group__number")\n'
        "household.consent_changes.all()\n"
        'audit.record(action, target="members")\n'
        'KIND = ("members", "Party members")\n'
    )
    found = list(_registry_reads("households", _names_from_above(2), tmp_path))
    lines = sorted({line for path, line, _what in found if path.name == "x.py"})
    assert lines == list(range(1, len(ways_up) + 1)), found
    assert {path.name for path, _line, _what in found} == {"x.py"}
