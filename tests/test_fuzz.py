"""No input gives a server error: every URL of the access table, every role, fuzzed.

The first pass sends every URL, as every role, malformed query strings and paths: values
that are not numbers, numbers too large for any column, months and dates outside the
calendar, NUL bytes, invalid UTF-8 and repeated keys, on the query parameters the views
and filters read. The second pass posts the same values into every form field the product
declares (and every field the page itself shows). Any 5xx, or any exception that escapes
a view, fails the test with the request that caused it.

The draws are deterministic (one seeded generator per URL and role) and bounded, so a
failure reproduces and the run takes about the same time every time.
"""

import importlib
import random
import re
from pathlib import Path

import pytest
from django import forms
from django.db import transaction
from django.urls import reverse

from tests.access_table import ROLES, TABLE, Row
from tests.factories import user_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("base", "notify", "households", "members", "casebook", "liaison")

# Raw (already percent-encoded where needed) values for a query string or a form field.
NASTY = [
    "",
    "abc",
    "-1",
    "0",
    "99999999999999999999999999",
    str(2**63),
    "9" * 5000,  # more digits than int() accepts
    "1e309",
    "NaN",
    "2026-13",
    "9999-12",
    "0000-00",
    "10000-01",
    "-5--3",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "%00",
    "a%00b",
    "%FF%FE",  # invalid UTF-8
    "%C0%AF",
    "%EF%BC%91%EF%BC%92",  # full-width digits
    "%D9%A3",  # an Arabic-Indic digit: str.isdigit() says yes
    "%3Cscript%3E",
    "%27%20OR%201%3D1%20--",
    "x" * 3000,
    "1",
    "2026-11",
    "yes",
    "on",
]
PATH_INTS = ["0", "99999999999999999999", str(2**63), str(2**31)]
PATH_STRINGS = ["%00", "%FF%FE", "a%00b", "..%2F..%2F", "x" * 300, "%C0%AF"]


def _source_names(pattern: str) -> set[str]:
    names = set()
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            names |= set(re.findall(pattern, path.read_text()))
    return names


def _declared_fields(stems: tuple[str, ...]) -> set[str]:
    """The fields of every form class in the product's modules with these names."""
    names = set()
    for package in PRODUCT:
        for stem in stems:
            if not (ROOT / package / f"{stem}.py").exists():
                continue
            module = importlib.import_module(f"{package}.{stem}")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, forms.BaseForm):
                    names |= set(getattr(value, "base_fields", {}))
    return names


def _query_names() -> list[str]:
    """Every query parameter a view reads (by hand or through a query form), every filter."""
    from casebook.filters import RequestFilter
    from households.filters import HouseholdFilter
    from members.filters import MemberFilter

    names = _source_names(r"GET\.get(?:list)?\(\"(\w+)\"") | _declared_fields(("views",))
    for filterset in (HouseholdFilter, MemberFilter, RequestFilter):
        names |= set(filterset.base_filters)
    return sorted(names | {"page", "next"})


def _form_names() -> list[str]:
    """Every field of every form the product declares, and the fields views read by hand."""
    names = _source_names(r"POST\.get(?:list)?\(f?\"([\w-]+)")
    return sorted(names | _declared_fields(("forms", "views", "accounts")))


def _draw(rng: random.Random, world_values: list[str]) -> str:
    return rng.choice(NASTY if rng.random() < 0.8 else world_values)


def _query_string(rng, names, world_values) -> str:
    parts = []
    for name in names:
        if rng.random() < 0.5:
            continue
        for _repeat in range(rng.choice([1, 1, 1, 2, 3])):  # repeated keys
            parts.append(f"{name}={_draw(rng, world_values)}")
    rng.shuffle(parts)
    return "&".join(parts)


def _world_values(world) -> list[str]:
    return [
        str(v)
        for v in (
            world.village_a.pk,
            world.village_b.pk,
            world.village_x.pk,
            world.household_a.pk,
            world.household_a.group_id,
            world.member_a.pk,
            world.member_x.pk,
            world.staff.pk,
            "2026-11-01",
        )
    ]


