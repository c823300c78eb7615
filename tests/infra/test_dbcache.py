"""The database cache writes an entry in one statement and still keeps to its size
(infra/dbcache.py)."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from infra.dbcache import DatabaseCache

pytestmark = pytest.mark.django_db

TABLE = "liaison_cache"


@pytest.fixture(autouse=True)
def cache_table():
    """The table, which migrate makes only when the site's cache is the database's (with
    REDIS_URL set, made here inside the test's transaction), emptied in the test's
    transaction: a test before it in the same process that commits (a served browser test)
    leaves entries behind, since flushing the database empties only the models' tables."""
    if TABLE not in connection.introspection.table_names():
        backend = {"BACKEND": "infra.dbcache.DatabaseCache", "LOCATION": TABLE}
        with override_settings(CACHES={"default": backend}):
            call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 # nosec B608


def entries() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")  # noqa: S608 # nosec B608
        return cursor.fetchone()[0]


def test_without_redis_the_site_cache_is_this_one():
    backend = settings.CACHES["default"]["BACKEND"]
    expected = "RedisCache" if settings.REDIS_URL else "infra.dbcache.DatabaseCache"
    assert backend.endswith(expected)


def test_a_write_is_one_statement_and_reads_back_as_written():
    cache = DatabaseCache(TABLE, {})
    cache.set("figures", {"open": 1}, 60)  # the first write of a process counts the table
    with CaptureQueriesContext(connection) as queries:
        for n in range(2, 7):
            cache.set("figures", {"open": n}, 60)  # the same key, written over
        cache.set("map", "<svg/>", None)  # never expires
    assert len(queries) == 6
    assert cache.get("figures") == {"open": 6}
    assert cache.get("map") == "<svg/>"
    assert entries() == 2
    cache.set("figures", "gone", 0)  # expired at once, as Django's timeout 0 means
    assert cache.get("figures") is None
    assert cache.get("missing", "default") == "default"


def test_the_table_is_culled_as_django_culls_it():
    cache = DatabaseCache(TABLE, {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}})
    cache.CULL_CHECK_EVERY = 1
    for n in range(40):
        cache.set(f"key-{n:02d}", n, 60)
        assert entries() <= 11  # over MAX_ENTRIES by the one just written, at most
    assert cache.get("key-39") == 39
    cache.CULL_CHECK_EVERY = 1000  # counted once in a thousand: the table may grow past it
    for n in range(40, 60):
        cache.set(f"key-{n:02d}", n, 60)
    assert entries() > 11
