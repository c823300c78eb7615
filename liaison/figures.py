"""The dashboards' figures, cached per village until a write in one of them changes them
(infra/cache.py says how; each feature's services touch the villages they change)."""

from casebook import hotspots as casebook_hotspots
from households.models import Township, Village
from infra.cache import cached, cached_each, recall
from liaison import dashboard, reports
from members import mapping


def village_rows(villages, month):
    """dashboard.village_rows, cached: the township table and a village's figures."""
    return cached(
        "village-rows", villages, month, compute=lambda: dashboard.village_rows(villages, month)
    )


def township_rows(villages, month):
    """The county table, put together from each township's village rows, the very entries
    its own dashboard keeps: a write in one township recomputes that township's rows, not
    the county's twenty. The county's median, which does not add up, is read across them
    all (and cached by them all)."""
    parts, townships, ids = _township_parts(villages, month)
    if not parts:
        return dashboard.township_rows(villages, month)
    return dashboard.townships_from_parts(parts, townships, _median(ids, month))


def _township_parts(villages, month):
    """({township id: its villages' rows}, {township id: township}, every village id)."""
    by_township = _township_groups(villages)
    parts = cached_each(
        "village-rows",
        by_township,
        month,
        compute=lambda _township, ids: dashboard.village_rows(
            Village.objects.filter(pk__in=ids), month
        ),
    )
    townships = Township.objects.in_bulk(list(by_township)) if by_township else {}
    return parts, townships, sorted(pk for ids in by_township.values() for pk in ids)


def _township_groups(villages) -> dict[int, list[int]]:
    """The villages' ids by township id (one query)."""
    by_township: dict[int, list[int]] = {}
    for pk, township_id in villages.order_by().values_list("pk", "township_id"):
        by_township.setdefault(township_id, []).append(pk)
    return by_township


def _median(ids, month):
    return cached(
        "median-reply", ids, month, compute=lambda: dashboard.median_reply_days(ids, month)
    )


def top_categories(villages, requests, *, days: int):
    """Each township's most raised categories over `days` days, cached by the villages."""
    return cached(
        "top-categories",
        villages,
        days,
        compute=lambda: casebook_hotspots.top_categories(requests, days=days),
    )


def village_dashboard(village, month):
    """A village's figures, its members' rows and its map. The figures and rows are one
    entry; the map's drawing is kept once under its own key (mapping.redrawn_map), which
    the entry names, rather than again inside every entry (~120 KB of SVG to compress and
    write after every write in the village)."""
    drawn = []

    def compute():
        members = dashboard.member_rows(village, month)
        drawn.append(mapping.redrawn_map(village, [row.member for row in members]))
        return {
            "row": dashboard.village_rows(Village.objects.filter(pk=village.pk), month).rows[0],
            "members": members,
            "map": drawn[0].kept_as,
        }

    entry = cached("village-dashboard", [village.pk], month, compute=compute)
    if not drawn:  # read from the cache: the drawing too, or drawn again if it went since
        drawn.append(
            recall(entry["map"])
            or mapping.redrawn_map(village, [row.member for row in entry["members"]])
        )
    return {**entry, "map": drawn[0]}


def trends(villages, month):
    """dashboard.trends, cached; a county's put together from its townships' trends (the
    entries their own trend pages keep), its medians read across them all."""
    groups = _township_groups(villages)
    if len(groups) <= 1:
        return cached("trends", villages, month, compute=lambda: dashboard.trends(villages, month))
    parts = cached_each(
        "trends",
        groups,
        month,
        compute=lambda _township, ids: dashboard.trends(Village.objects.filter(pk__in=ids), month),
    )
    ids = sorted(pk for members in groups.values() for pk in members)
    medians = cached(
        "trend-medians", ids, month, compute=lambda: dashboard.trend_median_days(ids, month)
    )
    return dashboard.trends_from_parts(list(parts.values()), medians)


def monthly_report(villages, month, *, place, village=None):
    """The month's report; a county's (several townships) put together from its townships'
    cached rows like the county table, so that a write in one township recomputes its rows
    only."""
    if village is None:
        parts, townships, ids = _township_parts(villages, month)
        if len(parts) > 1:
            table = dashboard.townships_from_parts(parts, townships, _median(ids, month))
            return reports.assembled(
                place=place,
                month=month,
                totals=dashboard.villages_from_parts(parts, townships, table.total),
                townships=table,
                trend=trends(villages, month),
            )
    return cached(
        "report",
        villages,
        month,
        village.pk if village else "",
        place,
        compute=lambda: reports.monthly(villages, month, place=place, village=village),
    )


def hotspots(villages, requests, *, days: int, window: int):
    """The place's hotspots over `days` and its clusters within `window` days, cached by
    the villages (a new request or reply touches its village)."""
    return cached(
        "hotspots",
        villages,
        days,
        window,
        compute=lambda: vars(casebook_hotspots.read(requests, days=days, window=window)),
    )
