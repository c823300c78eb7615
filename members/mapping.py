"""The village map: households and members drawn as a server-rendered SVG (no tiles, no net).

Points are coloured by member, a line joins each member's home to each linked household,
unassigned households are red and priority households have a ring. Coordinates go through
the same local projection as the proposal.
"""

import math
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from base.cache import cached
from households.models import Household, HouseholdStatus, Village
from households.selectors import open_assignment
from members.models import PartyMember

WIDTH, HEIGHT, PAD = 800, 560, 24
PALETTE = [
    "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#ff7f0e", "#393b79", "#637939", "#8c6d31", "#7b4173",
]  # fmt: skip
UNASSIGNED = "#d62728"


@dataclass
class Dot:
    x: float
    y: float
    colour: str
    title: str
    priority: bool = False
    unassigned: bool = False
    dim: bool = False

    @property
    def corner_x(self) -> float:
        return round(self.x - 5, 1)

    @property
    def corner_y(self) -> float:
        return round(self.y - 5, 1)


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    dim: bool = False


@dataclass
class VillageMap:
    households: list[Dot]
    members: list[Dot]
    lines: list[Line]
    legend: list[tuple[str, str]]
    width: int = WIDTH
    height: int = HEIGHT
    missing: int = 0  # households without coordinates (not drawn)

    @cached_property
    def svg(self) -> SafeString:
        """The drawing's elements, written in Python: a village has hundreds of dots, and the
        template engine spent ~8 ms on them (localizing every coordinate); this takes ~1 ms."""
        unassigned, priority = escape(gettext("Unassigned")), escape(gettext("Priority household"))
        member = escape(gettext("Member"))
        parts = [
            f'<line x1="{line.x1}" y1="{line.y1}" x2="{line.x2}" y2="{line.y2}" '
            f'stroke="{line.colour}" class="map-line{" dim" if line.dim else ""}"/>'
            for line in self.lines
        ]
        for d in self.households:
            classes = "map-household" + (" dim" if d.dim else "")
            classes += " unassigned" if d.unassigned else ""
            ring = (
                f'<circle cx="{d.x}" cy="{d.y}" r="6" fill="none" stroke="#f0ad00" '
                'stroke-width="2"/>'
                if d.priority
                else ""
            )
            title = escape(d.title)
            title += f" · {unassigned}" if d.unassigned else ""
            title += f" · {priority}" if d.priority else ""
            parts.append(
                f'<g class="{classes}">{ring}<circle cx="{d.x}" cy="{d.y}" '
                f'r="{"4.5" if d.unassigned else "3.5"}" fill="{d.colour}">'
                f"<title>{title}</title></circle></g>"
            )
        parts.extend(
            f'<rect x="{m.corner_x}" y="{m.corner_y}" width="10" height="10" fill="{m.colour}" '
            f'stroke="#000" class="map-member{" dim" if m.dim else ""}">'
            f"<title>{member} {escape(m.title)}</title></rect>"
            for m in self.members
        )
        # Coordinates are floats and colours come from PALETTE; names are escaped above.
        return mark_safe("".join(parts))  # noqa: S308 # nosec B308 B703


@dataclass(frozen=True)
class DrawnMap:
    """What the template needs of a map, small enough to cache: the drawing and its legend."""

    svg: SafeString
    legend: list[tuple[str, str]]
    width: int = WIDTH
    height: int = HEIGHT
    missing: int = 0

    @classmethod
    def of(cls, village_map: VillageMap) -> "DrawnMap":
        return cls(
            svg=village_map.svg,
            legend=village_map.legend,
            width=village_map.width,
            height=village_map.height,
            missing=village_map.missing,
        )


def drawn_map(village: Village, *, highlight: PartyMember | None = None) -> DrawnMap:
    """The village's map as drawn, cached per village and highlight until the village changes."""
    return cached(
        "map",
        [village.pk],
        highlight.pk if highlight else "",
        compute=lambda: DrawnMap.of(village_map(village, highlight=highlight)),
    )


def village_map(village: Village, *, highlight: PartyMember | None = None) -> VillageMap:
    """The map of one village in two queries; `highlight` dims everyone else's households."""
    link = open_assignment()
    # Plain rows, not model instances: a village has hundreds of households.
    households = list(
        Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE)
        .annotate(member_id=Subquery(link.values("member_id")[:1]))
        .values_list(
            "number", "head_name", "latitude", "longitude", "is_priority", "member_id", named=True
        )
    )
    members = list(
        PartyMember.objects.filter(village=village, is_active=True)
        .order_by("pk")
        .values_list("pk", "name", "latitude", "longitude", named=True)
    )
    lat0 = float(village.latitude) if village.latitude is not None else 36.0
    scale_x = math.cos(math.radians(lat0))

    def raw(obj):
        return float(obj.longitude) * scale_x, float(obj.latitude)

    placed = [h for h in households if h.latitude is not None and h.longitude is not None]
    homes = [m for m in members if m.latitude is not None and m.longitude is not None]
    points = [raw(o) for o in placed + homes]
    if not points:
        return VillageMap([], [], [], [], missing=len(households))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, y0 = min(xs), min(ys)
    span = max(max(xs) - x0, max(ys) - y0, 1e-6)
    scale = min((WIDTH - 2 * PAD) / span, (HEIGHT - 2 * PAD) / span)

    def project(obj):
        x, y = raw(obj)
        return round(PAD + (x - x0) * scale, 1), round(HEIGHT - PAD - (y - y0) * scale, 1)

    colour = {m.pk: PALETTE[i % len(PALETTE)] for i, m in enumerate(members)}
    home = {m.pk: project(m) for m in homes}
    dots, lines = [], []
    for h in placed:
        x, y = project(h)
        dim = highlight is not None and h.member_id != highlight.pk
        if h.member_id is None:
            dots.append(Dot(x, y, UNASSIGNED, f"{h.number} {h.head_name}", h.is_priority, True))
            continue
        c = colour.get(h.member_id, "#777")
        dots.append(Dot(x, y, c, f"{h.number} {h.head_name}", h.is_priority, dim=dim))
        if h.member_id in home:
            mx, my = home[h.member_id]
            lines.append(Line(mx, my, x, y, c, dim))
    member_dots = [
        Dot(*home[m.pk], colour[m.pk], m.name, dim=highlight is not None and m.pk != highlight.pk)
        for m in homes
    ]
    legend = [(colour[m.pk], m.name) for m in members if highlight is None or m.pk == highlight.pk]
    return VillageMap(dots, member_dots, lines, legend, missing=len(households) - len(placed))
