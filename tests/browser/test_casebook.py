"""On a phone: a member records a visit with a hazard and opens a request from it; the
secretary replies from the village inbox; the household reads the reply on its card page."""

import re

import pytest
from playwright.sync_api import expect

from casebook.models import Request
from households.models import RoleKind
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


def test_visit_with_hazard_to_reply_on_the_card_page(browser, live_server):
    township = TownshipFactory(name="东山乡")
    village = VillageFactory(township=township, name="白牙合村")
    group = VillageGroupFactory(village=village, name="一社", number=1)
    member_user = UserFactory(username="m-guo", first_name="郭有德", password="a-long-pass-phrase")
    member = PartyMemberFactory(village=village, name="郭有德", user=member_user)
    household = HouseholdFactory(
        village=village, group=group, head_name="董文祥", is_elderly_alone=True
    )
    AssignmentFactory(household=household, member=member)
    secretary = UserFactory(
        username="sec-baiyahe", first_name="白牙合村书记", password="a-long-pass-phrase"
    )
    RoleFactory(user=secretary, kind=RoleKind.SECRETARY, village=village)

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    phone = context.new_page()
    log_in(phone, live_server, "m-guo", "a-long-pass-phrase")
    phone.goto(f"{live_server.url}/casebook/due/")
    expect(phone.locator(".due-item")).to_have_count(1)
    screenshot(phone, "due-member-phone")
    phone.locator(".due-item").first.click()
    expect(phone.get_by_label("农户")).to_have_value(str(household.pk))
    phone.get_by_label("安全隐患排查").check()
    phone.get_by_label("走访所见所闻").fill("厨房煤气管老化，有漏气味")
    phone.get_by_label("发现安全隐患").check()  # ticks "open a request" and picks the category
    expect(phone.get_by_label("据此登记一项诉求")).to_be_checked()
    screenshot(phone, "visit-form-phone")
    phone.get_by_role("button", name="保存走访记录").click()
    expect(phone.get_by_text("已登记诉求")).to_be_visible()
    request = Request.objects.get()
    assert (request.category.code, request.source, request.description) == (
        "hazard",
        "visit",
        "厨房煤气管老化，有漏气味",
    )
    context.close()

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    phone = context.new_page()
    log_in(phone, live_server, "sec-baiyahe", "a-long-pass-phrase")
    phone.goto(f"{live_server.url}/casebook/requests/?status=open")
    item = phone.locator(".list-group-item", has_text="董文祥")
    expect(item).to_have_count(1)
    expect(item.locator("[data-overdue]")).to_have_count(0)
    item.click()
    phone.get_by_role("button", name="受理").click()
    expect(phone.locator("[data-status]")).to_have_text("已受理")
    phone.get_by_label("答复农户").fill("已联系燃气公司更换煤气管，请注意通风。")
    phone.get_by_role("button", name="发送答复").click()
    expect(phone.locator("[data-status]")).to_have_text("已答复")
    expect(phone.locator(".timeline-item")).to_have_count(3)
    screenshot(phone, "request-replied-phone")
    context.close()

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    card = context.new_page()
    card.goto(f"{live_server.url}/c/{household.card_token}/")
    matter = card.locator(".public-request")
    expect(matter).to_contain_text("已联系燃气公司更换煤气管")
    # 一事一评: one tap on "满意" closes it.
    card.get_by_role("button", name="满意", exact=True).click()
    expect(card.get_by_text("感谢您的评价，此事已办结")).to_be_visible()
    context.close()
    request.refresh_from_db()
    assert request.status == "closed" and re.match(r"^已联系", request.reply)
