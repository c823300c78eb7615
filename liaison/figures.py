"""The dashboards' figures, cached per village until a write in one of them changes them
(infra/cache.py says how; each feature's services touch the villages they change)."""

import dataclasses

from casebook import hotspots as casebook_hotspots
from households.models import Township, Village
from infra.cache import cached, cached_each, recall, with_tokens
from liaison import dashboard, reports
from members import mapping


def village_rows(villages, month):
    """dashboard.village_rows, cached: the township table and a village's figures."""
    return cached(
        "village-rows", villages, month, compute=lambda: dashboard.village_rows(villages, month)
    )


def county(villages, requests, month, *, days: int):
    """The county table, and each township's most raised categories over `days` days
    among `requests` (the viewer's, read a township at a time).

    Both are put together from each township's entries (its total and its top
    categories): a write in one township recomputes that township's, not the county's
    twenty. The county's median, which does not add up, is read across them all. The
    villages are read with their tokens, once for all three."""
    groups, tokens = _groups_and_tokens(villages)
    if not groups:
        return dashboard.township_rows(villages, month), {}
    totals = cached_each(
        "township-total",
        groups,
        month,
        tokens=tokens,
        # The total alone: the county's table has no village rows to read back.
        compute=lambda _township, ids: dataclasses.replace(_rows_of(ids, month), rows=[]),
    )
    table = _table(totals, groups, month, tokens)
    top = cached_each(
        "top-categories",
        groups,
        days,
        tokens=tokens,
        compute=lambda township, members: casebook_hotspots.top_categories(
            requests.filter(village_id__in=members), days=days
        ).get(township, []),
    )
    return table, top


def _ids(groups: dict[int, list[int]]) -> list[int]:
    return sorted(pk for members in groups.values() for pk in members)


def _groups_and_tokens(villages) -> tuple[dict[int, list[int]], dict[int, int]]:
    """The villages' ids by township id, and their tokens (one query)."""
    groups: dict[int, list[int]] = {}
    tokens = {}
    for pk, township_id, token in with_tokens(villages, "township_id"):
        groups.setdefault(township_id, []).append(pk)
        tokens[pk] = token
    return groups, tokens


def _parts(groups, month, tokens):
    """{township id: its villages' rows}, each the very entry its own dashboard keeps."""
    return cached_each(
        "village-rows",
        groups,
        month,
        tokens=tokens,
        compute=lambda _township, ids: _rows_of(ids, month),
    )


def _rows_of(ids: list[int], month):
    """dashboard.village_rows of these villages, for a township's entry."""
    return dashboard.village_rows(Village.objects.filter(pk__in=ids), month)


def _table(parts, groups, month, tokens):
    """The townships' table put together from their parts, with the median read across
    them all."""
    townships = Township.objects.in_bulk(list(groups))
    median = _median(_ids(groups), month, tokens)
    return dashboard.townships_from_parts(parts, townships, median)


def _median(ids, month, tokens):
    return cached(
        "median-reply",
        ids,
        month,
        tokens=tokens,
        compute=lambda: dashboard.median_reply_days(ids, month),
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


def trends(villages, month, *, groups=None, tokens=None):
    """dashboard.trends, cached; a county's put together from its townships' trends (the
    entries their own trend pages keep), its medians read across them all. `groups` and
    `tokens`: the villages by township and their tokens, when read already."""
    if groups is None or tokens is None:
        groups, tokens = _groups_and_tokens(villages)
    if len(groups) <= 1:
        return cached(
            "trends",
            list(tokens),
            month,
            tokens=tokens,
            compute=lambda: dashboard.trends(villages, month),
        )
    ids = _ids(groups)
    parts = cached_each(
        "trends",
        groups,
        month,
        tokens=tokens,
        compute=lambda _township, ids: dashboard.trends(Village.objects.filter(pk__in=ids), month),
    )
    medians = cached(
        "trend-medians",
        ids,
        month,
        tokens=tokens,
        compute=lambda: dashboard.trend_median_days(ids, month),
    )
    return dashboard.trends_from_parts(list(parts.values()), medians)


def monthly_report(villages, month, *, place, village=None):
    """The month's report; a county's (several townships) put together from its townships'
    cached rows like the county table, so that a write in one township recomputes its rows
    only (the villages' tokens read once for the rows, the trends and the medians)."""
    if village is None:
        groups, tokens = _groups_and_tokens(villages)
        if len(groups) > 1:
            parts = _parts(groups, month, tokens)
            table = _table(parts, groups, month, tokens)
            return reports.assembled(
                place=place,
                month=month,
                totals=dashboard.villages_from_parts(
                    parts, {row.township.pk: row.township for row in table.rows}, table.total
                ),
                townships=table,
                trend=trends(villages, month, groups=groups, tokens=tokens),
            )
        return cached(
            "report",
            list(tokens),
            month,
            "",
            place,
            tokens=tokens,
            compute=lambda: reports.monthly(villages, month, place=place),
        )
    return cached(
        "report",
        villages,
        month,
        village.pk,
        place,
        compute=lambda: reports.monthly(villages, month, place=place, village=village),
    )


def report_file(villages, month, *, place, village=None) -> reports.File:
    """The month's report as an .xlsx, kept by the villages like the figures it is made of:
    the same bytes are downloaded until one of them changes."""
    return cached(
        "report-file",
        villages,
        month,
        village.pk if village else "",
        place,
        compute=lambda: reports.xlsx_file(
            monthly_report(villages, month, place=place, village=village)
        ),
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
