"""Dashboard figures and village maps, cached until one of their villages changes.

The township table, a village's dashboard, the monthly report and the maps aggregate every
household, visit and request of their villages: ~15 ms of queries for a township, for
numbers that change a few times an hour. They are cached under the villages' tokens
(`VillageFigures`): every write that changes a figure sets a new random token for its
village in the same transaction, through the receivers below, so the next read recomputes
exactly the villages that changed. Paths that write without model signals (bulk imports,
the seed, QuerySet.update) call `touch()` themselves.

A reader that sees a token also sees the data written with it (they commit together); the
key also holds the day (overdue, this month) and the language (the maps' titles).
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone, translation

TIMEOUT = 6 * 60 * 60  # an unused entry goes after six hours; a changed one is never read


def touch(village_ids: Iterable[int | None]) -> None:
    """Mark these villages' figures as changed (call inside the writing transaction)."""
    from liaison.models import VillageFigures

    ids = {pk for pk in village_ids if pk}
    if not ids:
        return
    token = secrets.randbits(62)
    if VillageFigures.objects.filter(village_id__in=ids).update(token=token) < len(ids):
        VillageFigures.objects.bulk_create(
            [VillageFigures(village_id=pk, token=token) for pk in ids], ignore_conflicts=True
        )


def cached(kind: str, village_ids: Iterable[int], *parts, compute: Callable):
    """`compute()` for these villages, or its cached value while none of them has changed."""
    from liaison.models import VillageFigures

    ids = sorted(set(village_ids))
    tokens = dict(
        VillageFigures.objects.filter(village_id__in=ids).values_list("village_id", "token")
    )
    db = settings.DATABASES["default"]
    identity = (
        kind,
        db.get("NAME"),
        db.get("HOST"),
        [(pk, tokens.get(pk, 0)) for pk in ids],
        [str(part) for part in parts],
        timezone.localdate().isoformat(),
        translation.get_language(),
    )
    key = "figures:" + hashlib.sha256(repr(identity).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


# --- What changes a figure ------------------------------------------------------------------


def _household_village(household_id: int | None) -> int | None:
    from households.models import Household

    if household_id is None:
        return None
    return Household.objects.filter(pk=household_id).values_list("village_id", flat=True).first()


def _remember_village(sender, instance, raw=False, **kwargs):
    """Before a household or member is saved: the village it leaves, if it moves."""
    if raw or instance._state.adding or instance.pk is None:
        return
    instance._village_before = (
        sender.objects.filter(pk=instance.pk).values_list("village_id", flat=True).first()
    )


def _own_village(sender, instance, raw=False, **kwargs):
    if not raw:
        touch([instance.village_id, getattr(instance, "_village_before", None)])


def _village_itself(sender, instance, raw=False, **kwargs):
    if not raw:
        touch([instance.pk])


def _household_of(sender, instance, raw=False, **kwargs):
    if raw:
        return
    household = instance._state.fields_cache.get("household")
    touch([household.village_id if household else _household_village(instance.household_id)])


def connect() -> None:
    from casebook.models import Meeting, Request, Visit
    from households.models import Household, Village
    from liaison.models import VillageTarget
    from members.models import Assignment, PartyMember

    for model in (Household, PartyMember):
        pre_save.connect(_remember_village, sender=model, dispatch_uid=f"figures-pre-{model}")
    for model in (Household, PartyMember, Request, Meeting, VillageTarget):
        post_save.connect(_own_village, sender=model, dispatch_uid=f"figures-save-{model}")
        post_delete.connect(_own_village, sender=model, dispatch_uid=f"figures-delete-{model}")
    for model in (Visit, Assignment):
        post_save.connect(_household_of, sender=model, dispatch_uid=f"figures-save-{model}")
        post_delete.connect(_household_of, sender=model, dispatch_uid=f"figures-delete-{model}")
    post_save.connect(_village_itself, sender=Village, dispatch_uid="figures-save-village")


# --- The cached reads -----------------------------------------------------------------------


def village_rows(villages, month):
    """dashboard.village_rows, cached: the township table and a village's figures."""
    from liaison import dashboard

    ids = list(villages.values_list("pk", flat=True))
    return cached(
        "village-rows", ids, month, compute=lambda: dashboard.village_rows(villages, month)
    )


def village_dashboard(village, month):
    """A village's figures, its members' rows and its map: one entry for the whole page."""
    from households.models import Village
    from liaison import dashboard
    from members import mapping

    def compute():
        return {
            "row": dashboard.village_rows(Village.objects.filter(pk=village.pk), month).rows[0],
            "members": dashboard.member_rows(village, month),
            "map": mapping.DrawnMap.of(mapping.village_map(village)),
        }

    return cached("village-dashboard", [village.pk], month, compute=compute)


def trends(villages, month):
    from liaison import dashboard

    ids = list(villages.values_list("pk", flat=True))
    return cached("trends", ids, month, compute=lambda: dashboard.trends(villages, month))


def monthly_report(villages, month, *, village=None):
    from liaison import reports

    ids = list(villages.values_list("pk", flat=True))
    return cached(
        "report",
        ids,
        month,
        village.pk if village else "",
        compute=lambda: reports.monthly(villages, month, village=village),
    )


def village_map(village, *, highlight=None):
    """The village's map as drawn (mapping.DrawnMap), cached per village and highlight."""
    from members import mapping

    def compute():
        return mapping.DrawnMap.of(mapping.village_map(village, highlight=highlight))

    return cached("map", [village.pk], highlight.pk if highlight else "", compute=compute)
