"""A secretary schedules a deliberation with two open requests, records minutes and
decisions, and the requests' timelines show the meeting."""

import pytest
from playwright.sync_api import expect

from households.models import RoleKind
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_meeting_pickers import pick
from tests.factories import (
    HouseholdFactory,
    PartyMemberFactory,
    PavilionFactory,
    RequestFactory,
    RoleFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_deliberation_with_two_requests(page, live_server):
    village = VillageFactory(name="白牙合村")
    PavilionFactory(village=village, name="白牙合四邻议事亭")
    PartyMemberFactory(village=village, name="郭有德")
    r1 = RequestFactory(
        household=HouseholdFactory(village=village, head_name="董文祥"),
        description="土豆卖不出去",
        status="accepted",
    )
    r2 = RequestFactory(
        household=HouseholdFactory(village=village, head_name="李成林"),
        description="淀粉厂报价是否可靠",
        status="new",
    )
    secretary = UserFactory(username="sec", password="a-long-pass-phrase")
    RoleFactory(user=secretary, kind=RoleKind.SECRETARY, village=village)

    log_in(page, live_server, "sec", "a-long-pass-phrase")
    page.get_by_role("link", name="议事亭").click()
    page.get_by_role("link", name="安排会议").click()
    page.locator("[name=pavilion]").select_option(label="白牙合四邻议事亭")
    page.locator("[name=held_at]").fill("2026-12-03T14:00")
    page.locator("[name=topic]").fill("淀粉厂收购土豆（每亩2500—3000元，包挖包运）")
    pick(page, "convener", "郭", "郭有德")
    pick(page, "requests", f"#{r1.pk}", "土豆卖不出去")
    pick(page, "requests", f"#{r2.pk}", "淀粉厂报价是否可靠")
    page.locator("[name=minutes]").fill("淀粉厂代表介绍报价，村民逐一发言。")
    page.locator("[name=decisions-0-text]").fill("按每亩2800元统一出售")
    # The save writes the meeting, its decisions and both requests' timelines: on a machine
    # busy with the rest of the suite that has taken longer than `expect`'s 15 s.
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("会议已记录")).to_be_visible()

    page.locator(f"textarea[name=text-{r1.pk}]").fill("村民同意统一出售")
    page.locator(f"input[name=outcome-{r2.pk}][value=reply]").check()
    page.locator(f"textarea[name=text-{r2.pk}]").fill("议事亭已核实报价，可以放心出售。")
    page.get_by_role("button", name="记为已召开并记录处理结果").click()
    expect(page.locator("[data-status]")).to_have_text("已召开")
    screenshot(page, "meeting-record")

    page.goto(f"{live_server.url}/casebook/requests/{r1.pk}/")
    expect(page.locator(".timeline-item[data-kind=meeting]")).to_contain_text("淀粉厂收购土豆")
    page.goto(f"{live_server.url}/casebook/requests/{r2.pk}/")
    expect(page.locator("[data-status]")).to_have_text("已答复")
    expect(page.locator(".timeline-item[data-kind=meeting]")).to_have_count(1)
