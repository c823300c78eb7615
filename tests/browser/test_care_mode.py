"""Care mode (关怀模式) for elderly villagers and members, the card page read aloud, and
keyboard use.

The switch is on the first screen of the villager's card page and of every member page;
the choice stays on the phone (also offline); in it, on a 360 px phone, every page of the
member's daily journey and the card page keep text at 18 px or more, lines 1.5 apart, body
text at 7:1 (axe-core's color-contrast-enhanced), main actions at 60 × 60 px, one column,
links underlined, no sideways scroll and no axe-core violation."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from casebook.models import RequestStatus
from households.models import RoleKind
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.browser.test_accessibility import violations
from tests.browser.test_offline import open_online_once
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    MeetingFactory,
    PartyMemberFactory,
    RequestFactory,
    RoleFactory,
    UserFactory,
    VillageFactory,
    VisitFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase"  # noqa: S105
HERE = Path(__file__).parent
CARE = (HERE / "care_mode.js").read_text()
LAYOUT = (HERE / "phone_layout.js").read_text()
AAA_CONTRAST = """async () => {
    const result = await axe.run(document, {runOnly: ["color-contrast-enhanced"]});
    return result.violations.flatMap(v => v.nodes.map(n =>
        n.target.join(" ") + ": " + (n.any[0] ? n.any[0].message : "")));
}"""


@pytest.fixture
def journey():
    """A member with three households: one with a visit, one with a replied request."""
    village = VillageFactory(name="白牙合村")
    user = UserFactory(username="guo", password=PASSWORD, first_name="有德", last_name="郭")
    member = PartyMemberFactory(village=village, name="郭有德", user=user)
    households = [
        HouseholdFactory(village=village, head_name=name, is_elderly_alone=name == "董文祥")
        for name in ("董文祥", "李成林", "王秀兰")
    ]
    for household in households:
        AssignmentFactory(household=household, member=member)
    visit = VisitFactory(
        household=households[1], member=member, recorded_by=user, notes="院墙有裂缝，已提醒修补"
    )
    request = RequestFactory(
        household=households[0],
        description="巷道路灯坏了，晚上出门看不见",
        status=RequestStatus.REPLIED,
        reply="村委会已联系电工，本周五前修好。",
        replied_at=timezone.now(),
    )
    open_request = RequestFactory(household=households[2], status=RequestStatus.ACCEPTED)
    meeting = MeetingFactory(pavilion__village=village, topic="土豆收购价格议事")
    meeting.attendee_members.add(member)
    return {
        "household": households[0],
        "request": request,
        "pages": [
            reverse("home"),
            reverse("casebook:due"),
            reverse("casebook:visit-new"),
            reverse("casebook:visit-edit", args=[visit.pk]),
            reverse("casebook:notebook"),
            reverse("casebook:inbox"),
            reverse("casebook:request-detail", args=[open_request.pk]),
            reverse("casebook:request-new"),
            reverse("households:detail", args=[households[0].pk]),
            reverse("casebook:meetings"),
            reverse("casebook:meeting-detail", args=[meeting.pk]),
        ],
    }


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


def switch_on(page) -> None:
    """Turn care mode on with the switch, which must be on the first screen."""
    switch = page.locator("[data-care-toggle]")
    expect(switch).to_be_visible()
    box = switch.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "the switch is below the first screen"
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    expect(switch).to_contain_text("开")
    assert page.evaluate("document.documentElement.classList.contains('care')")


def care_problems(page, label: str) -> list[str]:
    """Everything care mode promises, checked on the page as it stands."""
    found = [f"{label}: {p}" for p in page.evaluate(CARE)]
    found += [f"{label}: {p}" for p in page.evaluate(LAYOUT)]
    found += [f"{label}: axe {line}" for line in violations(page)]
    found += [f"{label}: below 7:1 {line}" for line in page.evaluate(AAA_CONTRAST)]
    return found


def test_the_card_page_in_care_mode_on_a_360px_phone(phone, live_server, journey):
    card = live_server.url + reverse("card", args=[journey["household"].card_token])
    phone.goto(card)
    assert not phone.evaluate("document.documentElement.classList.contains('care')")
    switch_on(phone)
    phone.reload()  # remembered on the phone
    expect(phone.locator("[data-care-toggle]")).to_have_attribute("aria-pressed", "true")
    problems = care_problems(phone, "card")
    phone.locator("form.card-raise button[type=submit]").click()  # errors, in care mode too
    expect(phone.locator("form.card-raise .invalid-feedback").first).to_be_visible()
    problems += care_problems(phone, "card with errors")
    screenshot(phone, "care-mode-card-360")
    for name in ("card-lookup", "login"):  # the villager's other card page; a member's first
        phone.goto(live_server.url + reverse(name))
        expect(phone.locator("[data-care-toggle]")).to_have_attribute("aria-pressed", "true")
        problems += care_problems(phone, name)
    assert problems == [], "\n".join(problems)
    phone.goto(card)

    phone.locator("[data-care-toggle]").click()  # and off again
    expect(phone.locator("[data-care-toggle]")).to_have_attribute("aria-pressed", "false")
    phone.reload()
    assert not phone.evaluate("document.documentElement.classList.contains('care')")


def test_every_page_of_the_members_day_in_care_mode_at_360px_and_offline(
    phone, live_server, journey
):
    open_online_once(phone, live_server)  # the service worker keeps today's page
    switch_on(phone)
    problems = []
    for path in journey["pages"]:
        response = phone.goto(live_server.url + path)
        assert response.status == 200, path
        expect(phone.locator("[data-care-toggle]")).to_have_attribute("aria-pressed", "true")
        problems += care_problems(phone, path)
    phone.goto(live_server.url + "/")
    screenshot(phone, "care-mode-today-360")
    assert problems == [], "\n".join(problems)

    # No signal: today's kept page still opens in care mode, the choice being on the phone.
    phone.context.set_offline(True)
    phone.goto(live_server.url + "/")
    expect(phone.get_by_role("heading", name="今日工作")).to_be_visible()
    assert phone.evaluate("document.documentElement.classList.contains('care')")
    phone.context.set_offline(False)


def test_staff_pages_offer_no_care_mode(page, live_server, journey):
    """Staff work at office PCs: their pages have no switch, and a care choice left in the
    browser does not change them."""
    secretary = UserFactory(username="sec", password=PASSWORD)
    RoleFactory(user=secretary, kind=RoleKind.SECRETARY, village=journey["household"].village)
    page.goto(live_server.url + reverse("login"))
    page.evaluate("localStorage.setItem('care-mode', 'on')")
    log_in(page, live_server, "sec", PASSWORD)
    page.goto(live_server.url + reverse("casebook:inbox"))
    expect(page.locator("[data-care-toggle]")).to_have_count(0)
    assert not page.evaluate("document.documentElement.classList.contains('care')")


FAKE_SPEECH = """(voices) => {
    window.spoken = [];
    const synth = {
        speaking: false,
        getVoices: () => voices.map(lang => ({lang, name: lang, localService: true})),
        speak(utterance) {
            this.speaking = true;
            window.spoken.push({text: utterance.text, lang: utterance.lang,
                                voice: utterance.voice && utterance.voice.lang});
            window.finish = () => { this.speaking = false; utterance.onend && utterance.onend(); };
        },
        cancel() { this.speaking = false; },
        addEventListener() {},
    };
    Object.defineProperty(window, "speechSynthesis", {value: synth, configurable: true});
    // The real utterance takes only the browser's own voice objects.
    window.SpeechSynthesisUtterance = function (text) { this.text = text; };
}"""


def card_with_voices(browser, live_server, household, voices):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    context.add_init_script(f"({FAKE_SPEECH})({voices!r})")
    page = context.new_page()
    page.goto(live_server.url + reverse("card", args=[household.card_token]))
    return context, page


def test_the_card_page_reads_the_matters_and_replies_aloud_in_chinese(
    browser, live_server, journey
):
    context, page = card_with_voices(browser, live_server, journey["household"], ["en-US", "zh-CN"])
    button = page.get_by_role("button", name="读给我听")
    expect(button).to_be_visible()
    button.click()
    spoken = page.evaluate("window.spoken")
    assert len(spoken) == 1
    assert spoken[0]["lang"] == "zh-CN" and spoken[0]["voice"] == "zh-CN"
    for words in ("巷道路灯坏了，晚上出门看不见", "村委会已联系电工，本周五前修好。", "已答复"):
        assert words in spoken[0]["text"]
    expect(page.get_by_role("button", name="停止朗读")).to_be_visible()  # while it speaks
    page.evaluate("window.finish()")
    expect(button).to_be_visible()
    context.close()


@pytest.mark.parametrize("voices", [[], ["en-US", "ja-JP"]], ids=["no voice", "no Chinese voice"])
def test_read_aloud_is_hidden_without_a_chinese_voice(browser, live_server, journey, voices):
    context, page = card_with_voices(browser, live_server, journey["household"], voices)
    expect(page.locator("[data-read-aloud]")).to_be_hidden()
    expect(page.locator("form.card-raise")).to_be_visible()  # the page itself works as ever
    context.close()


def test_keyboard_skip_link_visible_focus_and_a_reachable_scrolling_table(
    phone, live_server, journey
):
    secretary = UserFactory(username="sec", password=PASSWORD)
    RoleFactory(user=secretary, kind=RoleKind.SECRETARY, village=journey["household"].village)
    log_in(phone, live_server, "sec", PASSWORD)
    phone.keyboard.press("Tab")
    skip = phone.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = phone.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert float(outline.removesuffix("px")) >= 2
    phone.keyboard.press("Enter")
    expect(phone.locator("main")).to_be_focused()
    phone.keyboard.press("Tab")  # the next stop is inside the page's content, past the menu
    assert phone.evaluate("document.activeElement.closest('main') !== null")

    # The twelve months' table scrolls sideways in its own box on a phone: the box is a
    # named region that the keyboard reaches (and then scrolls with the arrow keys).
    phone.goto(live_server.url + reverse("trends"))
    # The menu says which place this is to a screen reader too, not by underline alone.
    expect(phone.locator(".navbar a[aria-current=page]")).to_have_text("工作台")
    box = phone.locator("main > .table-responsive")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    expect(box).to_have_attribute("role", "region")
    expect(box).to_have_attribute("aria-label", "各类诉求")
    for _ in range(80):
        phone.keyboard.press("Tab")
        if box.evaluate("b => b === document.activeElement"):
            break
    expect(box).to_be_focused()
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("ArrowRight")
    phone.wait_for_function("b => b.scrollLeft > 0", arg=box.element_handle())  # it scrolls
