"""Two app servers as one site: two gunicorns, one database, one Redis.

What the README's "several app servers" promises, tried as an operator would: a session
made on one server is valid on the other, the card page's hourly limit counts across both,
a dashboard figure changed through one is fresh on the other, and login lockout adds up
failures made on both. The servers share the test database (committed rows: a
transactional test) — PostgreSQL in CI's first pass; SQLite's test file (WAL) in the
others — and a Redis server of the test's own (redis-server, installed by `make
system-deps`): without Redis this test fails, it is never skipped.
"""

import os
import re

import pytest
from django.conf import settings

from casebook.models import RequestCategory
from devtools import loadtest
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RoleFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


def _database_env() -> dict:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": str(db["NAME"])}
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return {"DATABASE_URL": f"postgres://{user}@{host}/{db['NAME']}"}


@pytest.fixture
def site(reference_data, rate_window, tmp_path):
    """(server A, server B): two gunicorns with two workers each on one database and Redis."""
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        },
        **_database_env(),
        "DJANGO_SETTINGS_MODULE": "liaison.settings",
        "DEBUG": "1",
        "CONN_MAX_AGE": "60",
        "CARD_SUBMIT_PER_TOKEN_PER_HOUR": "5",
        "CARD_SUBMIT_PER_IP_PER_HOUR": "1000",
    }
    with loadtest.RedisServer() as redis:
        env["REDIS_URL"] = redis.url
        with (
            loadtest.Server(workers=2, env=env) as a,
            loadtest.Server(workers=2, env=env) as b,
        ):
            yield a, b


@pytest.fixture
def village(settings):
    # Hashed as the servers check them (the tests' own MD5 hasher is not in their list).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    village = VillageFactory(name="白牙合村")
    secretary = UserFactory(username="sec-two")
    RoleFactory(user=secretary, village=village)  # the village secretary
    member = PartyMemberFactory(village=village)
    household = HouseholdFactory(village=village)
    AssignmentFactory(household=household, member=member)
    village.household = household
    return village


def _open_requests(html: str) -> int:
    """The village dashboard's "open requests" figure."""
    match = re.search(r'status=open".*?class="stat-value">(\d+)<', html, re.S)
    assert match, html[:2000]
    return int(match.group(1))


def _raise_matter(server, household, text: str) -> int:
    browser = loadtest.Browser(server.url, timeout=60)
    browser.get(f"/c/{household.card_token}/")
    category = RequestCategory.objects.order_by("pk").first().pk
    status, _ = browser.post(
        f"/c/{household.card_token}/", {"category": category, "description": text}
    )
    return status


def test_two_servers_are_one_site(site, village):
    a, b = site

    # A session made on A is valid on B (cookies do not keep ports apart: one jar).
    on_a = loadtest.Browser(a.url, timeout=60)
    assert on_a.log_in("sec-two", PASSWORD)
    on_b = loadtest.Browser(b.url, timeout=60, jar=on_a.jar)
    status, html = on_b.get(f"/dashboard/villages/{village.pk}/")
    assert status == 200 and "白牙合村" in html

    # A dashboard figure read (and cached) on B, changed through A, is fresh on B.
    before = _open_requests(html)
    assert _raise_matter(a, village.household, "路灯坏了") == 302
    status, html = on_b.get(f"/dashboard/villages/{village.pk}/")
    assert status == 200 and _open_requests(html) == before + 1

    # The card's hourly limit (5 here) counts submissions made on both servers together:
    # one already (above), then nine more alternating between the servers.
    statuses = [_raise_matter((a, b)[i % 2], village.household, f"事项{i}") for i in range(9)]
    assert statuses == [302] * 4 + [429] * 5

    # Login lockout: three failures on A and two on B make the five that lock the login
    # (the fifth answers the lockout page), then on both servers, even with the password.
    UserFactory(username="m-two")  # village's PASSWORD_HASHERS still apply
    statuses = [_log_in(server, "m-two", "wrong-password-1")[0] for server in (a, a, a, b, b)]
    assert statuses == [200, 200, 200, 200, 429]
    for server in (a, b):
        status, html = _log_in(server, "m-two", PASSWORD)
        assert status == 429 and "登录失败次数过多" in html


def _log_in(server, username, password):
    browser = loadtest.Browser(server.url, timeout=60)
    browser.get("/accounts/login/")
    return browser.post("/accounts/login/", {"username": username, "password": password})
