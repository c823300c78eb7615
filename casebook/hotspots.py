"""Hotspots (热点诉求): matters that many households raise at once, read across a place.

Two reads for the dashboards, each a bounded number of queries whatever the data size:

- `hotspots()`: requests by category × group over the last 30 or 90 days (where at least
  `HOTSPOT_AT_LEAST` were raised), beside the same count for the days before them; a row is
  *rising* when it has at least
  `RISING_AT_LEAST` requests and half as many again as the window before (or the window
  before had none).
- `clusters()`: open requests of one category, raised in one group within a chosen window by
  at least `CLUSTER_HOUSEHOLDS` households: one village matter, which the method sends to the
  deliberation pavilion (民事民提、民事民议、民事民决). `cluster_requests()` reads one
  cluster's requests again (for the step that puts them on a meeting's agenda).
"""

import datetime
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone, translation

from casebook.models import Meeting, MeetingStatus, Request

HOTSPOT_DAYS = (30, 90)
CLUSTER_DAYS = (7, 14, 30)
DEFAULT_CLUSTER_DAYS = 14
CLUSTER_HOUSEHOLDS = 3  # households, not requests: one household's three reports are one voice
RISING_AT_LEAST = 3
HOTSPOT_AT_LEAST = 2  # one request is a household's matter, not yet a hotspot
HOTSPOT_ROWS = 10
CLUSTER_ROWS = 10
CLUSTER_LISTED = 12  # requests listed under a cluster; the rest are counted

_KEY = (
    "village_id",
    "village__name",
    "household__group_id",
    "household__group__name",
    "category_id",
    "category__name",
    "category__name_en",
)


def _since(today: datetime.date, days: int) -> datetime.datetime:
    """Local midnight `days - 1` days before today: a window of `days` calendar days."""
    start = today - datetime.timedelta(days=days - 1)
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))


def _where(row: dict) -> dict:
    """The village, group and category of a row read with `_KEY`, as the dataclasses name them."""
    return {
        "village_id": row["village_id"],
        "village": row["village__name"],
        "group_id": row["household__group_id"],
        "group": row["household__group__name"],
        "category_id": row["category_id"],
        "category": _category(row["category__name"], row["category__name_en"]),
    }


def _category(name: str, name_en: str) -> str:
    """The category as RequestCategory.__str__ names it, from two values already read."""
    if name_en and (translation.get_language() or "").startswith("en"):
        return name_en
    return name


@dataclass(frozen=True)
class Hotspot:
    """One category in one group: requests raised in the window and in the one before."""

    village_id: int
    village: str
    group_id: int
    group: str
    category_id: int
    category: str
    count: int
    households: int
    before: int

    @property
    def rising(self) -> bool:
        return self.count >= RISING_AT_LEAST and 2 * self.count >= 3 * self.before


