"""The village map: who serves whom, drawn as a server-rendered SVG (no tiles, no network).

Each member's households and home are drawn as that member's area (a padded convex hull),
labelled with the member's name; a few colours (`PALETTE`) are enough because neighbouring
areas get different ones (greedy colouring over a Delaunay triangulation of the points).
A thin line joins each home to each linked household; unassigned households are red and
priority households have a ring. A proposal's map adds its moves as arrows from the old
member's home to the new one's (from the household itself when it had no member).
Elements carry `data-m` (member id) and arrows `data-g` (group numbers) for
static/js/village-map.js, which highlights one member on hover or tap and opens the map
large. Names are laid out twice (`_labels`), for the usual width and for the map opened
large, each clear of every other name and every home; a name that does not fit is drawn
hidden and shows with its member on hover or tap.

Coordinates go through base.geo, the projection the proposal measures with.
"""

import functools
from collections import defaultdict
from dataclasses import dataclass, replace
from html import escape  # what django.utils.html.escape writes, without its lazy-string wrapper

import numpy as np
from django.db.models import QuerySet, Subquery
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from scipy.spatial import Delaunay, QhullError

from base import geo
from households.models import Household, HouseholdStatus, Village
from households.selectors import open_assignment
from infra.cache import cached, kept, memo_key
from members.models import PartyMember

# A narrow drawing: at a card's width (~420 px) or a phone's scroll box (560 px) the names
# read at 11–15 px.
WIDTH, PAD = 600, 24
MIN_HEIGHT, MAX_HEIGHT = 300, 700
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#9c755f", "#edc948", "#ff9da7"]
UNASSIGNED = "#d62728"
# The drawing's version, in its cache keys: a drawing kept by an older version of this
# module is not served after a change to how the map is drawn.
DRAWING = 3
# A member's name, in the drawing's units (CSS .map-label: 17px bold; opened large 10px).
LABEL_SIZE, LABEL_SIZE_LARGE = 17.0, 10.0


@dataclass
class Spot:
    """A household on the map."""

    pk: int
    title: str
    latitude: float
    longitude: float
    priority: bool
    member_id: int | None


@dataclass
class Home:
    """A member on the map (the home may be unknown: then only their area is drawn)."""

    pk: int
    name: str
    latitude: float | None
    longitude: float | None


@dataclass
class Move:
    household_id: int
    old_member_id: int | None
    new_member_id: int
    group: int


@dataclass(frozen=True)
class DrawnMap:
    """What the template needs of a map, small enough to cache: the drawing and its counts."""

    svg: SafeString
    width: int = WIDTH
    height: int = MIN_HEIGHT
    missing: int = 0  # households without coordinates (not drawn)
    members: int = 0
    moves: int = 0
    highlight: int | None = None
    kept_as: str = ""  # the key the drawing is kept under (redrawn_map), if it is


def drawn_map(village: Village, *, highlight: PartyMember | None = None) -> DrawnMap:
    """The village's map as drawn, cached per village and highlight until the village changes."""
    return cached(
        "map",
        [village.pk],
        highlight.pk if highlight else "",
        DRAWING,
        compute=lambda: village_map(village, highlight=highlight),
    )


def village_map(village: Village, *, highlight: PartyMember | None = None) -> DrawnMap:
    """The map of one village in two queries; `highlight` brings one member forward."""
    households, members = _rows(village)
    return _draw_rows(village, households, members, highlight.pk if highlight else None)


def redrawn_map(village: Village, members: list[PartyMember]) -> DrawnMap:
    """The village's map, drawn again only when what it draws changed: for the dashboard's
    figures, recomputed after every visit and request, which move nothing on the map. The
    households are read afresh (`members`: the village's active members, which the caller
    has read) and the drawing is kept under their digest (`kept_as`)."""
    households = list(_household_rows(village.pk).all())
    homes = sorted((m.pk, m.name, m.latitude, m.longitude) for m in members)
    key = memo_key("village-map", (DRAWING, village.latitude, households, homes))
    drawn = kept(
        key, compute=lambda: replace(_draw_rows(village, households, homes, None), kept_as=key)
    )
    return replace(drawn, kept_as=key)  # an entry kept before kept_as was, too


def _rows(village: Village) -> tuple[list[tuple], list[tuple]]:
    """What the map draws of a village, as plain rows: a village has hundreds of households."""
    members = list(
        PartyMember.objects.filter(village=village, is_active=True)
        .order_by("pk")
        .values_list("pk", "name", "latitude", "longitude")
    )
    return list(_household_rows(village.pk).all()), members


