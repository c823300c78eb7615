"""Township staff tick groups of the proposal on a phone; a link changes meanwhile; the
submission is refused, the refused group is named, the other ticks stay; the map answers a tap."""

from decimal import Decimal

import numpy as np
import pytest
from playwright.sync_api import expect

from households.models import RoleKind
from members import services
from members.models import Assignment
from tests.browser.conftest import log_in, screenshot
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RoleFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    VillageGroupFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAT0 = 36.86


def at(east_m, north_m):
    lat = LAT0 + north_m / 111000
    lng = 101.98 + east_m / (111000 * np.cos(np.radians(LAT0)))
    return {"latitude": Decimal(f"{lat:.6f}"), "longitude": Decimal(f"{lng:.6f}")}


def make_village():
    """A chain (left → middle → right) and, far away, a swap (east ↔ west)."""
    township = TownshipFactory(name="东山乡")
    village = VillageFactory(
        township=township, name="链村", latitude=Decimal(str(LAT0)), longitude=Decimal("101.98")
    )
    group = VillageGroupFactory(village=village, name="一社", number=1)
    members = {
        name: PartyMemberFactory(village=village, name=name, capacity=capacity, **at(x, y))
        for name, capacity, x, y in [
            ("左德明", 2, 0, 0),
            ("中建国", 2, 1000, 0),
            ("右秀兰", 3, 2000, 0),
            ("东海生", 1, 0, 3000),
            ("西永福", 1, 1000, 3000),
        ]
    }
    homes = [
        ("左德明", "王一", 900, 0),
        ("左德明", "王二", 50, 0),
        ("中建国", "李三", 1900, 0),
        ("中建国", "李四", 1050, 0),
        ("右秀兰", "赵五", 2050, 0),
        ("东海生", "孙六", 950, 3000),
        ("西永福", "周七", 50, 3000),
    ]
    households = {}
    for number, (member, head, x, y) in enumerate(homes, 1):
        households[head] = HouseholdFactory(
            village=village, group=group, head_name=head, number=f"01-00{number}", **at(x, y)
        )
        AssignmentFactory(household=households[head], member=members[member])
    staff = UserFactory(username="township", password="a-long-pass-phrase")
    RoleFactory(user=staff, kind=RoleKind.TOWNSHIP, township=township, village=None)
    return village, members, households, staff


def test_ticks_survive_a_refused_submission_and_the_map_answers_a_tap(phone_page, live_server):
    page = phone_page
    village, members, households, staff = make_village()
    log_in(page, live_server, "township", "a-long-pass-phrase")
    page.goto(f"{live_server.url}/members/board/{village.pk}/proposal/?move_price=100")
    groups = page.locator("[data-group-card]")
    expect(groups).to_have_count(2)
    swap = groups.filter(has_text="孙六")
    chain = groups.filter(has_text="王一")
    swap.get_by_role("checkbox").check()
    chain.get_by_role("checkbox").check()
    summary = page.locator("[data-ticked-summary]")
    expect(summary).to_contain_text("2 组调整")
    expect(summary).to_contain_text("4 张卡需重印")
    expect(page.locator("figure.village-map .map-move.ticked")).to_have_count(4)

    # Meanwhile someone else ends the link of a household of the chain.
    services.assignment_end(household=households["王一"], by=staff, reason="户主外出")
    page.get_by_role("button", name="采用勾选的调整组").click()
    expect(page.get_by_text("含 王一（01-001）、李三（01-003） 的调整组未能采用")).to_be_visible()
    expect(page.get_by_text("本次未作任何调整")).to_be_visible()
    swap = page.locator("[data-group-card]").filter(has_text="孙六")
    expect(swap.get_by_role("checkbox")).to_be_checked()  # the tick survived
    expect(page.locator("[data-ticked-summary]")).to_contain_text("1 组调整")
    assert not Assignment.objects.filter(
        household=households["孙六"], member=members["西永福"], ended_on__isnull=True
    ).exists()  # nothing was applied
    screenshot(page, "proposal-refused-phone")

    # Tap a member's area: they come forward and are named under the map.
    page.locator(f'figure.village-map .map-member[data-m="{members["右秀兰"].pk}"]').tap()
    expect(page.locator("[data-map-caption]")).to_contain_text("右秀兰")
    expect(page.locator("figure.village-map svg.has-focus")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="采用勾选的调整组").click()
    expect(page.get_by_text("已采用 1 组调整")).to_be_visible()
    assert (
        Assignment.objects.get(household=households["孙六"], ended_on__isnull=True).member
        == (members["西永福"])
    )
