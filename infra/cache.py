"""Figures cached per village until one of their villages changes.

Dashboards, reports and maps aggregate every household, visit and request of their
villages: ~15 ms of queries for a township, for numbers that change a few times an hour.
`cached()` keeps such a value under the tokens of its villages (`CacheToken`); `touch()`
gives the villages a new random token. Every service that changes what a village's figures
count calls `touch()` inside its own transaction, so the token and the data commit together
and the next read recomputes exactly the villages that changed. Bulk writers (the importer,
the seed) call it once for every village they wrote.

What is computed from rows read afresh can be kept by those rows instead: `memo_key()`
names a digest of the inputs, `kept()` keeps the result there and `recall()` reads it back
(the village map's drawing, drawn again only when a household or a link it draws changed).

This module knows no feature: it deals in village ids and in the callables it is handed.
The key also holds the day (overdue, this month) and the language (the maps' titles).
Values are stored pickled and compressed (`_packed`); the key's "z:" keeps entries of
another format apart.
"""

import hashlib
import pickle
import secrets
import zlib
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone, translation

from infra.models import CacheToken

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

TIMEOUT = 6 * 60 * 60  # an unused entry goes after six hours; a changed one is never read


def touch(village_ids: Iterable[int | None]) -> None:
    """Mark these villages' figures as changed (call inside the writing transaction)."""
    ids = {pk for pk in village_ids if pk}
    if not ids:
        return
    token = secrets.randbits(62)
    if CacheToken.objects.filter(village_id__in=ids).update(token=token) < len(ids):
        CacheToken.objects.bulk_create(
            [CacheToken(village_id=pk, token=token) for pk in ids], ignore_conflicts=True
        )


def tokens_of(village_ids: Iterable[int]) -> dict[int, int]:
    """The villages' tokens (one query), for a page that keeps several entries by them: each
    `cached` and `cached_each` handed them reads none."""
    return dict(
        CacheToken.objects.filter(village_id__in=set(village_ids)).values_list(
            "village_id", "token"
        )
    )


def with_tokens(villages: QuerySet[Any], *fields: str) -> list[tuple[Any, ...]]:
    """(pk, *fields, token) of each village of a queryset (any model whose pk is the village
    id), in one query: the villages and their tokens read together."""
    token = CacheToken.objects.filter(village_id=OuterRef("pk")).values("token")[:1]
    return list(
        villages.order_by()
        .annotate(cache_token=Subquery(token))
        .values_list("pk", *fields, "cache_token")
    )


def cached(
    kind: str,
    villages: Iterable[int] | QuerySet[Any],
    *parts: object,
    compute: Callable[[], T],
    tokens: Mapping[int, int] | None = None,
) -> T:
    """`compute()` for these villages, or its cached value while none of them has changed.

    `villages`: their ids, or a queryset of them (any model whose pk is the village id),
    read together with their tokens in one query; with ids, `tokens` may hand their tokens
    read already (`tokens_of`).
    """
    if isinstance(villages, QuerySet):
        tokens = dict(with_tokens(villages))
        ids = sorted(tokens)
    else:
        ids = sorted(set(villages))
        if tokens is None:
            tokens = tokens_of(ids)
    return kept(_figures_key(kind, ids, tokens, parts), compute)


def cached_each(
    kind: str,
    groups: Mapping[K, Iterable[int]],
    *parts: object,
    compute: Callable[[K, list[int]], T],
    tokens: Mapping[int, int] | None = None,
) -> dict[K, T]:
    """`cached(kind, ids, *parts)` for each group of villages at once, as {group: value}:
    the tokens in one query (none when handed them) and the entries in one read, and
    `compute(group, ids)` only for the groups one of whose villages changed (a county's
    table recomputes the township written to, not its twenty). A group's entry is the one
    `cached` keeps for those villages."""
    members = {name: sorted(set(ids)) for name, ids in groups.items()}
    if tokens is None:
        tokens = tokens_of(pk for ids in members.values() for pk in ids)
    keys = {name: _figures_key(kind, ids, tokens, parts) for name, ids in members.items()}
    stored = cache.get_many(list(keys.values()))
    found: dict[K, T] = {}
    fresh: dict[str, bytes] = {}
    for name, key in keys.items():
        if key in stored:
            found[name] = _unpacked(stored[key])
        else:
            found[name] = compute(name, members[name])
            fresh[key] = _packed(found[name])
    if fresh:
        cache.set_many(fresh, TIMEOUT)
    return found


def _figures_key(
    kind: str, ids: list[int], tokens: Mapping[int, int | None], parts: tuple[object, ...]
) -> str:
    db = settings.DATABASES["default"]
    identity = (
        kind,
        db.get("NAME"),
        db.get("HOST"),
        [(pk, tokens.get(pk) or 0) for pk in ids],
        [str(part) for part in parts],
        timezone.localdate().isoformat(),
        translation.get_language(),
    )
    return "figures:z:" + hashlib.sha256(repr(identity).encode()).hexdigest()


def memo_key(kind: str, inputs: object) -> str:
    """A key for a pure function's result, from a digest of its `inputs` (`kept` keeps the
    result there, `recall` reads it back): for what is computed from rows read afresh (a
    drawing of them), so that recomputing after a write that did not change its inputs (a
    visit does not move a household on the map) reuses the result. `inputs` must say
    everything the result depends on, by its repr; the language is added. An entry lasts
    TIMEOUT, whatever the code that made it."""
    identity = (kind, inputs, translation.get_language())
    return "memo:z:" + hashlib.sha256(repr(identity).encode()).hexdigest()


def kept(key: str, compute: Callable[[], T]) -> T:
    """The value kept under `key`, else `compute()`, kept there."""
    stored = cache.get(key)
    if stored is not None:
        return cast(T, _unpacked(stored))
    value = compute()
    cache.set(key, _packed(value), TIMEOUT)
    return value


def recall(key: str) -> Any:
    """The value kept under `key`, or None when there is none (expired or culled since)."""
    stored = cache.get(key)
    return None if stored is None else _unpacked(stored)


def _unpacked(stored: bytes) -> Any:
    return pickle.loads(zlib.decompress(stored))  # noqa: S301 # nosec B301 -- our own entry


def _packed(value: object) -> bytes:
    """The value pickled and compressed: a village map's drawing is ~140 KB of SVG pickled,
    25 KB compressed, which the database cache otherwise base64-encodes and writes whole
    (6 ms a write, 1.6 ms a read; 3.3 and 1.2 compressed). Level 1: the fastest, and most
    of the gain."""
    return zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), 1)