@functools.lru_cache(maxsize=256)
def _household_rows(village_id: int) -> QuerySet:
    """The households' rows the map draws, built once per village (each use runs a copy)."""
    link = open_assignment()
    return (
        Household.objects.filter(village_id=village_id, status=HouseholdStatus.ACTIVE)
        .annotate(member_id=Subquery(link.values("member_id")[:1]))
        .order_by("number")
        .values_list(
            "pk", "number", "head_name", "latitude", "longitude", "is_priority", "member_id"
        )
    )


def _draw_rows(village, households, members, highlight: int | None) -> DrawnMap:
    spots = [
        Spot(pk, f"{number} {head_name}", lat, lng, priority, member_id)
        for pk, number, head_name, lat, lng, priority, member_id in households
    ]
    return draw(village, spots, [Home(*row) for row in members], highlight=highlight)


def proposal_map(proposal) -> DrawnMap:
    """The map of a proposal: today's areas and the proposed moves as arrows (no query)."""
    members = proposal.members
    now = {  # today's member of each household, where it is an active member of the village
        c.household.pk: c.old_member.pk if c.old_member is not None and not c.needed else None
        for c in proposal.changes
    }
    spots = [
        Spot(
            h.pk,
            f"{h.number} {h.head_name}",
            h.latitude,
            h.longitude,
            h.is_priority,
            now[h.pk] if h.pk in now else proposal.assigned.get(h.pk),
        )
        for h in proposal.households
    ]
    homes = [Home(m.pk, m.name, m.latitude, m.longitude) for m in members.values()]
    moves = [
        Move(c.household.pk, now[c.household.pk], c.new_member.pk, group.number)
        for group in proposal.groups
        for c in group.changes
    ]
    return draw(proposal.village, spots, homes, moves=moves)


def draw(
    village: Village,
    spots: list[Spot],
    homes: list[Home],
    *,
    moves: list[Move] = (),
    highlight: int | None = None,
) -> DrawnMap:
    """The drawing: areas, lines, households, homes, labels and arrows, in that order."""
    placed = [s for s in spots if s.latitude is not None and s.longitude is not None]
    located = [m for m in homes if m.latitude is not None and m.longitude is not None]
    missing = len(spots) - len(placed)
    if not placed and not located:
        return DrawnMap(svg=mark_safe(""), missing=missing, members=len(homes))  # noqa: S308 # nosec B308 B703
    lat0 = geo.origin_latitude(village.latitude)
    metres = geo.xy_array(
        [o.latitude for o in placed + located], [o.longitude for o in placed + located], lat0
    )
    low, high = metres.min(axis=0), metres.max(axis=0)
    span = np.maximum(high - low, 1.0)
    height = int(np.clip(WIDTH * span[1] / span[0], MIN_HEIGHT, MAX_HEIGHT))
    scale = min((WIDTH - 2 * PAD) / span[0], (height - 2 * PAD) / span[1])
    offset = (np.array([WIDTH, height]) - span * scale) / 2
    screen = (
        np.column_stack(
            [
                offset[0] + (metres[:, 0] - low[0]) * scale,
                height - offset[1] - (metres[:, 1] - low[1]) * scale,
            ]
        )
        .round(1)
        .tolist()
    )  # Python floats: formatted in the SVG ~10x faster than numpy's
    spot_xy = {s.pk: tuple(screen[i]) for i, s in enumerate(placed)}
    home_xy = {m.pk: tuple(screen[len(placed) + i]) for i, m in enumerate(located)}

    owned = defaultdict(list)
    for s in placed:
        if s.member_id is not None:
            owned[s.member_id].append(spot_xy[s.pk])
    colour = _colours(placed, located, owned, spot_xy, home_xy)
    names = {m.pk: m.name for m in homes}
    loads = defaultdict(int)
    for s in spots:
        if s.member_id is not None:
            loads[s.member_id] += 1

    parts = []
    for m in homes:
        points = owned.get(m.pk, []) + ([home_xy[m.pk]] if m.pk in home_xy else [])
        if not points:
            continue
        label = escape(_member_label(names[m.pk], loads[m.pk]))
        parts.append(
            f'<g class="map-area{_on(m.pk, highlight)}" data-m="{m.pk}" data-label="{label}" '
            f'opacity="0.2"><path d="{_hull_path(points)}" fill="{colour[m.pk]}" '
            f'stroke="{colour[m.pk]}" stroke-width="18" stroke-linejoin="round" '
            f'stroke-linecap="round"><title>{label}</title></path></g>'
        )
    for s in placed:
        if s.member_id in home_xy:
            (x1, y1), (x2, y2) = home_xy[s.member_id], spot_xy[s.pk]
            parts.append(
                f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour[s.member_id]}" '
                f'class="map-line{_on(s.member_id, highlight)}" data-m="{s.member_id}"/>'
            )
    unassigned, priority = escape(gettext("Unassigned")), escape(gettext("Priority household"))
    for s in placed:
        x, y = spot_xy[s.pk]
        title = escape(s.title)
        if s.member_id is None:
            title += f" · {unassigned}"
        elif s.member_id in names:
            title += f" · {escape(names[s.member_id])}"
        title += f" · {priority}" if s.priority else ""
        ring = (
            f'<circle cx="{x}" cy="{y}" r="6.5" fill="none" stroke="#e0a000" stroke-width="2"/>'
            if s.priority
            else ""
        )
        if s.member_id is None:
            classes, fill, r, data = "map-household unassigned", UNASSIGNED, "5", ""
        else:
            classes = f"map-household{_on(s.member_id, highlight)}"
            fill, r, data = colour.get(s.member_id, "#777"), "4", f' data-m="{s.member_id}"'
        parts.append(
            f'<g class="{classes}"{data}>{ring}<circle cx="{x}" cy="{y}" r="{r}" fill="{fill}" '
            f'stroke="#fff" stroke-width="1"><title>{title}</title></circle></g>'
        )
    parts.extend(_arrows(moves, spot_xy, home_xy, names))  # under the homes, which take taps
    member_word = escape(gettext("Member"))
    for m in located:
        x, y = home_xy[m.pk]
        parts.append(
            f'<rect x="{x - 6}" y="{y - 6}" width="12" height="12" fill="{colour[m.pk]}" '
            f'stroke="#222" stroke-width="1.5" class="map-member{_on(m.pk, highlight)}" '
            f'data-m="{m.pk}"><title>{member_word} '
            f"{escape(_member_label(m.name, loads[m.pk]))}</title></rect>"
        )
    parts.extend(_labels(homes, owned, home_xy, names, loads, highlight, height))
    # Coordinates are numbers and colours come from PALETTE; every text is escaped above.
    return DrawnMap(
        svg=mark_safe("".join(parts)),  # noqa: S308 # nosec B308 B703
        height=height,
        missing=missing,
        members=len(homes),
        moves=len(moves),
        highlight=highlight,
    )


