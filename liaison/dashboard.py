"""Dashboard figures: per village, per member, and monthly trends.

Every figure is aggregated in the database with GROUP BY (a fixed number of queries,
whatever the number of villages, households or visits), then put together here.
"""

import datetime
import functools
from dataclasses import dataclass, field, fields

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from base.aggregates import Compiled, Median, ReplySeconds, subquery_count
from base.dates import add_months, month_start
from casebook.models import (
    OPEN_STATUSES,
    Meeting,
    MeetingStatus,
    Request,
    RequestCategory,
    Satisfaction,
    Visit,
    overdue_q,
)
from households.models import Household, HouseholdStatus, Township, Village
from liaison.models import DEFAULT_TARGET, VillageTarget
from members.models import Assignment, PartyMember

DAY = 86400.0


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _aware_bounds(start: datetime.date, end: datetime.date):
    """Midnight at the start of both days, in the township's time zone."""
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end, datetime.time.min, tzinfo=tz),
    )


def month_pace(month: datetime.date, today: datetime.date) -> float:
    """The share (percent) of a month's visiting target expected by the start of `today`.

    Visits accumulate over the month, so a month under way is judged against the days gone
    by (on 7 December: 6 of 31 days, 19.4 %), not against the whole month; a past month
    against all of it, a month not begun yet against nothing.
    """
    start = month_start(month)
    end = add_months(start, 1)
    if today >= end:
        return 100.0
    if today <= start:
        return 0.0
    return round(100 * (today - start).days / (end - start).days, 1)


@dataclass
class VillageRow:
    village: Village
    target: VillageTarget
    households: int = 0
    priority: int = 0
    members: int = 0
    covered: int = 0
    visited: int = 0
    priority_visited: int = 0
    priority_visited_enough: int = 0
    open: int = 0
    overdue: int = 0
    replied: int = 0
    confirmed: int = 0
    # 一事一评: replies of the month the household rated, and those rated satisfied or
    # basically satisfied (the 12345 hotlines' satisfaction rate).
    rated: int = 0
    satisfied: int = 0
    median_reply_days: float | None = None
    meetings: int = 0
    # Percent of the month's visits expected by today (month_pace): 100 for a past month.
    pace: float = 100.0

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def coverage(self):
        return self.share(self.covered, self.households)

    @property
    def visited_share(self):
        return self.share(self.visited, self.households)

    @property
    def priority_share(self):
        return self.share(self.priority_visited_enough, self.priority)

    @property
    def confirmed_share(self):
        return self.share(self.confirmed, self.replied)

    @property
    def satisfied_share(self):
        return self.share(self.satisfied, self.rated)

    # Lagging: below target is red, within 80 % of it amber. None: nothing to judge; a
    # target of 0 (a month not begun) neither.
    @staticmethod
    def _level(value, target):
        if value is None or not target:
            return ""
        if value >= target:
            return "ok"
        return "warn" if value >= 0.8 * target else "lag"

    @property
    def coverage_level(self):
        return self._level(self.coverage, 100)

    @property
    def visited_level(self):
        """Visits accumulate: judged against the pace expected by today."""
        return self._level(self.visited_share, self.pace)

    @property
    def priority_level(self):
        """A past month: the households visited as often as the target says. A month under
        way: their visits so far (at least one for each visited, the target's number for
        each visited enough) against the pace, as nobody's second visit is due on the 7th."""
        if self.pace >= 100:
            return self._level(self.priority_share, 100)
        n = max(1, self.target.visits_per_priority_household)
        done = self.priority_visited + (n - 1) * self.priority_visited_enough
        return self._level(self.share(done, n * self.priority), self.pace)

    @property
    def confirmed_level(self):
        return self._level(self.confirmed_share, self.target.confirmed_percent)

    @property
    def overdue_level(self):
        return "lag" if self.overdue else "ok"

    @property
    def reply_level(self):
        if self.median_reply_days is None:
            return ""
        days, target = self.median_reply_days, self.target.reply_days
        return "ok" if days <= target else ("warn" if days <= 1.5 * target else "lag")


@dataclass
class Totals:
    rows: list[VillageRow]
    total: VillageRow
    month: datetime.date
    quarter: datetime.date
    pace: float = 100.0


