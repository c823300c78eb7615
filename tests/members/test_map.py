"""The village map: members' areas with their names, few colours, a highlight, the moves."""

import re
from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse

from base import geo
from members import mapping
from members.models import Assignment
from members.proposal import propose
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    VillageFactory,
    VillageGroupFactory,
)

pytestmark = pytest.mark.django_db

LAT0 = 36.86


def at(east_m, north_m):
    lat = LAT0 + north_m / 111000
    lng = 101.98 + east_m / (111000 * np.cos(np.radians(LAT0)))
    return {"latitude": Decimal(f"{lat:.6f}"), "longitude": Decimal(f"{lng:.6f}")}


@pytest.fixture
def grid_village():
    """Twenty members on a 5 × 4 grid, each with three households around their home."""
    village = VillageFactory(latitude=Decimal(str(LAT0)), longitude=Decimal("101.98"))
    group = VillageGroupFactory(village=village)
    members = []
    for i in range(20):
        x, y = (i % 5) * 300, (i // 5) * 300
        member = PartyMemberFactory(village=village, name=f"党员{i:02d}", **at(x, y))
        members.append(member)
        for dx, dy in ((40, 0), (0, 40), (-40, -20)):
            AssignmentFactory(
                household=HouseholdFactory(village=village, group=group, **at(x + dx, y + dy)),
                member=member,
            )
    return village, members


def areas(svg):
    return dict(re.findall(r'<g class="map-area[^"]*" data-m="(\d+)".*?fill="(#[0-9a-f]{6})"', svg))


def test_each_member_is_an_area_with_a_name_in_a_few_colours(grid_village):
    village, members = grid_village
    svg = str(mapping.village_map(village).svg)
    colour = areas(svg)
    assert set(colour) == {str(m.pk) for m in members}
    assert set(colour.values()) <= set(mapping.PALETTE)
    # Grid neighbours (left/right, up/down) never share a colour.
    for i, member in enumerate(members):
        for j in (i + 1, i + 5):
            if j < 20 and (j == i + 5 or j % 5):
                assert colour[str(member.pk)] != colour[str(members[j].pk)]
    labels = re.findall(r'class="map-label fit-s[^"]*" data-m="\d+">([^<]+)</text>', svg)
    assert len(labels) >= 15 and set(labels) <= {m.name for m in members}  # most fit
    title = re.search(rf'data-m="{members[0].pk}" data-label="([^"]+)"', svg).group(1)
    assert title == "党员00 · 联系 3 户"


def test_map_escapes_names_and_draws_a_line_per_link(client, world):
    odd = HouseholdFactory(village=world.village_a, head_name="<b>王</b>", is_low_income=True)
    world.member_a.name = "<i>郭</i>"
    world.member_a.save()
    client.force_login(world.secretary_a)
    html = client.get(reverse("members:board", args=[world.village_a.pk])).content.decode()
    svg = html[html.index("<svg viewBox") : html.index("</svg>")]
    assert "<b>王" not in svg and "<i>郭" not in svg
    assert f"{odd.number} &lt;b&gt;王&lt;/b&gt; · 未联户 · 重点户" in svg
    assert "&lt;i&gt;郭&lt;/i&gt;" in svg
    linked = Assignment.objects.filter(household__village=world.village_a, ended_on=None)
    assert svg.count('class="map-line') == linked.count()


def test_member_page_map_brings_their_households_forward(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("members:detail", args=[world.member_a.pk]))
    svg = str(response.context["map"].svg)
    on = re.findall(r'<g class="map-household on"[^>]*>.*?<title>([^<]+)</title>', svg)
    assert on == [f"{world.household_a.number} {world.household_a.head_name} · 郭有德"]
    html = response.content.decode()
    assert f'has-focus" data-highlight="{world.member_a.pk}"' in html


def test_proposal_map_draws_moves_as_arrows_with_their_groups():
    village = VillageFactory(latitude=Decimal(str(LAT0)), longitude=Decimal("101.98"))
    group = VillageGroupFactory(village=village)
    east = PartyMemberFactory(village=village, capacity=1, **at(0, 0))
    west = PartyMemberFactory(village=village, capacity=1, **at(1000, 0))
    AssignmentFactory(
        household=HouseholdFactory(village=village, group=group, **at(950, 0)), member=east
    )
    AssignmentFactory(
        household=HouseholdFactory(village=village, group=group, **at(50, 0)), member=west
    )
    proposal = propose(village)
    drawn = mapping.proposal_map(proposal)
    arrows = re.findall(r'class="map-move" data-g="([\d ]+)"', str(drawn.svg))
    assert arrows == ["1", "1"]  # the swap: two arrows, one group
    assert drawn.moves == 2 and 'marker-end="url(#map-arrow)"' in str(drawn.svg)


def test_the_map_and_the_proposal_measure_with_one_projection():
    """A household 300 m east of its member is 300 m away for the proposal and drawn 300 m
    (scaled) from the home on the map: both read base.geo."""
    village = VillageFactory(latitude=Decimal(str(LAT0)), longitude=Decimal("101.98"))
    group = VillageGroupFactory(village=village)
    member = PartyMemberFactory(village=village, **at(0, 0))
    HouseholdFactory(village=village, group=group, **at(300, 0))
    HouseholdFactory(village=village, group=group, **at(0, 600))
    proposal = propose(village)
    assert sorted(round(c.new_distance) for c in proposal.changes) == [300, 600]
    svg = str(mapping.proposal_map(proposal).svg)
    home = re.search(rf'<rect x="([\d.]+)" y="([\d.]+)"[^>]*data-m="{member.pk}"', svg)
    spots = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="5"', svg)
    hx, hy = float(home.group(1)) + 6, float(home.group(2)) + 6
    lengths = sorted(np.hypot(float(x) - hx, float(y) - hy) for x, y in spots)
    assert lengths[1] / lengths[0] == pytest.approx(2.0, rel=0.01)
    assert geo.xy(LAT0, 0, LAT0)[1] - geo.xy(0, 0, LAT0)[1] == pytest.approx(LAT0 * 111000)


LABEL = re.compile(
    r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="middle" class="map-label (fit|spare)-(s|l)'
    r'[^"]*" data-m="(\d+)">([^<]+)</text>'
)


def _boxes(svg, layout):
    """The drawn names of one layout as boxes (as on screen: one size above the baseline,
    0.3 below), and the members whose name did not fit."""
    size = {"s": mapping.LABEL_SIZE, "l": mapping.LABEL_SIZE_LARGE}[layout]
    boxes, spare = [], []
    for x, y, kind, lay, member, name in LABEL.findall(svg):
        if lay != layout:
            continue
        if kind == "spare":
            spare.append(member)
            continue
        x, y, width = float(x), float(y), size * len(name)
        boxes.append((x - width / 2, y - size, x + width / 2, y + 0.3 * size))
    return boxes, spare


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture
def crowded_village():
    """Thirty members with two-character names packed into 300 × 300 m, one far away."""
    village = VillageFactory(latitude=Decimal(str(LAT0)), longitude=Decimal("101.98"))
    group = VillageGroupFactory(village=village)
    rng = np.random.default_rng(5)
    members = []
    for i in range(30):
        x, y = rng.uniform(0, 300, 2)
        member = PartyMemberFactory(village=village, name=f"党{i:02d}", **at(x, y))
        members.append(member)
        AssignmentFactory(
            household=HouseholdFactory(village=village, group=group, **at(x + 20, y)),
            member=member,
        )
    PartyMemberFactory(village=village, name="远", **at(2000, 1500))
    return village, members


def test_names_never_overlap_each_other_or_a_home_and_the_rest_show_on_hover(crowded_village):
    village, members = crowded_village
    drawn = mapping.village_map(village)
    svg = str(drawn.svg)
    homes = [
        (float(x) + 6, float(y) + 6)
        for x, y in re.findall(r'<rect x="([\d.-]+)" y="([\d.-]+)" width="12"', svg)
    ]
    for layout in ("s", "l"):
        boxes, spare = _boxes(svg, layout)
        assert len(boxes) + len(spare) == len(members) + 1  # one name per member and layout
        for i, box in enumerate(boxes):
            assert box[0] >= 0 and box[2] <= mapping.WIDTH and box[1] >= 0
            assert box[3] <= drawn.height
            assert not any(_overlap(box, other) for other in boxes[i + 1 :])
            assert not any(_overlap(box, (x - 6, y - 6, x + 6, y + 6)) for x, y in homes)
    small, spare_small = _boxes(svg, "s")
    large, _spare_large = _boxes(svg, "l")
    assert spare_small  # this crowd does not all fit at the usual size…
    assert len(large) > len(small)  # …opened large, more names do


def test_the_map_can_be_opened_large(client, world):
    client.force_login(world.secretary_a)
    html = client.get(reverse("members:board", args=[world.village_a.pk])).content.decode()
    assert "data-map-large" in html and "放大查看地图" in html
