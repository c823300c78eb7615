"""Hotspots (热点诉求): matters that many households raise at once, read across a place.

One read for the dashboards, `read()`, gives both:

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

from django.db.models import Count, QuerySet
from django.utils import timezone, translation

from casebook.models import OPEN_STATUSES, Meeting, MeetingStatus, Request

HOTSPOT_DAYS = (30, 90)
CLUSTER_DAYS = (7, 14, 30)
DEFAULT_CLUSTER_DAYS = 14
CLUSTER_HOUSEHOLDS = 3  # households, not requests: one household's three reports are one voice
RISING_AT_LEAST = 3
HOTSPOT_AT_LEAST = 2  # one request is a household's matter, not yet a hotspot
HOTSPOT_ROWS = 10
CLUSTER_ROWS = 10
CLUSTER_LISTED = 12  # requests listed under a cluster; the rest are counted


def _since(today: datetime.date, days: int) -> datetime.datetime:
    """Local midnight `days - 1` days before today: a window of `days` calendar days."""
    start = today - datetime.timedelta(days=days - 1)
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))


def _english() -> bool:
    """Whether categories are named in English (as RequestCategory.__str__ names them)."""
    return (translation.get_language() or "").startswith("en")


@dataclass(frozen=True)
class Place:
    """A village's group and a category: where a hotspot or a cluster stands."""

    village_id: int
    village: str
    group_id: int
    group: str
    category_id: int
    category: str


@dataclass(frozen=True)
class Hotspot(Place):
    """One category in one group: requests raised in the window and in the one before."""

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


@dataclass(frozen=True)
class Cluster(Place):
    """Open requests of one category from one group, raised within the window."""

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


def clusters(
    requests: QuerySet[Request], *, days: int, today: datetime.date | None = None
) -> list[Cluster]:
    """The clusters of the window, most households first (`read`)."""
    return read(requests, window=days, today=today).clusters


@dataclass
class Reading:
    hotspots: list[Hotspot]
    clusters: list[Cluster]


@dataclass
class _Tally:
    """One village, group and category: its requests counted as `read` counts them."""

    place: Place
    count: int = 0  # raised in the hotspots' window
    households: set[int] = field(default_factory=set)
    before: int = 0  # raised in the window before it
    open: list[tuple] = field(default_factory=list)  # open, raised in the clusters' window
    open_households: set[int] = field(default_factory=set)


def read(
    requests: QuerySet[Request],
    *,
    days: int | None = None,
    window: int | None = None,
    today: datetime.date | None = None,
) -> Reading:
    """The hotspots over `days` days and the clusters within `window` days (either may be
    left out), in two queries: the place's requests of the longest window, a row each with
    the names of their village, group and category, counted here; and which of the
    clusters' requests are on a planned meeting's agenda.

    A place's requests of 60 or 180 days are a few hundred rows (a township of 3,066
    households raised 374 in 180 days): reading them costs less than building, planning
    and grouping the three aggregate queries that counted them in the database before.
    `requests` is the viewer's scoped queryset, already narrowed to the place shown.
    """
    today = today or timezone.localdate()
    starts = []
    if days is not None:
        start, before = _since(today, days), _since(today, 2 * days)
        starts.append(before)
    if window is not None:
        opened = _since(today, window)
        starts.append(opened)
    if not starts:
        return Reading([], [])
    english = _english()  # once: the language is a context-local, slow to read per row
    tallies: dict[tuple[int, int, int], _Tally] = {}
    rows = (
        requests.filter(created_at__gte=min(starts))
        .order_by("-created_at", "-pk")
        .values_list(*_ROW)
    )
    for village_id, group_id, category_id, household_id, pk, created_at, status, *names in rows:
        village, group, category, category_en, head = names
        tally = tallies.get((village_id, group_id, category_id))
        if tally is None:
            tally = tallies[(village_id, group_id, category_id)] = _Tally(
                Place(
                    village_id, village, group_id, group, category_id,
                    category_en if english and category_en else category,
                )
            )  # fmt: skip
        if days is not None and created_at >= start:
            tally.count += 1
            tally.households.add(household_id)
        elif days is not None and created_at >= before:
            tally.before += 1
        if window is not None and created_at >= opened and status in OPEN_STATUSES:
            tally.open.append((pk, head, created_at))
            tally.open_households.add(household_id)
    found = Reading([], [])
    if days is not None:
        hot = sorted(
            (t for t in tallies.values() if t.count >= HOTSPOT_AT_LEAST),
            key=lambda t: (
                -t.count,
                -len(t.households),
                t.place.village,
                t.place.group,
                t.place.category_id,
            ),  # fmt: skip
        )
        found.hotspots = [
            Hotspot(**vars(t.place), count=t.count, households=len(t.households), before=t.before)
            for t in hot[:HOTSPOT_ROWS]
        ]
    if window is not None:
        gathered = sorted(
            (t for t in tallies.values() if len(t.open_households) >= CLUSTER_HOUSEHOLDS),
            key=lambda t: (-len(t.open_households), -len(t.open), t.place.village, t.place.group),
        )[:CLUSTER_ROWS]
        planned = _on_agenda([pk for t in gathered for pk, _head, _at in t.open[:CLUSTER_LISTED]])
        found.clusters = [
            Cluster(
                **vars(t.place),
                count=len(t.open),
                households=len(t.open_households),
                first=t.open[-1][2],  # newest first
                last=t.open[0][2],
                requests=[
                    ClusterRequest(pk, head, at, pk in planned)
                    for pk, head, at in t.open[:CLUSTER_LISTED]
                ],
            )
            for t in gathered
        ]
    return found


# A request's row for `read`, newest first: what it counts by, then the names it shows.
_ROW = (
    "village_id",
    "household__group_id",
    "category_id",
    "household_id",
    "pk",
    "created_at",
    "status",
    "village__name",
    "household__group__name",
    "category__name",
    "category__name_en",
    "household__head_name",
)


def _on_agenda(pks: list[int]) -> set[int]:
    """Which of these requests are on a planned meeting's agenda (one query, none for none)."""
    if not pks:
        return set()
    return set(
        Meeting.requests.through.objects.filter(
            request_id__in=pks, meeting__status=MeetingStatus.PLANNED
        ).values_list("request_id", flat=True)
    )


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
    english = _english()
    for row in rows:
        top = found.setdefault(row["village__township_id"], [])
        if len(top) < TOP_CATEGORIES:
            top.append(
                TopCategory(
                    row["category__name_en"]
                    if english and row["category__name_en"]
                    else row["category__name"],
                    row["count"],
                )  # fmt: skip
            )
    return found