def _on(member_id, highlight) -> str:
    return " on" if highlight is not None and member_id == highlight else ""


def _member_label(name: str, load: int) -> str:
    return ngettext("%(name)s · %(n)d household", "%(name)s · %(n)d households", load) % {
        "name": name,
        "n": load,
    }


def _colours(placed, located, owned, spot_xy, home_xy) -> dict[int, str]:
    """A colour per member from the small palette, neighbours (areas that touch) apart."""
    owner = [s.member_id for s in placed] + [m.pk for m in located]
    points = np.array([spot_xy[s.pk] for s in placed] + [home_xy[m.pk] for m in located])
    neighbours = defaultdict(set)
    if len(points) >= 4:
        try:
            triangles = Delaunay(points, qhull_options="QJ").simplices
        except QhullError:
            triangles = np.empty((0, 3), dtype=int)
        # The triangles' edges as pairs of owners (-1: no member), in numpy: a village has
        # hundreds of triangles, and this ran as a Python loop over nine pairs each.
        owners = np.array([-1 if o is None else o for o in owner], dtype=np.int64)
        pairs = owners[triangles[:, [0, 1, 1, 2, 2, 0]]].reshape(-1, 2)
        pairs = pairs[(pairs[:, 0] >= 0) & (pairs[:, 1] >= 0) & (pairs[:, 0] != pairs[:, 1])]
        keys = np.unique((pairs[:, 0] << 32) | pairs[:, 1])  # one number per pair: ids < 2³¹
        for ma, mb in zip((keys >> 32).tolist(), (keys & 0xFFFFFFFF).tolist(), strict=True):
            neighbours[ma].add(mb)
            neighbours[mb].add(ma)
    members = sorted(
        {o for o in owner if o is not None} | set(owned), key=lambda m: (-len(neighbours[m]), m)
    )
    colour = {}
    for m in members:
        taken = [colour[n] for n in neighbours[m] if n in colour]
        free = [c for c in PALETTE if c not in taken]
        colour[m] = free[0] if free else min(PALETTE, key=taken.count)
    return defaultdict(lambda: "#777", colour)


def _hull_path(points) -> str:
    """The convex hull as an SVG path (a dot or a segment for one or two points)."""
    unique = sorted(set(points))
    if len(unique) <= 2:
        (x1, y1), (x2, y2) = unique[0], unique[-1]
        return f"M{x1} {y1}L{x2} {y2}Z"

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = lower[:-1] + upper[:-1]
    return "M" + "L".join(f"{x} {y}" for x, y in hull) + "Z"


