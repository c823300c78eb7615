"""The member's phone with no signal: Chromium's offline emulation, the real service worker
and IndexedDB, against the live server."""

import datetime
import re
import time

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from casebook.forms import NOT_YOUR_HOUSEHOLD, VisitFieldsForm
from casebook.models import Visit
from members.models import Assignment
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase"  # noqa: S105


@pytest.fixture
def member_world():
    village = VillageFactory(name="白牙合村")
    user = UserFactory(username="guo", password=PASSWORD, first_name="有德", last_name="郭")
    member = PartyMemberFactory(village=village, name="郭有德", user=user)
    households = [
        HouseholdFactory(village=village, head_name=name) for name in ("董文祥", "李成林", "王秀兰")
    ]
    for household in households:
        AssignmentFactory(household=household, member=member)
    return {"village": village, "user": user, "member": member, "households": households}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def open_online_once(page, live_server):
    """Log in: the service worker keeps the visit form at once, today's page when it is
    opened again."""
    log_in(page, live_server, "guo", PASSWORD)
    expect(page.get_by_role("heading", name="今日工作")).to_be_visible()
    kept = """async (path) => {
        if (!navigator.serviceWorker.controller) return false;
        const keys = await (await caches.open("liaison-pages")).keys();
        return keys.some((r) => new URL(r.url).pathname === path);
    }"""
    until(page, kept, "/casebook/visits/new/")
    page.goto(live_server.url + "/")
    until(page, kept, "/")


def until(page, script: str, arg=None, seconds: float = 20) -> None:
    """Poll an async script in the page until it answers true."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"timed out waiting for: {script}"
        page.wait_for_timeout(200)


def choose(page, name):
    """Pick the household by its head's name (options read 董文祥（一社 01-0001）)."""
    option = page.locator("select[name=household] option", has_text=name)
    page.select_option("select[name=household]", option.get_attribute("value"))


def record_offline(page, household, notes):
    kept = len(outbox_rows(page))
    choose(page, household)
    page.fill("textarea[name=notes]", notes)
    page.click(".visit-form button[type=submit]")
    expect(page.locator("[data-visit-status]")).to_contain_text("已保存在手机上")
    assert len(outbox_rows(page)) == kept + 1  # this entry's own "saved", not the last one's


def outbox_rows(page):
    return page.evaluate(
        """async () => (await (await idb.openDB("liaison", 1)).getAll("outbox"))"""
    )


def test_three_visits_offline_reach_the_server_exactly_once(phone, live_server, member_world):
    open_online_once(phone, live_server)
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/casebook/visits/new/")
    for name, notes in (("董文祥", "院墙有裂缝"), ("李成林", "宣传医保"), ("王秀兰", "卫生良好")):
        record_offline(phone, name, notes)
    assert Visit.objects.count() == 0

    phone.reload()  # still no signal: the kept form, and the three entries under 待同步
    pending = phone.locator('[data-outbox-list="pending"] li')
    expect(pending).to_have_count(3)
    expect(phone.locator('[data-outbox-count="all"]')).to_have_text("3")
    screenshot(phone, "offline-three-waiting-phone")
    sent_before = outbox_rows(phone)

    phone.context.set_offline(False)  # the signal returns
    expect(pending).to_have_count(0)
    expect(phone.locator("[data-outbox-note]").first).to_have_text("已上传到服务器。")
    assert sorted(Visit.objects.values_list("notes", flat=True)) == sorted(
        ["院墙有裂缝", "宣传医保", "卫生良好"]
    )
    assert {str(v.client_id) for v in Visit.objects.all()} == {e["id"] for e in sent_before}

    # The same sync again (a phone that never heard the answers): still three.
    phone.evaluate(
        """async (entries) => {
            for (const entry of entries) await liaisonOffline.outbox.put(entry);
            await liaisonOffline.sync();
        }""",
        sent_before,
    )
    expect(pending).to_have_count(0)
    assert Visit.objects.count() == 3


