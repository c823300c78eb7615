"""Township staff find a household by pinyin initials, fix its phone and see it saved."""

import pytest
from playwright.sync_api import expect

from households.models import Household, RoleKind
from tests.browser.conftest import PHONE, log_in, screenshot
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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_search_by_initials_open_and_edit_phone(page, live_server):
    township = TownshipFactory(name="东山乡")
    village = VillageFactory(township=township, name="白牙合村")
    group = VillageGroupFactory(village=village, name="一社", number=1)
    target = HouseholdFactory(village=village, group=group, head_name="董文祥", phone="13900000000")
    for name in ["李成林", "王秀兰", "马海军"]:
        HouseholdFactory(village=village, group=group, head_name=name)
    AssignmentFactory(household=target, member=PartyMemberFactory(village=village, name="郭有德"))
    user = UserFactory(username="township", password="a-long-pass-phrase")
    RoleFactory(user=user, kind=RoleKind.TOWNSHIP, township=township, village=None)

    log_in(page, live_server, "township", "a-long-pass-phrase")
    page.get_by_role("link", name="农户").first.click()
    page.get_by_label("搜索").fill("dwx")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("139****0000")
    screenshot(page, "households-search-desktop")

    page.get_by_role("link", name="董文祥").click()
    expect(page.get_by_role("heading", name="董文祥")).to_be_visible()
    expect(page.get_by_text("郭有德")).to_be_visible()
    page.get_by_role("link", name="编辑").click()
    page.get_by_label("电话").fill("1390000")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("请输入11位手机号码")).to_be_visible()  # refused, nothing saved
    assert Household.objects.get(pk=target.pk).phone == "13900000000"

    page.get_by_label("电话").fill("13811112222")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存")).to_be_visible()
    expect(page.get_by_role("link", name="13811112222")).to_be_visible()
    assert Household.objects.get(pk=target.pk).phone == "13811112222"
    screenshot(page, "household-page-desktop")

    page.set_viewport_size(PHONE)
    screenshot(page, "household-page-phone")