def _by_village(queryset: QuerySet, village_field: str = "village_id", **aggregates) -> QuerySet:
    """`aggregates` per village, as {village_field: …, name: value} rows."""
    return queryset.order_by().values(village_field).annotate(**aggregates)


def village_rows(villages: QuerySet[Village], month: datetime.date) -> Totals:
    """The dashboard table for the given villages and month, in five queries (four for one
    village): the villages, then their figures by the queries `_figure_queries` keeps."""
    start = month_start(month)
    end = add_months(start, 1)
    village_list = list(villages.select_related("target").order_by("code"))
    ids = tuple(v.pk for v in village_list)
    figures = _figure_queries(ids, start, end, min(datetime.date.today(), end))
    pace = month_pace(start, timezone.localdate())
    counts = {row.pop("id"): row for row in figures.villages.rows()}
    households = {row.pop("village_id"): row for row in figures.households.rows()}
    request_counts = {row.pop("village_id"): row for row in figures.requests.rows()}
    rows = []
    for v in village_list:
        target = getattr(v, "target", None) or DEFAULT_TARGET
        h = households.get(v.pk, {})
        r = request_counts.get(v.pk, {})
        median = r.get("median")
        rows.append(
            VillageRow(
                village=v,
                target=target,
                households=h.get("n", 0),
                priority=h.get("priority", 0),
                members=counts[v.pk]["members_n"],
                covered=h.get("covered", 0),
                visited=h.get("visited", 0),
                priority_visited=h.get("priority_visited", 0),
                priority_visited_enough=h.get("priority_enough", 0),
                open=r.get("open", 0),
                overdue=r.get("overdue", 0),
                replied=r.get("replied", 0),
                confirmed=r.get("confirmed", 0),
                rated=r.get("rated", 0),
                satisfied=r.get("satisfied", 0),
                median_reply_days=round(median / DAY, 1) if median is not None else None,
                meetings=counts[v.pk]["meetings_n"],
                pace=pace,
            )
        )
    total = VillageRow(village=None, target=DEFAULT_TARGET, pace=pace)
    for name in ADDITIVE:
        setattr(total, name, sum(getattr(row, name) for row in rows))
    if len(rows) == 1:  # one village (its dashboard): its median is the whole median
        total.median_reply_days = rows[0].median_reply_days
    else:
        overall = figures.replied.aggregate(median=Median(figures.reply_seconds))["median"]
        total.median_reply_days = round(overall / DAY, 1) if overall is not None else None
    return Totals(rows=rows, total=total, month=start, quarter=quarter_start(start), pace=pace)


# The row's counts, which add up from villages to townships (shares and levels are derived
# from them; the median is not a count and is read again for each township).
ADDITIVE = tuple(f.name for f in fields(VillageRow) if f.type is int)


@dataclass
class TownshipRow(VillageRow):
    """A county dashboard's row: a township's villages added up, its own median."""

    township: Township | None = None


def township_rows(villages: QuerySet[Village], month: datetime.date) -> Totals:
    """The county table: the villages' figures added up per township, with each township's
    median days to reply (one query more than village_rows)."""
    villages = villages.select_related("township")
    totals = village_rows(villages, month)
    base = {f.name: getattr(totals.total, f.name) for f in fields(VillageRow)}
    by_township: dict[int, TownshipRow] = {}
    for row in totals.rows:
        township = row.village.township
        into = by_township.get(township.pk)
        if into is None:
            into = by_township[township.pk] = TownshipRow(
                **{**base, **dict.fromkeys(ADDITIVE, 0), "median_reply_days": None},
                township=township,
            )
        for name in ADDITIVE:
            setattr(into, name, getattr(into, name) + getattr(row, name))
    if by_township:
        start = month_start(month)
        end = add_months(start, 1)
        ids = tuple(row.village.pk for row in totals.rows)  # as village_rows built them
        figures = _figure_queries(ids, start, end, min(datetime.date.today(), end))
        medians = (
            figures.replied.order_by()
            .values("village__township_id")
            .annotate(median=Median(figures.reply_seconds))
        )
        for line in medians:
            row = by_township.get(line["village__township_id"])
            if row is not None and line["median"] is not None:
                row.median_reply_days = round(line["median"] / DAY, 1)
    rows = sorted(by_township.values(), key=lambda r: r.township.code)
    return Totals(
        rows=rows,
        total=totals.total,
        month=totals.month,
        quarter=totals.quarter,
        pace=totals.pace,
    )


