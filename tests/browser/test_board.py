"""Township staff open 白牙合村's board, link a household, run the proposal, accept it and
see the map."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from households.models import RoleKind
from members.models import Assignment
from tests.browser.conftest import log_in, screenshot
from tests.factories import (
    HouseholdFactory,
    PartyMemberFactory,
    RoleFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    VillageGroupFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_board_link_proposal_and_map(page, live_server):
    township = TownshipFactory(name="东山乡")
    village = VillageFactory(
        township=township, name="白牙合村", latitude=Decimal("36.89"), longitude=Decimal("101.94")
    )
    group = VillageGroupFactory(village=village, name="一社", number=1)
    near = {"latitude": Decimal("36.890000"), "longitude": Decimal("101.940000")}
    far = {"latitude": Decimal("36.900000"), "longitude": Decimal("101.960000")}
    m1 = PartyMemberFactory(village=village, name="郭有德", capacity=3, **near)
    PartyMemberFactory(village=village, name="祁清平", capacity=3, **far)
    first = HouseholdFactory(
        village=village, group=group, head_name="董文祥", number="01-001", **near
    )
    for i in range(2, 6):
        spot = near if i % 2 else far
        HouseholdFactory(
            village=village, group=group, head_name=f"农户{i}", number=f"01-00{i}", **spot
        )
    staff = UserFactory(username="township", password="a-long-pass-phrase")
    RoleFactory(user=staff, kind=RoleKind.TOWNSHIP, township=township, village=None)

    log_in(page, live_server, "township", "a-long-pass-phrase")
    page.get_by_role("link", name="联户安排").click()
    expect(page.get_by_role("heading", name="联户安排 · 白牙合村")).to_be_visible()
    row = page.locator("form.board-unassigned", has_text="董文祥")
    row.locator("select[name=member]").select_option(label="郭有德（0/3）")
    row.get_by_role("button", name="联户").click()
    expect(page.get_by_text("董文祥现由郭有德联系")).to_be_visible()  # htmx, no reload
    assert Assignment.objects.get(household=first, ended_on__isnull=True).member == m1

    page.get_by_role("link", name="自动方案").click()
    expect(page.locator("[data-count=changes]")).to_have_text("4")
    screenshot(page, "proposal-desktop")
    for box in page.locator("input[name=group]").all():
        box.check()
    expect(page.locator("[data-ticked-summary]")).to_contain_text("4 张卡需重印")
    page.get_by_role("button", name="采用勾选的调整组").click()
    expect(page.get_by_text("4 户已换联户党员，4 张连心卡需要重印")).to_be_visible()
    page.get_by_role("link", name="联户安排").last.click()
    expect(page.get_by_text("所有农户都已有联户党员")).to_be_visible()
    expect(page.locator("figure.village-map g.map-household")).to_have_count(5)
    expect(page.locator("figure.village-map line")).to_have_count(5)
    screenshot(page, "board-desktop")
    assert Assignment.objects.filter(household__village=village, ended_on__isnull=True).count() == 5
