"""The security boundary, walked over every URL for every role (tests/access_table.py)."""

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import redis_keys
from tests.access_table import (
    COUNTY_TABLE,
    DUAL_TABLE,
    EXEMPT_PREFIXES,
    ROLES,
    TABLE,
    DualRow,
    Row,
    codes,
)
from tests.factories import user_for

pytestmark = pytest.mark.django_db


def _url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _url_names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_url_has_a_row_in_the_access_table():
    ours = {n for n in _url_names() if not n.startswith(EXEMPT_PREFIXES)}
    table = {row.name for row in TABLE}
    assert ours - table == set(), "add these URLs to tests/access_table.py"
    assert table - ours == set(), "these rows name URLs that no longer exist"


def _status(client, world, user, url: str, method: str, data) -> int:
    """The status `user` (None: anonymous) gets, in a rolled-back transaction of its own
    (and, with Redis, its rate counters forgotten): one request cannot change what the next
    one sees."""
    redis_keys.forget()
    with transaction.atomic():
        client.logout()
        if user is not None:
            client.force_login(user)
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, data(world) if data else {})
        transaction.set_rollback(True)
    return response.status_code


def _check(client, world, row: Row, url: str, method: str, expected: dict[str, int], data):
    failures = []
    for role in ROLES:
        got = _status(client, world, user_for(world, role), url, method, data)
        if got != expected[role]:
            failures.append(f"{method.upper()} {url} as {role}: {got}, expected {expected[role]}")
    return failures


@pytest.mark.parametrize("row", TABLE, ids=[row.name for row in TABLE])
def test_access(row: Row, world, client):
    failures = []
    url = reverse(row.name, kwargs=row.kwargs(world) if row.kwargs else None)
    failures += _check(client, world, row, url, "get", codes(row.get), row.post_data)
    failures += _check(client, world, row, url, "post", codes(row.post), row.post_data)
    if row.kwargs_out:
        url_out = reverse(row.name, kwargs=row.kwargs_out(world))
        failures += _check(client, world, row, url_out, "get", codes(row.get_out), row.post_data)
        failures += _check(
            client, world, row, url_out, "post", codes(row.post_out or row.get_out), row.post_data
        )
    assert failures == []


def test_only_superusers_get_into_admin(world, client):
    for role in ROLES:
        client.logout()
        user = user_for(world, role)
        if user is not None:
            client.force_login(user)
        response = client.get(reverse("admin:index"))
        expected = 200 if role == "admin" else 302
        assert response.status_code == expected, role


def test_only_login_and_the_card_pages_are_open_to_anonymous_visitors():
    open_to_anonymous = {
        row.name for row in TABLE if codes(row.get)["anon"] == 200 or codes(row.post)["anon"] == 200
    }
    # /healthz answers "ok" for the proxy and shows nothing else; the service worker, the
    # manifest and the offline page are the same files for everyone and name nobody; a card's voice
    # messages answer only with that card's token.
    assert open_to_anonymous == {
        "login",
        "card",
        "card-lookup",
        "healthz",
        "sw",
        "manifest",
        "offline",
        "card-voice",
    }


@pytest.mark.parametrize("row", DUAL_TABLE, ids=[f"{r.name}-{i}" for i, r in enumerate(DUAL_TABLE)])
def test_a_login_with_roles_in_two_villages(row: DualRow, dual, client):
    """Secretary of village A, member in village B: manages A only, sees B's own household."""
    client.force_login(dual.dual)
    url = reverse(row.name, kwargs=row.kwargs(dual))
    got = []
    for method in ("get", "post"):
        with transaction.atomic():
            got.append(getattr(client, method)(url).status_code)
            transaction.set_rollback(True)
    assert got == [row.get, row.post], url


def test_every_url_has_a_county_row():
    assert sorted(COUNTY_TABLE) == sorted(row.name for row in TABLE)


@pytest.mark.parametrize("row", TABLE, ids=[row.name for row in TABLE])
def test_county_staff_see_their_county_and_change_nothing(row: Row, world, client):
    expected = [int(code) for code in COUNTY_TABLE[row.name].split()]
    url = reverse(row.name, kwargs=row.kwargs(world) if row.kwargs else None)
    got = [
        _status(client, world, world.county_staff, url, "get", row.post_data),
        _status(client, world, world.county_staff, url, "post", row.post_data),
    ]
    if row.kwargs_out:
        url_out = reverse(row.name, kwargs=row.kwargs_out(world))
        got += [
            _status(client, world, world.county_staff, url_out, "get", row.post_data),
            _status(client, world, world.county_staff, url_out, "post", row.post_data),
        ]
    assert got == expected, f"{row.name} as county staff"
