"""Every role's daily pages on a 360 px phone, on the seeded demo township: no page scrolls
sideways, and no short label (a village name, a header, a figure, a button) breaks into a
column of single characters. The measuring script is tests/browser/phone_layout.js."""

from pathlib import Path

import pytest
from django.urls import reverse

from casebook.models import Meeting, Request
from devtools import demo
from households.models import Household, Village
from members.models import PartyMember
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import RequestFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEASURE = (Path(__file__).parent / "phone_layout.js").read_text()
PASSWORD = "demo-pass-123"  # noqa: S105


def daily_pages() -> dict[str | None, list[str]]:
    """Each role's daily pages, on the demo's objects (None: the villager, no login)."""
    village = Village.objects.get(name="白牙合村")
    # The demo names member logins after their ids (m-1 on a fresh database).
    member = PartyMember.objects.filter(village=village, user__isnull=False).earliest("id")
    household = Household.objects.filter(
        assignments__member=member, assignments__ended_on__isnull=True
    ).first()
    request = Request.objects.filter(village=village).order_by("-id").first()
    # Whether the member's households raised a request depends on the day the demo is
    # seeded (its random draws follow the days of the month so far): make sure of one.
    own_request = Request.objects.filter(
        household__assignments__member=member
    ).first() or RequestFactory(household=household)
    meeting = Meeting.objects.filter(village=village, kind="mediation").first()
    staff_pages = [
        reverse("casebook:inbox"),
        reverse("casebook:request-detail", args=[request.pk]),
        reverse("members:board", args=[village.pk]),
        reverse("casebook:due") + f"?village={village.pk}",
        reverse("casebook:notebook"),
        reverse("casebook:meetings"),
        reverse("casebook:meeting-detail", args=[meeting.pk]),
        reverse("trends"),
        reverse("report") + f"?village={village.pk}",
    ]
    return {
        "township": [
            reverse("home"),
            reverse("dashboard-village", args=[village.pk]),
            reverse("report"),
            reverse("households:list"),
            reverse("households:detail", args=[household.pk]),
            reverse("members:list"),
            reverse("members:detail", args=[member.pk]),
            reverse("households:cards"),
            *staff_pages,
        ],
        "sec-baiyahe": [reverse("home"), *staff_pages],
        member.user.username: [
            reverse("home"),
            reverse("casebook:due"),
            reverse("casebook:visit-new"),
            reverse("casebook:notebook"),
            reverse("casebook:inbox"),
            reverse("casebook:request-detail", args=[own_request.pk]),
            reverse("casebook:request-new"),
            reverse("casebook:meetings"),
            reverse("households:detail", args=[household.pk]),
        ],
        None: [
            reverse("card", args=[household.card_token]),
            reverse("card-lookup"),
            reverse("login"),
        ],
    }


def test_every_daily_page_of_every_role_reads_on_a_360px_phone(browser, live_server):
    demo.seed_demo(password=PASSWORD)
    problems = []
    for username, paths in daily_pages().items():
        context = browser.new_context(
            viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
        )
        page = context.new_page()
        page.set_default_timeout(20_000)
        if username:
            log_in(page, live_server, username, PASSWORD)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, f"{username} {path}: {response.status}"
            problems += [f"{username or 'villager'} {path}: {p}" for p in page.evaluate(MEASURE)]
        if username == "township":
            page.goto(live_server.url + "/")
            screenshot(page, "dashboard-township-360")
        context.close()
    assert problems == [], "\n".join(problems)


def test_the_measure_sees_a_column_of_characters_and_a_sideways_page(page, live_server):
    """The check itself: a label squeezed to one character's width, and a page too wide."""
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("login"))
    page.evaluate(
        """() => {
            const cell = document.createElement("div");
            cell.className = "squeezed";
            cell.textContent = "本季度议事";
            document.querySelector("main").appendChild(cell);
            const sheet = new CSSStyleSheet();
            sheet.replaceSync(".squeezed { width: 1em; } .wide { width: 600px; height: 1px; }");
            document.adoptedStyleSheets = [sheet];
            const wide = document.createElement("div");
            wide.className = "wide";
            document.querySelector("main").appendChild(wide);
        }"""
    )
    problems = page.evaluate(MEASURE)
    assert any("scrolls sideways" in p for p in problems)
    assert any("本季度议事" in p and "column of 5 lines" in p for p in problems)
