"""A secretary on a PC and on a phone schedules a mediation with the searchable pickers:
a name found by typing pinyin, only the parts that belong to the kind of meeting, and the
agreement ready to print."""

import re

import pytest
from playwright.sync_api import expect

from casebook.models import Meeting
from households.models import RoleKind
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import (
    HouseholdFactory,
    PartyMemberFactory,
    PavilionFactory,
    RoleFactory,
    UserFactory,
    VillageFactory,
    VillageGroupFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page) -> None:
    """Let the page keep the focus a person's browser tab has.

    Headless pages share the focus of the run, so document.hasFocus() is often false, and
    Tom Select (like many widgets) then ignores blur and keeps a list open.
    """
    if not getattr(page, "_focus_emulated", False):
        session = page.context.new_cdp_session(page)
        session.send("Emulation.setFocusEmulationEnabled", {"enabled": True})
        page._focus_emulated = True


def pick(page, name: str, typed: str, expected: str) -> None:
    """Choose in a searchable picker as a person does: click, type, take the match, move on."""
    focused(page)
    control = page.locator(f"#id_{name}-ts-control")
    dropdown = page.locator(f"#id_{name}-ts-dropdown")
    # Into the box's empty end, as a person does: its input hides while it holds items, and
    # a click on a chosen item would select it (and typing would then replace it).
    box = control.locator("xpath=..")
    size = box.bounding_box()
    box.click(position={"x": size["width"] - 8, "y": size["height"] - 8})
    control.press_sequentially(typed)
    option = dropdown.locator(".option", has_text=expected).first
    expect(option).to_be_visible()
    option.click()
    expect(control.locator("xpath=..").locator(".item", has_text=expected)).to_be_visible()
    control.press("Escape")
    expect(dropdown).to_be_hidden()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def village():
    village = VillageFactory(name="白牙合村")
    group = VillageGroupFactory(village=village, name="一社", number=1)
    PavilionFactory(village=village, name="白牙合四邻议事亭")
    for name in ("郭有德", "李明", "祁清平", "马海军"):
        PartyMemberFactory(village=village, name=name)
    for name in ("董文祥", "李成林", "王秀兰", "张三"):
        HouseholdFactory(village=village, group=group, head_name=name)
    secretary = UserFactory(username="sec", password="a-long-pass-phrase")
    RoleFactory(user=secretary, kind=RoleKind.SECRETARY, village=village)
    return village


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_mediation_with_searchable_pickers(page, live_server, village, viewport):
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    log_in(page, live_server, "sec", "a-long-pass-phrase")
    page.goto(f"{live_server.url}/casebook/meetings/new/")
    mediation = page.locator("[data-kinds=mediation]")
    expect(mediation).to_be_hidden()  # a deliberation has no parties
    page.locator("[name=kind]").select_option("mediation")
    expect(mediation).to_be_visible()

    page.locator("[name=pavilion]").select_option(label="白牙合四邻议事亭")
    page.locator("[name=held_at]").fill("2026-12-03T14:00")
    page.locator("[name=topic]").fill("宅基地院墙纠纷")
    pick(page, "convener", "gyd", "郭有德")  # pinyin initials find 郭有德
    pick(page, "attendee_members", "李", "李明")
    pick(page, "parties", "dongwenxiang", "董文祥")
    pick(page, "parties", "李成", "李成林")
    expect(
        page.locator("#id_parties-ts-control").locator("xpath=..").locator(".item")
    ).to_have_count(2)
    page.locator("[name=agreement]").fill("院墙按原址重砌，费用各半。")
    assert no_sideways_scroll(page)
    screenshot(page, f"meeting-form-mediation-{viewport}")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("会议已记录")).to_be_visible()

    meeting = Meeting.objects.get()
    assert meeting.convener.name == "郭有德"
    assert sorted(h.head_name for h in meeting.parties.all()) == ["李成林", "董文祥"]
    page.get_by_role("link", name="打印调解协议书").click()
    expect(page.get_by_role("heading", name="人民调解协议书")).to_be_visible()
    expect(page.locator(".signature")).to_have_count(2 + 1 + 1)
    assert no_sideways_scroll(page)
    screenshot(page, f"mediation-agreement-{viewport}")
    page.emulate_media(media="print")
    screenshot(page, f"mediation-agreement-print-{viewport}")
    expect(page.locator("nav.navbar")).to_be_hidden()
    assert re.search(r"一式3份", page.content())
