"""Django's database cache, writing an entry in one statement.

Django's DatabaseCache.set() takes five round trips: it counts the whole table (to cull
it when over MAX_ENTRIES), then opens a transaction, reads the key, and updates or inserts.
The figures cache (infra/cache.py) writes an entry after every write in a village, on the
request that reads the figures again, where those round trips were ~1 ms of the page. On
PostgreSQL and SQLite a set here is one upsert (INSERT … ON CONFLICT), and the table is
counted (and culled as Django culls it) on one set in CULL_CHECK_EVERY of each process:
the table may pass MAX_ENTRIES by that many entries a worker before it is culled. Reads,
add(), touch() and any other database are Django's own.
"""

import base64
import itertools
import pickle
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, router
from django.utils import timezone

UPSERT_VENDORS = {"postgresql", "sqlite"}


class DatabaseCache(DjangoDatabaseCache):
    CULL_CHECK_EVERY = 20

    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self._sets = itertools.count()

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        if connection.vendor not in UPSERT_VENDORS:
            return super().set(key, value, timeout, version)
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            expires_at = datetime.max
        else:  # as Django's own set() writes it
            expires_at = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        exp = connection.ops.adapt_datetimefield_value(expires_at.replace(microsecond=0))
        value = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        quote = connection.ops.quote_name
        table = quote(self._table)  # type: ignore[attr-defined] # Django's, not in its stubs
        try:
            with connection.cursor() as cursor:
                if next(self._sets) % self.CULL_CHECK_EVERY == 0:
                    cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 # nosec B608
                    count = cursor.fetchone()[0]
                    if count > self._max_entries:
                        now = timezone.now().replace(microsecond=0)
                        self._cull(db, cursor, now, count)  # type: ignore[attr-defined]
                key_, value_, expires = quote("cache_key"), quote("value"), quote("expires")
                cursor.execute(
                    # Names quoted by the database's own quote_name; values as parameters.
                    f"INSERT INTO {table} ({key_}, {value_}, {expires}) VALUES (%s, %s, %s) "  # noqa: S608 # nosec B608
                    f"ON CONFLICT ({key_}) DO UPDATE SET {value_} = excluded.{value_}, "
                    f"{expires} = excluded.{expires}",
                    [key, value, exp],
                )
        except DatabaseError:  # as Django's own: a cache that cannot write is not an error
            return