def hotspots(
    requests: QuerySet[Request], *, days: int, today: datetime.date | None = None
) -> list[Hotspot]:
    """The categories × groups with most requests in the last `days` days (one query).

    `requests` is the viewer's scoped queryset, already narrowed to the place shown.
    """
    today = today or timezone.localdate()
    start = _since(today, days)
    rows = (
        requests.filter(created_at__gte=_since(today, 2 * days))
        .order_by()
        .values(*_KEY)
        .annotate(
            count=Count("pk", filter=Q(created_at__gte=start)),
            households=Count("household_id", filter=Q(created_at__gte=start), distinct=True),
            before=Count("pk", filter=Q(created_at__lt=start)),
        )
        .filter(count__gte=HOTSPOT_AT_LEAST)
        .order_by("-count", "-households", "village__name", "household__group__name", "category_id")
    )[:HOTSPOT_ROWS]
    return [
        Hotspot(
            **_where(row),
            count=row["count"],
            households=row["households"],
            before=row["before"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ClusterRequest:
    pk: int
    head_name: str
    created_at: datetime.datetime
    on_agenda: bool


@dataclass
class Cluster:
    """Open requests of one category from one group, raised within the window."""

    village_id: int
    village: str
    group_id: int
    group: str
    category_id: int
    category: str
    count: int
    households: int
    first: datetime.datetime
    last: datetime.datetime
    requests: list[ClusterRequest] = field(default_factory=list)

    @property
    def more(self) -> int:
        """Requests of the cluster not listed under it."""
        return self.count - len(self.requests)

    @property
    def on_agenda(self) -> bool:
        """Every listed request is already on a planned meeting's agenda."""
        return bool(self.requests) and all(r.on_agenda for r in self.requests)


def _open_in_window(requests: QuerySet[Request], days: int, today: datetime.date) -> QuerySet:
    return requests.open().filter(created_at__gte=_since(today, days))


def _planned_agenda() -> Exists:
    return Exists(
        Meeting.requests.through.objects.filter(
            request_id=OuterRef("pk"), meeting__status=MeetingStatus.PLANNED
        )
    )


def clusters(
    requests: QuerySet[Request], *, days: int, today: datetime.date | None = None
) -> list[Cluster]:
    """The clusters of the window, most households first (two queries).

    `requests` is the viewer's scoped queryset, already narrowed to the place shown.
    """
    today = today or timezone.localdate()
    window = _open_in_window(requests, days, today)
    keys = list(
        window.order_by()
        .values(*_KEY)
        .annotate(
            count=Count("pk"),
            households=Count("household_id", distinct=True),
            first=Min("created_at"),
            last=Max("created_at"),
        )
        .filter(households__gte=CLUSTER_HOUSEHOLDS)
        .order_by("-households", "-count", "village__name", "household__group__name")[:CLUSTER_ROWS]
    )
    if not keys:
        return []
    found = {
        (k["village_id"], k["household__group_id"], k["category_id"]): Cluster(
            **_where(k),
            count=k["count"],
            households=k["households"],
            first=k["first"],
            last=k["last"],
        )
        for k in keys
    }
    members = (
        window.filter(
            reduce(
                or_,
                (Q(village_id=v, household__group_id=g, category_id=c) for v, g, c in found),
            )
        )
        .annotate(on_agenda=_planned_agenda())
        .order_by("-created_at", "-pk")
        .values_list(
            "village_id",
            "household__group_id",
            "category_id",
            "pk",
            "household__head_name",
            "created_at",
            "on_agenda",
        )
    )
    for village_id, group_id, category_id, pk, head, created_at, on_agenda in members:
        cluster = found[(village_id, group_id, category_id)]
        if len(cluster.requests) < CLUSTER_LISTED:
            cluster.requests.append(ClusterRequest(pk, head, created_at, on_agenda))
    return list(found.values())


def cluster_requests(
    requests: QuerySet[Request],
    *,
    village_id: int,
    group_id: int,
    category_id: int,
    days: int,
    today: datetime.date | None = None,
) -> QuerySet[Request]:
    """One cluster's open requests (within the viewer's scope), oldest first."""
    today = today or timezone.localdate()
    return (
        _open_in_window(requests, days, today)
        .filter(village_id=village_id, household__group_id=group_id, category_id=category_id)
        .select_related("household", "category")
        .order_by("created_at", "pk")
    )


TOP_CATEGORIES = 3


@dataclass(frozen=True)
class TopCategory:
    category: str
    count: int


def top_categories(
    requests: QuerySet[Request], *, days: int, today: datetime.date | None = None
) -> dict[int, list[TopCategory]]:
    """Each township's `TOP_CATEGORIES` most raised categories over the last `days` days,
    by township id (one query): what a county compares across its townships."""
    today = today or timezone.localdate()
    rows = (
        requests.filter(created_at__gte=_since(today, days))
        .order_by()
        .values("village__township_id", "category__name", "category__name_en")
        .annotate(count=Count("pk"))
        .order_by("village__township_id", "-count", "category__name")
    )
    found: dict[int, list[TopCategory]] = {}
    for row in rows:
        top = found.setdefault(row["village__township_id"], [])
        if len(top) < TOP_CATEGORIES:
            top.append(
                TopCategory(
                    _category(row["category__name"], row["category__name_en"]), row["count"]
                )
            )
    return found
