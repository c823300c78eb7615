"""Hotspots (热点诉求): matters that many households raise at once, read across a place.

One read for the dashboards, `read()`, in three queries whatever the data size, gives both:

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

from django.db.models import (
    Aggregate,
    Count,
    Exists,
    Expression,
    F,
    Max,
    Min,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone, translation

from casebook.models import OPEN_STATUSES, Meeting, MeetingStatus, Request, RequestCategory
from households.models import Village, VillageGroup

HOTSPOT_DAYS = (30, 90)
CLUSTER_DAYS = (7, 14, 30)
DEFAULT_CLUSTER_DAYS = 14
CLUSTER_HOUSEHOLDS = 3  # households, not requests: one household's three reports are one voice
RISING_AT_LEAST = 3
HOTSPOT_AT_LEAST = 2  # one request is a household's matter, not yet a hotspot
HOTSPOT_ROWS = 10
CLUSTER_ROWS = 10
CLUSTER_LISTED = 12  # requests listed under a cluster; the rest are counted

_IDS = ("village_id", "household__group_id", "category_id")


def _since(today: datetime.date, days: int) -> datetime.datetime:
    """Local midnight `days - 1` days before today: a window of `days` calendar days."""
    start = today - datetime.timedelta(days=days - 1)
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))


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
    """The categories × groups with most requests in the last `days` days (`read`)."""
    return read(requests, days=days, today=today).hotspots


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
    """The clusters of the window, most households first (`read`)."""
    return read(requests, window=days, today=today).clusters


@dataclass
class Reading:
    hotspots: list[Hotspot]
    clusters: list[Cluster]


def read(
    requests: QuerySet[Request],
    *,
    days: int | None = None,
    window: int | None = None,
    today: datetime.date | None = None,
) -> Reading:
    """The hotspots over `days` days and the clusters within `window` days (either may be
    left out), in three queries whatever the data size: the requests counted by village,
    group and category ids for both at once; the names of the places and categories found;
    the clusters' requests.

    Grouped by ids only, the count joins nothing but the household (for its group): with
    the names joined and grouped too, PostgreSQL spent longer planning it than running it.
    `requests` is the viewer's scoped queryset, already narrowed to the place shown.
    """
    today = today or timezone.localdate()
    tallies: dict[str, Aggregate] = {}
    keep: list[Q] = []
    starts = []
    if days is not None:
        start, before = _since(today, days), _since(today, 2 * days)
        starts.append(before)
        recent, earlier = Q(created_at__gte=start), Q(created_at__gte=before, created_at__lt=start)
        tallies |= {
            "count": Count("pk", filter=recent),
            "households": Count("household_id", filter=recent, distinct=True),
            "before": Count("pk", filter=earlier),
        }
        keep.append(Q(count__gte=HOTSPOT_AT_LEAST))
    if window is not None:
        opened = _since(today, window)
        starts.append(opened)
        gathered = Q(created_at__gte=opened, status__in=OPEN_STATUSES)
        tallies |= {
            "open": Count("pk", filter=gathered),
            "open_households": Count("household_id", filter=gathered, distinct=True),
            "first": Min("created_at", filter=gathered),
            "last": Max("created_at", filter=gathered),
        }
        keep.append(Q(open_households__gte=CLUSTER_HOUSEHOLDS))
    if not tallies:
        return Reading([], [])
    rows = list(
        requests.filter(created_at__gte=min(starts))
        .order_by()
        .values(*_IDS)
        .annotate(**tallies)
        .filter(reduce(or_, keep))
    )
    names = _Names.read(rows)
    found = Reading([], [])
    if days is not None:
        hot = [row for row in rows if row["count"] >= HOTSPOT_AT_LEAST]
        hot.sort(key=lambda r: (-r["count"], -r["households"], *names.order(r), r["category_id"]))
        found.hotspots = [
            Hotspot(
                **names.where(row),
                count=row["count"],
                households=row["households"],
                before=row["before"],
            )
            for row in hot[:HOTSPOT_ROWS]
        ]
    if window is not None:
        gathered_rows = [r for r in rows if r["open_households"] >= CLUSTER_HOUSEHOLDS]
        gathered_rows.sort(key=lambda r: (-r["open_households"], -r["open"], *names.order(r)))
        found.clusters = _listed(
            requests,
            window,
            today,
            [
                Cluster(
                    **names.where(row),
                    count=row["open"],
                    households=row["open_households"],
                    first=row["first"],
                    last=row["last"],
                )
                for row in gathered_rows[:CLUSTER_ROWS]
            ],
        )
    return found


@dataclass
class _Names:
    """The names of the villages, groups and categories of the counted rows (one query)."""

    villages: dict[int, str]
    groups: dict[int, str]
    categories: dict[int, str]

    @classmethod
    def read(cls, rows: list[dict]) -> "_Names":
        found: dict[str, dict[int, str]] = {"v": {}, "g": {}, "c": {}}
        if rows:
            english = (translation.get_language() or "").startswith("en")
            named = (
                _named(Village, "v", {r["village_id"] for r in rows})
                .union(_named(VillageGroup, "g", {r["household__group_id"] for r in rows}))
                .union(_named(RequestCategory, "c", {r["category_id"] for r in rows}, "name_en"))
            )
            for kind, pk, name, name_en in named:
                found[kind][pk] = name_en if english and name_en else name
        return cls(found["v"], found["g"], found["c"])

    def order(self, row: dict) -> tuple[str, str]:
        return self.villages[row["village_id"]], self.groups[row["household__group_id"]]

    def where(self, row: dict) -> dict:
        """The village, group and category of a counted row, as the dataclasses name them."""
        return {
            "village_id": row["village_id"],
            "village": self.villages[row["village_id"]],
            "group_id": row["household__group_id"],
            "group": self.groups[row["household__group_id"]],
            "category_id": row["category_id"],
            "category": self.categories[row["category_id"]],
        }


def _named(model: type[Model], kind: str, ids: set[int], name_en: str = "") -> QuerySet:
    """(kind, pk, name, English name) of these rows, for a union."""
    english: Expression = F(name_en) if name_en else Value("")
    return (
        model._default_manager.filter(pk__in=ids)
        .order_by()
        .annotate(kind=Value(kind), english=english)
        .values_list("kind", "pk", "name", "english")
    )


def _listed(
    requests: QuerySet[Request], window: int, today: datetime.date, found: list[Cluster]
) -> list[Cluster]:
    """The clusters with their requests listed, newest first (one query)."""
    if not found:
        return []
    by_key = {(c.village_id, c.group_id, c.category_id): c for c in found}
    members = (
        _open_in_window(requests, window, today)
        .filter(
            reduce(
                or_,
                (Q(village_id=v, household__group_id=g, category_id=c) for v, g, c in by_key),
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
        cluster = by_key[(village_id, group_id, category_id)]
        if len(cluster.requests) < CLUSTER_LISTED:
            cluster.requests.append(ClusterRequest(pk, head, created_at, on_agenda))
    return found


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
