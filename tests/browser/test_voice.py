"""The villager holds the button and speaks (Chromium's fake microphone plays a tone), sends
the matter by voice, adds to it by voice, and the member hears it on the request page. A
file that is not audio and a recording that is too long are refused with the reason; a
browser that cannot record says so and keeps the typed form and the call button."""

import re

import pytest
from playwright.sync_api import expect

from casebook.models import Request, RequestEvent, VoiceNote
from households.models import RoleKind
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, log_in, screenshot
from tests.browser.test_accessibility import violations
from tests.casebook.test_voice import FIXTURES, webm
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RoleFactory,
    UserFactory,
    VillageFactory,
    VillageGroupFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MICROPHONE = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",  # so that a test can play a recording
]


@pytest.fixture(scope="module")
def mic_browser(browser):
    """A second Chromium, from the session's Playwright, with a fake microphone."""
    mic = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + MICROPHONE
    )
    yield mic
    mic.close()


@pytest.fixture
def household(rate_window):
    village = VillageFactory(name="白牙合村")
    group = VillageGroupFactory(village=village, name="一社", number=1)
    member_user = UserFactory(username="m-guo", password="a-long-pass-phrase")
    member = PartyMemberFactory(village=village, name="郭有德", user=member_user)
    household = HouseholdFactory(village=village, group=group, head_name="董文祥")
    AssignmentFactory(household=household, member=member)
    secretary = UserFactory(username="sec", password="a-long-pass-phrase")
    RoleFactory(user=secretary, kind=RoleKind.SECRETARY, village=village)
    return household


def hold_and_speak(page, button, seconds: float) -> None:
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(seconds * 1000)
    page.mouse.up()


def audio_seconds(page, selector: str) -> float:
    """Play an <audio> element to its end, as a person listening does; how long it played.

    (Chromium's own WebM recordings declare no duration, so the end is what tells.)
    """
    return page.eval_on_selector(
        selector,
        """audio => new Promise((done, fail) => {
             audio.onended = () => done(audio.currentTime);
             audio.onerror = () => fail(new Error("cannot play " + audio.src));
             audio.muted = true; audio.currentTime = 0;
             audio.play().catch(fail);
           })""",
    )


