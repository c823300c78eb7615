"""Fixed-window rate limits that hold across several workers and hosts.

With Redis configured (REDIS_URL) the counters live in Redis, whose INCR is atomic. Without
it they live in the database (RateCounter), counted with an atomic UPDATE … SET count =
count + 1, so the embedded SQLite set-up and several gunicorn workers agree too.
(django-ratelimit cannot use Django's database cache, hence this small module.)
"""

import hashlib
import random
import time

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from infra.models import RateCounter


def _key(key: str) -> str:
    # Keys carry IPs and tokens: store a digest, not the value.
    return hashlib.sha256(key.encode()).hexdigest()[:40]


KEEP_SECONDS = 2 * 86400  # counters older than this are removed (no window is longer)


def hit(key: str, *, limit: int, seconds: int) -> bool:
    """Count one hit for `key`; True while the window's count stays within `limit`.

    A window is named by its start in epoch seconds, so windows of different lengths can
    be cleaned up together without touching a live one.
    """
    now = int(time.time())
    window = now - now % seconds
    digest = _key(key)
    if settings.RATE_LIMIT_BACKEND == "cache":
        name = f"rl:{digest}:{window}"
        cache.add(name, 0, timeout=seconds + 5)
        count = cache.incr(name)
    else:
        count = _hit_database(digest, window)
        if random.random() < 0.01:  # noqa: S311 -- housekeeping, not security
            RateCounter.objects.filter(window__lt=now - KEEP_SECONDS).delete()
    return count <= limit


def _hit_database(digest: str, window: int) -> int:
    with transaction.atomic():
        rows = RateCounter.objects.filter(key=digest, window=window)
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=digest, window=window, count=1)
            except IntegrityError:  # another worker created it first
                rows.update(count=F("count") + 1)
        return rows.values_list("count", flat=True).get()
