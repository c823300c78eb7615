"""With REDIS_URL set (CI's third pass), what a test counted or cached in Redis.

A test's rows roll back with its transaction; its rate counters and cached figures in Redis
do not. `forget()` removes every key of this test run (tests/settings.py gives the run its
own prefix); without Redis it does nothing.
"""

from django.conf import settings


def forget() -> None:
    if not settings.REDIS_URL:
        return
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)