def test_a_matter_raised_and_added_to_by_voice(mic_browser, live_server, household, tmp_path):
    context = mic_browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    )
    context.grant_permissions(["microphone"], origin=live_server.url)
    phone = context.new_page()
    problems = []
    phone.on(
        "console", lambda m: problems.append(m.text) if m.type in ("warning", "error") else None
    )
    card = f"{live_server.url}/c/{household.card_token}/"
    phone.goto(card)
    raise_form = phone.locator("form.card-raise")
    expect(raise_form.locator("[data-voice-unsupported]")).to_be_hidden()
    hold = raise_form.locator("[data-voice-hold]")
    expect(hold).to_have_text(re.compile("按住说话"))

    hold_and_speak(phone, hold, 2.5)
    expect(raise_form.locator("[data-voice-status]")).to_contain_text("已录")
    expect(raise_form.locator("[data-voice-preview]")).to_be_visible()
    screenshot(phone, "card-voice-recorded-phone")
    raise_form.get_by_role("button", name="提交").click()
    expect(phone.get_by_text("已收到您反映的事")).to_be_visible()

    request = Request.objects.get()
    note = VoiceNote.objects.get()
    assert note.content_type == "audio/webm" and 1 <= note.seconds <= 4
    assert request.description.startswith("（语音留言")
    assert audio_seconds(phone, f"[data-request='{request.pk}'] audio[data-voice-note]") > 1

    # Add to the matter, by voice again.
    phone.get_by_text("补充这件事").click()
    add_form = phone.locator(f"[data-request='{request.pk}'] form")
    hold_and_speak(phone, add_form.locator("[data-voice-hold]"), 1.5)
    expect(add_form.locator("[data-voice-preview]")).to_be_visible()
    add_form.locator("textarea").fill("晚上更黑了")
    add_form.get_by_role("button", name="提交").click()
    expect(phone.get_by_text("已补充")).to_be_visible()
    added = RequestEvent.objects.get(kind="added")
    assert added.text == "晚上更黑了" and added.voice.content_type == "audio/webm"
    expect(phone.locator(f"[data-request='{request.pk}'] audio[data-voice-note]")).to_have_count(2)
    assert not phone.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")
    screenshot(phone, "card-voice-sent-phone")

    # A file that is not audio, and a recording too long, named and typed as audio.
    not_audio = tmp_path / "voice.webm"
    not_audio.write_bytes(b"<html>this is not a recording</html>")
    too_long = tmp_path / "long.webm"
    too_long.write_bytes(webm(seconds=75))
    for path, message in ((not_audio, "这不是录音文件"), (too_long, "录音超过 60 秒")):
        phone.goto(card)
        phone.locator("#id_voice").set_input_files(str(path))
        phone.locator("form.card-raise").get_by_role("button", name="提交").click()
        expect(phone.get_by_text(message)).to_be_visible()
    assert Request.objects.count() == 1 and VoiceNote.objects.count() == 2
    screenshot(phone, "card-voice-refused-phone")

    # What an iPhone records is MP4: taken, stored as MP4 and played back.
    phone.goto(card)
    phone.locator("#id_voice").set_input_files(str(FIXTURES / "voice-2s.mp4"))
    phone.locator("form.card-raise").get_by_role("button", name="提交").click()
    expect(phone.get_by_text("已收到您反映的事")).to_be_visible()
    iphone = VoiceNote.objects.get(content_type="audio/mp4")
    assert audio_seconds(phone, f"audio[data-voice-note='{iphone.pk}']") > 1.5
    assert problems == []
    context.close()

    # The member hears both on the request page and in its timeline.
    context = mic_browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "m-guo", "a-long-pass-phrase")
    page.goto(f"{live_server.url}/casebook/requests/{request.pk}/")
    expect(page.locator("audio[data-voice-raised]")).to_have_count(1)
    expect(page.locator(".timeline-item audio")).to_have_count(2)
    assert audio_seconds(page, ".timeline-item[data-kind=added] audio") > 1
    assert audio_seconds(page, "audio[data-voice-raised]") > 1
    screenshot(page, "request-voice-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "request-voice-phone")
    context.close()


def test_a_browser_that_cannot_record_says_so(mic_browser, live_server, household):
    context = mic_browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    context.add_init_script("delete window.MediaRecorder;")  # as some in-app browsers
    page = context.new_page()
    page.goto(f"{live_server.url}/c/{household.card_token}/")
    expect(page.locator("form.card-raise [data-voice-unsupported]")).to_be_visible()
    expect(page.locator("form.card-raise [data-voice]")).to_be_hidden()
    expect(page.get_by_role("link", name=re.compile("拨打"))).to_be_visible()
    page.get_by_label("事项类别").select_option(index=1)
    page.get_by_label("您要反映的事").fill("村口路灯坏了")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("已收到您反映的事")).to_be_visible()
    assert Request.objects.get().description == "村口路灯坏了"
    screenshot(page, "card-voice-unsupported-phone")
    context.close()


def test_the_voice_button_shows_the_time_recorded_and_records_again(
    mic_browser, live_server, household
):
    context = mic_browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    )
    context.grant_permissions(["microphone"], origin=live_server.url)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/c/{household.card_token}/")
    raise_form = phone.locator("form.card-raise")
    hold = raise_form.locator("[data-voice-hold]")
    assert hold.bounding_box()["height"] >= 60  # a large button, in care mode or not
    timer = raise_form.locator("[data-voice-timer]")
    expect(timer).to_be_hidden()

    hold.scroll_into_view_if_needed()
    box = hold.bounding_box()
    phone.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    phone.mouse.down()
    expect(timer).to_be_visible()  # the time recorded shows while the button is held
    expect(timer).to_contain_text("0:01 / 1:00")
    expect(raise_form.locator("[data-voice-status]")).to_contain_text("正在录音")
    assert violations(phone) == []  # the held button's colours too
    phone.mouse.up()

    again = raise_form.get_by_role("button", name="再录一次")
    expect(again).to_be_visible()
    assert raise_form.locator("[data-voice-input]").evaluate("i => i.files.length") == 1
    again.click()
    expect(raise_form.locator("[data-voice-preview]")).to_be_hidden()
    expect(timer).to_be_hidden()
    assert raise_form.locator("[data-voice-input]").evaluate("i => i.files.length") == 0
    expect(hold).to_be_focused()  # straight back to the button
    context.close()