def _paths(world, row: Row) -> list[str]:
    """The row's URL, then the same URL with each argument replaced by something malformed."""
    kwargs = row.kwargs(world) if row.kwargs else {}
    paths = [reverse(row.name, kwargs=kwargs or None)]
    for key, value in kwargs.items():
        if isinstance(value, int):
            for bad in PATH_INTS:
                paths.append(reverse(row.name, kwargs={**kwargs, key: int(bad)}))
        else:
            marker = "zzMARKERzz"
            template = reverse(row.name, kwargs={**kwargs, key: marker})
            paths += [template.replace(marker, bad) for bad in PATH_STRINGS]
    return paths


def _send(client, method: str, path: str, data=None, raw: str | None = None):
    with transaction.atomic():
        try:
            if method == "get":
                response = client.get(path)
            elif raw is not None:
                response = client.generic(
                    "POST", path, raw.encode("latin-1"), "application/x-www-form-urlencoded"
                )
            else:
                response = client.post(path, data)
        except Exception as error:  # the request escaped the view: a 500 in production
            return f"{method.upper()} {path[:200]}: {type(error).__name__}: {str(error)[:200]}"
        finally:
            transaction.set_rollback(True)
    if response.status_code >= 500:
        return f"{method.upper()} {path[:200]}: {response.status_code}"
    return None


def _log_in(client, world, role: str):
    client.logout()
    user = user_for(world, role)
    if user is not None:
        client.force_login(user)


GET_REQUESTS = 6  # per URL and role, besides the malformed paths
POST_REQUESTS = 5


@pytest.fixture
def fuzz_settings(settings):
    # The card page's limits would turn most requests into 429s and hide the views.
    settings.CARD_SUBMIT_PER_TOKEN_PER_HOUR = 10**6
    settings.CARD_SUBMIT_PER_IP_PER_HOUR = 10**6
    settings.CARD_VIEWS_PER_IP_PER_MINUTE = 10**6
    settings.CARD_CODE_PER_IP_PER_MINUTE = 10**6
    settings.AXES_ENABLED = False  # a thousand bad log-ins would lock the test user out
    return settings


@pytest.mark.parametrize("row", TABLE, ids=[row.name for row in TABLE])
def test_no_query_string_or_path_gives_a_server_error(row, world, client, fuzz_settings):
    names = _query_names()
    values = _world_values(world)
    paths = _paths(world, row)
    failures = []
    for role in ROLES:
        _log_in(client, world, role)
        rng = random.Random(f"get:{row.name}:{role}")  # noqa: S311 -- reproducible draws
        for path in paths:
            failures.append(_send(client, "get", path))
        for _ in range(GET_REQUESTS):
            query = _query_string(rng, names, values)
            failures.append(_send(client, "get", f"{paths[0]}?{query}"))
    assert [f for f in failures if f] == []


@pytest.mark.parametrize("row", TABLE, ids=[row.name for row in TABLE])
def test_no_form_post_gives_a_server_error(row, world, client, fuzz_settings):
    declared = _form_names()
    values = _world_values(world)
    url = reverse(row.name, kwargs=row.kwargs(world) if row.kwargs else None)
    failures = []
    for role in ROLES:
        _log_in(client, world, role)
        page = client.get(url)
        html = b"" if page.streaming else page.content
        shown = re.findall(r'name="([^"]+)"', html.decode(errors="replace"))
        names = sorted(set(declared) | set(shown) - {"csrfmiddlewaretoken"})
        rng = random.Random(f"post:{row.name}:{role}")  # noqa: S311 -- reproducible draws
        for _ in range(POST_REQUESTS):
            raw = _query_string(rng, names, values)
            failures.append(_send(client, "post", url, raw=raw))
    assert [f for f in failures if f] == []


def test_the_fuzz_reaches_the_parameters_the_views_read():
    """The name lists come from the code: a view's new parameter is fuzzed without a change."""
    assert {"month", "village", "page", "group", "household", "template", "q", "sort"} <= set(
        _query_names()
    )
    assert {"next", "move_price", "solved", "visited_on", "household", "description"} <= set(
        _form_names()
    )