@dataclass(frozen=True)
class FigureQueries:
    villages: Compiled  # per village: active members, meetings held this quarter
    households: Compiled  # per village: n, priority, covered, visited, priority_…
    requests: Compiled  # per village: open, overdue, replied, confirmed, median
    replied: QuerySet  # the month's replied requests of all the villages
    reply_seconds: ReplySeconds


def townships_from_parts(
    parts: dict[int, Totals], townships: dict[int, Township], median_reply_days: float | None
) -> Totals:
    """The county table put together from each township's village rows (`village_rows` of
    its villages, by township id): a township's row is its villages' total under its name,
    with its own median; the county's total adds the counts up, and its median, which does
    not add up, is `median_reply_days` read across them all."""
    rows = []
    for township_id, part in parts.items():
        row = TownshipRow(
            **{f.name: getattr(part.total, f.name) for f in fields(VillageRow)},
            township=townships[township_id],
        )
        rows.append(row)
    rows.sort(key=lambda r: r.township.code)
    first = next(iter(parts.values()))
    total = VillageRow(village=None, target=DEFAULT_TARGET, pace=first.pace)
    for name in ADDITIVE:
        setattr(total, name, sum(getattr(row, name) for row in rows))
    total.median_reply_days = median_reply_days
    return Totals(rows=rows, total=total, month=first.month, quarter=first.quarter, pace=first.pace)


def villages_from_parts(
    parts: dict[int, Totals], townships: dict[int, Township], total: VillageRow
) -> Totals:
    """Every village's row of the townships' parts in one table, by village code as
    `village_rows` orders them, each village knowing its township, under `total`."""
    rows = []
    for township_id, part in parts.items():
        for row in part.rows:
            row.village.township = townships[township_id]
            rows.append(row)
    rows.sort(key=lambda r: r.village.code)
    first = next(iter(parts.values()))
    return Totals(rows=rows, total=total, month=first.month, quarter=first.quarter, pace=first.pace)


def median_reply_days(village_ids: list[int], month: datetime.date) -> float | None:
    """The month's median days to reply across these villages (one query)."""
    start = month_start(month)
    end = add_months(start, 1)
    figures = _figure_queries(
        tuple(sorted(village_ids)), start, end, min(datetime.date.today(), end)
    )
    overall = figures.replied.aggregate(median=Median(figures.reply_seconds))["median"]
    return round(overall / DAY, 1) if overall is not None else None


