"""The changed staff pages in Chinese at 1280 and 360 px: a secretary's trends and report
named for the village, the import preview's old → new values, and the admin in Chinese."""

import pytest
from playwright.sync_api import expect

from households.importing import HOUSEHOLDS
from households.models import RoleKind
from tests.browser.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RequestFactory,
    RoleFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    VillageGroupFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def village():
    township = TownshipFactory(name="东山乡")
    village = VillageFactory(township=township, name="白牙合村")
    group = VillageGroupFactory(village=village, name="一社", number=1)
    VillageGroupFactory(village=village, name="二社", number=2)
    member = PartyMemberFactory(village=village, name="郭有德")
    for name in ("董文祥", "李成林", "王秀兰"):
        household = HouseholdFactory(village=village, group=group, head_name=name)
        AssignmentFactory(household=household, member=member)
        RequestFactory(household=household)
    return village


def fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_secretary_trends_and_report_are_named_for_the_village(page, live_server, village):
    secretary = UserFactory(username="sec", password=PASSWORD)
    RoleFactory(user=secretary, kind=RoleKind.SECRETARY, village=village)
    log_in(page, live_server, "sec", PASSWORD)
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/dashboard/trends/")
        expect(page.locator("h1")).to_contain_text("白牙合村")
        expect(page.locator("h1")).not_to_contain_text("东山乡")
        labels = page.locator(".chart-tick").all_text_contents()
        assert labels and all(label.isdigit() for label in labels if label)
        assert fits(page)
        screenshot(page, f"trends-secretary-{name}")
        page.goto(f"{live_server.url}/dashboard/report/")
        expect(page.locator("h1")).to_contain_text("白牙合村四邻联动工作月报")
        screenshot(page, f"report-secretary-{name}")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Excel").click()
    assert download.value.suggested_filename.startswith("白牙合村-")
    assert download.value.suggested_filename.endswith("月-月报.xlsx")


def test_import_preview_shows_old_and_new(page, live_server, village, tmp_path):
    staff = UserFactory(username="township", password=PASSWORD)
    RoleFactory(user=staff, kind=RoleKind.TOWNSHIP, township=village.township, village=None)
    household = village.households.get(head_name="董文祥")
    household.phone = "13800000000"
    household.save()
    values = {"村": "白牙合村", "社": "二社", "户号": household.number, "户主姓名": "董文祥"}
    values["联系电话"] = "13999990000"
    csv = tmp_path / "roster.csv"
    rows = [HOUSEHOLDS.headers, [values.get(h, "") for h in HOUSEHOLDS.headers]]
    csv.write_text("\n".join(",".join(map(str, r)) for r in rows), encoding="utf-8-sig")
    log_in(page, live_server, "township", PASSWORD)
    page.goto(f"{live_server.url}/households/import/")
    page.locator("input[type=file]").set_input_files(str(csv))
    page.locator("main form button[type=submit]").first.click()
    changes = page.locator(".import-changes")
    expect(changes.locator("li[data-field=电话]")).to_have_text("电话：13800000000 → 13999990000")
    expect(changes.locator("li[data-field=社]")).to_have_text("社：一社 → 二社")
    screenshot(page, "import-preview-desktop")
    page.set_viewport_size(PHONE)
    assert fits(page)
    screenshot(page, "import-preview-phone")


def test_admin_is_in_chinese(page, live_server, village):
    UserFactory(username="admin", password=PASSWORD, is_superuser=True, is_staff=True)
    log_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_have_text("东山乡四邻联动管理后台")
    expect(page.get_by_role("link", name="登录保护")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Django")
    screenshot(page, "admin-index-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "admin-index-phone")