def _arrows(moves, spot_xy, home_xy, names) -> list[str]:
    """One curved arrow per (old member, new member), thicker for more households."""
    bundles = defaultdict(list)
    for move in moves:
        if move.new_member_id not in home_xy:
            continue
        if move.old_member_id in home_xy:
            bundles[("m", move.old_member_id, move.new_member_id)].append(move)
        elif move.household_id in spot_xy:
            bundles[("h", move.household_id, move.new_member_id)].append(move)
    parts = []
    for (kind, source, target), bundle in bundles.items():
        x1, y1 = home_xy[source] if kind == "m" else spot_xy[source]
        x2, y2 = home_xy[target]
        # Bend to the right of the direction of travel, so a swap's two arrows stay apart.
        mx, my = (x1 + x2) / 2 + (y2 - y1) * 0.18, (y1 + y2) / 2 - (x2 - x1) * 0.18
        # Stop short of the home's square so that the arrowhead shows.
        back = max(np.hypot(x2 - mx, y2 - my), 1e-6)
        x2, y2 = round(x2 - (x2 - mx) * 9 / back, 1), round(y2 - (y2 - my) * 9 / back, 1)
        groups = " ".join(str(g) for g in sorted({m.group for m in bundle}))
        text = ngettext(
            "%(n)d household moves to %(member)s",
            "%(n)d households move to %(member)s",
            len(bundle),
        ) % {"n": len(bundle), "member": names.get(target, "")}
        parts.append(
            f'<path class="map-move" data-g="{groups}" d="M{x1} {y1}Q{mx:.1f} {my:.1f} {x2} {y2}" '
            f'fill="none" stroke="#222" stroke-width="{min(2 + len(bundle), 7)}" '
            f'marker-end="url(#map-arrow)"><title>{escape(text)}</title></path>'
        )
    if parts:
        parts.insert(
            0,
            '<defs><marker id="map-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="4" markerHeight="4" orient="auto-start-reverse">'
            '<path d="M0 0L10 5L0 10z" fill="context-stroke"/></marker></defs>',
        )
    return parts


# Two layouts of the names: for the map at its usual width (a card, a phone's scroll box)
# and for the map opened large (the whole window), where smaller names in the drawing's
# units still read at ~18 px, so that more of them fit. A name that does not fit is drawn
# hidden and shows with its member on hover or tap (static/css/app.css).
LABEL_LAYOUTS = (("s", LABEL_SIZE), ("l", LABEL_SIZE_LARGE))


def _labels(homes, owned, home_xy, names, loads, highlight, height) -> list[str]:
    """Members' names in both layouts (`LABEL_LAYOUTS`): larger loads first, none over
    another name or a member's home; those that do not fit are drawn hidden, shown on
    hover or tap."""
    parts = []
    order = sorted(homes, key=lambda m: (m.pk != highlight, -loads[m.pk], m.pk))
    for layout, size in LABEL_LAYOUTS:
        pad = 2.0
        # Every home's square stays clear of names, including the member's own.
        taken = [(x - 7 - pad, y - 7 - pad, x + 7 + pad, y + 7 + pad) for x, y in home_xy.values()]
        for m in order:
            points = owned.get(m.pk, []) + ([home_xy[m.pk]] if m.pk in home_xy else [])
            if not points:
                continue
            cx, cy = home_xy.get(m.pk) or tuple(np.mean(points, axis=0))
            width = size * len(names[m.pk]) + 4
            spot = _label_spot(cx, cy, width, size, pad, taken, height)
            kind = "fit" if spot else "spare"
            x, y = spot or (cx, cy - 9 - 0.3 * size)
            parts.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
                f'class="map-label {kind}-{layout}{_on(m.pk, highlight)}" data-m="{m.pk}">'
                f"{escape(names[m.pk])}</text>"
            )
    return parts


def _label_spot(cx, cy, width, size, pad, taken, height):
    """The first candidate place for a name (its baseline's centre) inside the drawing and
    clear of everything in `taken`, which it then joins; None when there is none.

    Candidates: above the home, below it, right, left, the four diagonals, then a row
    further above and below. A Chinese name's glyphs reach about one size above the
    baseline and 0.3 of it below.
    """
    above = cy - 9 - 0.3 * size - pad
    below = cy + 9 + 1.05 * size + pad
    middle = cy + 0.375 * size
    side = width / 2 + 9 + pad
    candidates = (
        (cx, above), (cx, below), (cx + side, middle), (cx - side, middle),
        (cx + side, above), (cx - side, above), (cx + side, below), (cx - side, below),
        (cx, above - 1.4 * size), (cx, below + 1.4 * size),
    )  # fmt: skip
    for x, y in candidates:
        box = (
            x - width / 2 - pad,
            y - 1.05 * size - pad,
            x + width / 2 + pad,
            y + 0.3 * size + pad,
        )
        if box[0] < 0 or box[2] > WIDTH or box[1] < 0 or box[3] > height:
            continue
        if all(b[2] <= box[0] or box[2] <= b[0] or b[3] <= box[1] or box[3] <= b[1] for b in taken):
            taken.append(box)
            return x, y
    return None