@functools.lru_cache(maxsize=32)
def _figure_queries(
    ids: tuple[int, ...], start: datetime.date, end: datetime.date, overdue_on: datetime.date
) -> FigureQueries:
    """The figures' aggregate queries for these villages and month, built once per process
    and arguments (they depend on nothing else): building them resolves some forty
    expressions, which cost more Python than the database takes to run them, and the
    figures are recomputed with the same arguments after every write. The three per-village
    queries are compiled once too (base.aggregates.Compiled); the median is run as a
    copy."""
    since, until = _aware_bounds(start, end)
    quarter = quarter_start(start)
    q_since, q_until = _aware_bounds(quarter, add_months(quarter, 3))
    # Members and this quarter's meetings counted alongside each village (a village's few
    # dozen rows each, by index), instead of a GROUP BY query apiece.
    villages = (
        Village.objects.filter(pk__in=ids)
        .values("id")
        .annotate(
            members_n=subquery_count(
                PartyMember.objects.filter(village_id=OuterRef("pk"), is_active=True)
            ),
            meetings_n=subquery_count(
                Meeting.objects.filter(
                    village_id=OuterRef("pk"),
                    status=MeetingStatus.HELD,
                    held_at__gte=q_since,
                    held_at__lt=q_until,
                )
            ),
        )
    )
    active = Household.objects.filter(village_id__in=ids, status=HouseholdStatus.ACTIVE)
    in_month = Visit.objects.filter(
        household_id=OuterRef("pk"), visited_on__gte=start, visited_on__lt=end
    )
    # The household's last visit answers most households without counting the notebook:
    # before the month, not visited; inside it, visited. Only a later last visit (a past
    # month's dashboard) needs the count, and the database only runs it for those rows.
    # (A household never visited has no last visit: "IS NOT NULL" answers it before the
    # count, which NULL >= end alone would not.)
    visited = Q(last_visited_on__gte=start, last_visited_on__lt=end) | Q(
        last_visited_on__gte=end, last_visited_on__isnull=False, visits_now__gte=1
    )
    households = _by_village(
        active.annotate(
            # One join on the open link (one per household at most), not an EXISTS per
            # household: 3,066 index probes for a township.
            open_link=FilteredRelation(
                "assignments", condition=Q(assignments__ended_on__isnull=True)
            ),
            visits_now=subquery_count(in_month),
            needed=Coalesce(
                F("village__target__visits_per_priority_household"),
                Value(DEFAULT_TARGET.visits_per_priority_household),
            ),
        ),
        n=Count("pk"),
        priority=Count("pk", filter=Q(is_priority=True)),
        # The link's household, not its id: the open-link index then answers alone.
        covered=Count("open_link__household"),
        visited=Count("pk", filter=visited),
        priority_visited=Count("pk", filter=Q(is_priority=True) & visited),
        priority_enough=Count(
            "pk",
            filter=Q(is_priority=True)
            & (Q(needed__lte=0) | Q(last_visited_on__gte=start, visits_now__gte=F("needed"))),
        ),
    )
    replied_in_month = Q(replied_at__gte=since, replied_at__lt=until)
    reply_seconds = ReplySeconds(F("replied_at"), F("created_at"))
    requests = _by_village(
        Request.objects.filter(village_id__in=ids),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=overdue_q(overdue_on)),
        replied=Count("pk", filter=replied_in_month),
        confirmed=Count("pk", filter=replied_in_month & Q(satisfaction__in=PLEASED)),
        rated=Count("pk", filter=replied_in_month & ~Q(satisfaction="")),
        satisfied=Count("pk", filter=replied_in_month & Q(satisfaction__in=PLEASED)),
        median=Median(reply_seconds, filter=replied_in_month),
    )
    replied = Request.objects.filter(replied_in_month, village_id__in=ids)
    return FigureQueries(
        Compiled(villages), Compiled(households), Compiled(requests), replied, reply_seconds
    )


PLEASED = (Satisfaction.SATISFIED, Satisfaction.BASIC)  # the household closed it


@dataclass
class MemberRow:
    member: PartyMember
    households: int = 0
    due: int = 0
    overdue_owned: int = 0


def member_rows(village: Village, month: datetime.date) -> list[MemberRow]:
    """Per member of a village: linked households, still due this month, overdue owned; in
    one query (a village's few dozen members, each counted by index)."""
    start = month_start(month)
    members = _member_query(village.pk, start, add_months(start, 1), timezone.localdate())
    return [
        MemberRow(member=m, households=m.linked, due=m.due, overdue_owned=m.overdue_owned)
        for m in members.objects()
    ]


@functools.lru_cache(maxsize=64)
def _member_query(
    village_id: int, start: datetime.date, end: datetime.date, today: datetime.date
) -> Compiled:
    """member_rows' query, built and compiled once per process and arguments (as
    _figure_queries)."""
    links = Assignment.objects.filter(
        member_id=OuterRef("pk"), ended_on__isnull=True, household__status=HouseholdStatus.ACTIVE
    )
    visited = Visit.objects.filter(
        household_id=OuterRef("household_id"), visited_on__gte=start, visited_on__lt=end
    )
    # Still due: the household's last visit answers, as in village_rows: never visited or
    # last visited before the month, due; inside it, not; only a later last visit (a past
    # month's page) asks the notebook.
    due = (
        Q(household__last_visited_on__isnull=True)
        | Q(household__last_visited_on__lt=start)
        | Q(household__last_visited_on__gte=end) & ~Exists(visited)
    )
    # A member without a login owns no request: owner_id = NULL matches nothing.
    overdue = Request.objects.filter(village_id=village_id, owner_id=OuterRef("user_id")).filter(
        overdue_q(today)
    )
    return Compiled(
        PartyMember.objects.filter(village_id=village_id, is_active=True)
        .only("name", "user_id", "latitude", "longitude")  # the rows and the map's homes
        .order_by("name")
        .annotate(
            linked=subquery_count(links),
            due=subquery_count(links.filter(due)),
            overdue_owned=subquery_count(overdue),
        )
    )


