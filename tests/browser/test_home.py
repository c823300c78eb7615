"""A township cadre logs in and sees the home page in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from households.models import RoleKind
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    RoleFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_township_logs_in_and_sees_chinese_home(page, live_server):
    township = TownshipFactory(name="东山乡")
    village = VillageFactory(township=township, name="白牙合村")
    for _ in range(3):
        AssignmentFactory(household=HouseholdFactory(village=village))
    user = UserFactory(username="township", password="a-long-pass-phrase")
    RoleFactory(user=user, kind=RoleKind.TOWNSHIP, township=township, village=None)

    log_in(page, live_server, "township", "a-long-pass-phrase")

    expect(page).to_have_url(re.compile(rf"{live_server.url}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("columnheader", name="本月已走访")).to_be_visible()
    expect(page.locator('[data-figure="households"]')).to_have_text("3")
    expect(page.locator('[data-figure="members"]')).to_have_text("3")
    expect(page.locator("tr[data-village] th")).to_have_text("白牙合村")
    screenshot(page, "dashboard-township-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "dashboard-township-phone")


def test_secretary_home_is_the_village_dashboard(page, live_server):
    village = VillageFactory(name="东山村")
    for _ in range(4):
        AssignmentFactory(household=HouseholdFactory(village=village))
    user = UserFactory(username="sec", password="a-long-pass-phrase")
    RoleFactory(user=user, kind=RoleKind.SECRETARY, village=village)
    log_in(page, live_server, "sec", "a-long-pass-phrase")
    expect(page.get_by_role("heading", name=re.compile("东山村"))).to_be_visible()
    expect(page.locator("figure.village-map g.map-household")).to_have_count(4)
    screenshot(page, "dashboard-village-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "dashboard-village-phone")