def test_an_entry_the_server_refuses_is_kept_with_its_message(phone, live_server, member_world):
    open_online_once(phone, live_server)
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/casebook/visits/new/")
    record_offline(phone, "董文祥", "水渠堵了")
    record_offline(phone, "李成林", "宣传防火")
    # Meanwhile the township moves 李成林 to another member.
    moved = member_world["households"][1]
    Assignment.objects.filter(household=moved).update(ended_on=timezone.localdate())
    AssignmentFactory(household=moved, member=PartyMemberFactory(village=member_world["village"]))

    phone.context.set_offline(False)
    refused = phone.locator('[data-outbox-list="refused"] li')
    expect(refused).to_have_count(1)
    with translation.override("zh-hans"):
        message = str(NOT_YOUR_HOUSEHOLD)
    expect(refused).to_contain_text("李成林")
    expect(refused).to_contain_text(message)
    expect(phone.locator('[data-outbox-list="pending"] li')).to_have_count(0)
    assert list(Visit.objects.values_list("notes", flat=True)) == ["水渠堵了"]

    phone.reload()  # kept across page loads, not sent again by itself
    expect(refused).to_have_count(1)
    screenshot(phone, "offline-needs-attention-phone")
    # Correct it (here: for the member's own household) and it goes through.
    refused.get_by_role("link", name="修改后重新提交").click()
    expect(phone.locator("[data-visit-status]")).to_contain_text(message)
    expect(phone.locator("textarea[name=notes]")).to_have_value("宣传防火")
    choose(phone, "王秀兰")
    phone.click(".visit-form button[type=submit]")
    expect(phone.get_by_role("heading", name="本月待走访")).to_be_visible()
    expect(phone.locator('[data-outbox-list="refused"] li')).to_have_count(0)
    assert Visit.objects.filter(notes="宣传防火", household=member_world["households"][2]).exists()
    assert Visit.objects.count() == 2


def test_discarding_an_entry_that_needs_attention(phone, live_server, member_world):
    open_online_once(phone, live_server)
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/casebook/visits/new/")
    record_offline(phone, "董文祥", "记错了户")
    Assignment.objects.filter(household=member_world["households"][0]).update(
        ended_on=timezone.localdate()
    )
    phone.context.set_offline(False)
    refused = phone.locator('[data-outbox-list="refused"] li')
    expect(refused).to_have_count(1)
    refused.get_by_role("button", name="删除").click()  # the confirm dialog is accepted
    expect(refused).to_have_count(0)
    assert outbox_rows(phone) == []


def test_bad_input_offline_gets_the_servers_messages(phone, live_server, member_world):
    open_online_once(phone, live_server)
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/casebook/visits/new/")
    with translation.override("zh-hans"):
        required = str(VisitFieldsForm.base_fields["visited_on"].error_messages["required"])
        future = str(VisitFieldsForm.FUTURE)
    phone.fill("input[name=visited_on]", "")
    phone.click(".visit-form button[type=submit]")
    expect(phone.locator('[data-phone-error="household"]')).to_have_text(required)
    expect(phone.locator('[data-phone-error="visited_on"]')).to_have_text(required)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    choose(phone, "董文祥")
    phone.fill("input[name=visited_on]", tomorrow.isoformat())
    phone.click(".visit-form button[type=submit]")
    expect(phone.locator('[data-phone-error="visited_on"]')).to_have_text(future)
    expect(phone.locator('[data-phone-error="household"]')).to_have_count(0)
    assert outbox_rows(phone) == []


def test_logout_empties_what_the_phone_keeps(phone, live_server, member_world):
    open_online_once(phone, live_server)
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/casebook/visits/new/")
    record_offline(phone, "董文祥", "未上传的记录")
    phone.context.set_offline(False)
    expect(phone.locator('[data-outbox-list="pending"] li')).to_have_count(0)
    phone.context.set_offline(True)
    record_offline(phone, "李成林", "退出前未上传")
    Assignment.objects.filter(household=member_world["households"][1]).update(
        ended_on=timezone.localdate()
    )
    phone.context.set_offline(False)  # refused: it stays on the phone, under 需处理
    expect(phone.locator('[data-outbox-list="refused"] li')).to_have_count(1)

    asked = []
    phone.on("dialog", lambda dialog: asked.append(dialog.message))
    phone.locator(".navbar-toggler").click()
    # Bootstrap's collapse slides the menu open; a click in mid-slide may meet nothing.
    expect(phone.locator(".navbar-collapse")).to_have_class(re.compile(r"\bshow\b"))
    expect(phone.locator(".navbar-collapse.collapsing")).to_have_count(0)
    phone.get_by_role("button", name="退出").click()  # asks first; the dialog is accepted
    expect(phone.locator("input[name=username]")).to_be_visible(timeout=20_000)
    assert asked and "未上传" in asked[0]
    assert outbox_rows(phone) == []
    kept = phone.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )
    pages = [u for u in kept if "/static/" not in u and "/offline/" not in u]
    assert pages == []
    # Offline, the next person on this phone sees no page of the member's.
    phone.context.set_offline(True)
    phone.goto(live_server.url + "/")
    expect(phone.get_by_role("heading", name="没有信号")).to_be_visible()
    expect(phone.locator("body")).not_to_contain_text("董文祥")
    assert Visit.objects.count() == 1


