"""Print a village's card sheet, scan a card's QR code, and use it on a phone, logged out."""

import subprocess

import pytest
from playwright.sync_api import expect

from casebook.models import Request
from households.models import RoleKind
from infra.models import AccessLog
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


def decode_qr(png_path) -> str:
    """Read a QR code from a picture, as a phone camera would (zbarimg, Debian's zbar-tools)."""
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png_path)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_print_scan_and_raise_a_request(browser, page, live_server, tmp_path):
    township = TownshipFactory(name="东山乡")
    village = VillageFactory(township=township, name="白牙合村")
    group = VillageGroupFactory(village=village, name="一社", number=1)
    households = [
        HouseholdFactory(village=village, group=group, number=f"01-00{i}") for i in range(1, 4)
    ]
    member = PartyMemberFactory(village=village, name="郭有德", phone="13912345678")
    for household in households:
        AssignmentFactory(household=household, member=member)
    staff = UserFactory(username="township", password="a-long-pass-phrase")
    RoleFactory(user=staff, kind=RoleKind.TOWNSHIP, township=township, village=None)

    log_in(page, live_server, "township", "a-long-pass-phrase")
    page.goto(f"{live_server.url}/households/cards/")
    page.get_by_label("村").select_option(label="白牙合村")
    with page.context.expect_page() as sheet_info:
        page.get_by_role("button", name="打开打印页").click()
    sheet = sheet_info.value
    sheet.wait_for_load_state()
    expect(sheet.locator(".lcard")).to_have_count(3)
    screenshot(sheet, "card-sheet")
    qr_png = tmp_path / "qr.png"
    sheet.locator(".lcard").first.locator("svg.qr").screenshot(path=str(qr_png))
    url = decode_qr(qr_png)
    assert url == f"{live_server.url}/c/{households[0].card_token}/"
    assert AccessLog.objects.filter(action="print_cards", record_count=3).count() == 1

    villager = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    phone = villager.new_page()
    phone.goto(url)
    expect(phone.get_by_text("郭有德")).to_be_visible()
    expect(phone.get_by_role("link", name="拨打 13912345678")).to_have_attribute(
        "href", "tel:13912345678"
    )
    phone.get_by_label("事项类别").select_option(label="道路水电")
    phone.get_by_label("您要反映的事").fill("自来水一周没有水压了")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_text("已收到您反映的事")).to_be_visible()
    expect(phone.locator(".public-request")).to_have_count(1)
    expect(phone.locator(".public-request")).to_contain_text("自来水一周没有水压了")
    screenshot(phone, "card-page-phone")
    villager.close()
    assert Request.objects.get().source == "card"