@dataclass
class Trends:
    months: list[datetime.date]
    visits: list[int]
    raised: list[int]
    replied: list[int]
    median_days: list[float | None]
    by_category: list[tuple[RequestCategory, list[int]]] = field(default_factory=list)


def trends(villages: QuerySet[Village], month: datetime.date, *, months: int = 12) -> Trends:
    """The last `months` months up to `month`: visits, requests raised and replied, median reply."""
    end = add_months(month_start(month), 1)
    start = add_months(end, -months)
    axis = [add_months(start, i) for i in range(months)]
    since, until = _aware_bounds(start, end)
    ids = list(villages.values_list("pk", flat=True))
    visits = dict(
        Visit.objects.filter(
            household__village_id__in=ids, visited_on__gte=start, visited_on__lt=end
        )
        .annotate(m=TruncMonth("visited_on"))
        .order_by()
        .values("m")
        # COUNT(*), not COUNT(id): the (household, visited_on) index then answers alone.
        .annotate(n=Count("*"))
        .values_list("m", "n")
    )
    requests = Request.objects.filter(village_id__in=ids)
    raised_rows = (
        requests.filter(created_at__gte=since, created_at__lt=until)
        .annotate(m=TruncMonth("created_at"))
        .order_by()
        .values("m", "category_id")
        .annotate(n=Count("pk"))
    )
    replied_rows = _replied_by_month(requests, since, until)

    raised, by_category = {}, {}
    for row in raised_rows:
        m = _month_key(row["m"])
        raised[m] = raised.get(m, 0) + row["n"]
        by_category.setdefault(row["category_id"], {})[m] = row["n"]
    replied = {_month_key(r["m"]): r for r in replied_rows}
    categories = RequestCategory.objects.in_bulk(list(by_category))
    return Trends(
        months=axis,
        visits=[visits.get(m, 0) for m in axis],
        raised=[raised.get(m, 0) for m in axis],
        replied=[replied[m]["n"] if m in replied else 0 for m in axis],
        median_days=[
            round(replied[m]["median"] / DAY, 1)
            if m in replied and replied[m]["median"] is not None
            else None
            for m in axis
        ],
        by_category=[
            (categories[c], [by_category[c].get(m, 0) for m in axis])
            for c in sorted(by_category, key=lambda c: categories[c].sort)
        ],
    )


def _month_key(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _replied_by_month(requests: QuerySet[Request], since, until) -> QuerySet:
    """Requests replied between `since` and `until`, per month: how many, median seconds."""
    return (
        requests.filter(replied_at__gte=since, replied_at__lt=until)
        .annotate(m=TruncMonth("replied_at"))
        .order_by()
        .values("m")
        .annotate(n=Count("pk"), median=Median(ReplySeconds(F("replied_at"), F("created_at"))))
    )


def trend_median_days(
    village_ids: list[int], month: datetime.date, *, months: int = 12
) -> list[float | None]:
    """`trends`' median days to reply, month by month, across these villages (one query)."""
    end = add_months(month_start(month), 1)
    start = add_months(end, -months)
    since, until = _aware_bounds(start, end)
    rows = _replied_by_month(Request.objects.filter(village_id__in=village_ids), since, until)
    medians = {_month_key(r["m"]): r["median"] for r in rows}
    return [
        round(medians[m] / DAY, 1) if medians.get(m) is not None else None
        for m in (add_months(start, i) for i in range(months))
    ]


def trends_from_parts(parts: list[Trends], median_days: list[float | None]) -> Trends:
    """The trend of several townships from each one's: the counts add up month by month;
    the medians, which do not, are `median_days` read across them all."""
    first = parts[0]
    width = len(first.months)
    by_category: dict[int, tuple[RequestCategory, list[int]]] = {}
    for part in parts:
        for category, counts in part.by_category:
            into = by_category.setdefault(category.pk, (category, [0] * width))[1]
            for i, n in enumerate(counts):
                into[i] += n
    return Trends(
        months=first.months,
        visits=[sum(p.visits[i] for p in parts) for i in range(width)],
        raised=[sum(p.raised[i] for p in parts) for i in range(width)],
        replied=[sum(p.replied[i] for p in parts) for i in range(width)],
        median_days=median_days,
        by_category=sorted(by_category.values(), key=lambda line: line[0].sort),
    )