def test_in_wechat_pages_work_online_and_a_hint_says_to_use_the_browser(
    browser, live_server, member_world
):
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        is_mobile=True,
        user_agent=(
            "Mozilla/5.0 (Linux; Android 12; V2111A) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/107.0 Mobile Safari/537.36 XWEB/5061 MMWEBSDK/20230303 MicroMessenger/8.0.34"
        ),
    )
    page = context.new_page()
    try:
        log_in(page, live_server, "guo", PASSWORD)
        page.goto(f"{live_server.url}/casebook/visits/new/")
        expect(page.locator("[data-offline-hint]")).to_contain_text("请在手机浏览器中打开")
        screenshot(page, "wechat-hint-phone")
        assert page.evaluate("navigator.serviceWorker.getRegistrations()") == []
        choose(page, "董文祥")
        page.fill("textarea[name=notes]", "微信里记录")
        page.click(".visit-form button[type=submit]")
        expect(page.locator(".alert.flash").first).to_contain_text("已记录")
        assert Visit.objects.get().notes == "微信里记录"
    finally:
        context.close()


def test_todays_counts_follow_a_sync_without_a_reload(phone, live_server, member_world):
    open_online_once(phone, live_server)
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/casebook/visits/new/")
    record_offline(phone, "董文祥", "院墙有裂缝")
    phone.goto(f"{live_server.url}/")  # the kept page: nothing visited yet on the server
    summary = phone.locator("[data-today-summary]")
    expect(summary).to_contain_text("0")
    expect(phone.locator('[data-count="due"]')).to_have_text("3")

    phone.context.set_offline(False)  # the signal returns: the entry goes, the counts follow
    expect(phone.locator('[data-outbox-list="pending"] li')).to_have_count(0)
    expect(summary.locator("strong")).to_have_text("1")
    expect(phone.locator('[data-count="due"]')).to_have_text("2")
    expect(phone.locator("[data-household-id]")).to_have_count(2)
    assert Visit.objects.count() == 1


def test_the_date_picker_speaks_the_pages_language_in_an_english_browser(
    browser, live_server, member_world
):
    context = browser.new_context(viewport=PHONE, locale="en-US")  # an English phone…
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page = context.new_page()  # …showing the Chinese pages
    log_in(page, live_server, "guo", PASSWORD)
    page.goto(f"{live_server.url}/casebook/visits/new/")
    field = page.locator("input[name=visited_on]")
    today = timezone.localdate()
    expect(field).to_have_value(today.isoformat())
    page.get_by_role("button", name="选择日期").click()
    expect(page.locator(".date-pop-title")).to_have_text(f"{today.year}年{today.month}月")
    expect(page.locator(".date-pop-weekday").first).to_have_text("日")
    page.get_by_role("button", name="上个月").click()
    earlier = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=3)
    expect(page.locator(".date-pop-title")).to_have_text(f"{earlier.year}年{earlier.month}月")
    page.locator(f'[data-date="{earlier.isoformat()}"]').click()
    expect(field).to_have_value(earlier.isoformat())  # the server reads the same ISO date
    screenshot(page, "date-picker-phone")
    choose(page, "董文祥")
    page.fill("textarea[name=notes]", "宣传防火")
    page.click(".visit-form button[type=submit]")
    expect(page.get_by_role("heading", name="本月待走访")).to_be_visible()
    assert Visit.objects.get().visited_on == earlier
    context.close()
