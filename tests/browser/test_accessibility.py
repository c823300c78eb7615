"""Every page of every role passes axe-core with no violation of any impact, at 1280 and
360 px, on the seeded demo township (the Django admin aside).

axe-core is vendored under tests/browser/vendor/axe-core/ (the npm package, never fetched at
test time) and injected into each page by Playwright, which the page's Content Security
Policy does not govern. A failure names the role, the page, the width, the rule and the
elements. Run alone:

    .venv/bin/pytest tests/browser/test_accessibility.py -q -p no:cacheprovider
"""

from pathlib import Path

import pytest
from django.urls import reverse

from casebook.models import Meeting, Pavilion, Request, Visit
from devtools import demo
from households.models import Household, Village
from members.models import PartyMember
from tests.browser.conftest import DESKTOP, PHONE, log_in
from tests.factories import RequestFactory
from tests.jobs import finished_export

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
LAYOUT = (Path(__file__).parent / "phone_layout.js").read_text()
PASSWORD = "demo-pass-123"  # noqa: S105
WIDTHS = (DESKTOP, PHONE)
# Reflow (WCAG 1.4.10) at 320 px, and 200% zoom (1.4.4) of a 1280 px window, which lays the
# page out at 640 px: nothing lost to a sideways scroll, no label broken into a column.
REFLOW = ({"width": 320, "height": 640}, {"width": 640, "height": 450})

# Every rule axe runs by default (WCAG 2.0-2.2 A and AA and axe's best practices); results
# are kept to the violations, the elements named by their selector and a short snippet.
RUN_AXE = """async () => {
    // Let the page answer a new width first (a box that now scrolls becomes a tab stop).
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map(v => ({
        rule: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map(n =>
            n.target.join(" ") + "  " + n.html.slice(0, 120) +
            (n.any[0] ? "  (" + n.any[0].message + ")" : "")),
        count: v.nodes.length,
    }));
}"""


def pages() -> dict[str | None, list[str]]:
    """Each role's pages, on the demo's objects (None: the villager, no login)."""
    village = Village.objects.get(name="白牙合村")
    member = PartyMember.objects.filter(village=village, user__isnull=False).earliest("id")
    household = Household.objects.filter(
        assignments__member=member, assignments__ended_on__isnull=True
    ).first()
    request = Request.objects.filter(village=village).order_by("-id").first()
    own_request = Request.objects.filter(
        household__assignments__member=member
    ).first() or RequestFactory(household=household)
    mediation = Meeting.objects.filter(village=village, kind="mediation").first()
    meeting = Meeting.objects.filter(village=village).exclude(pk=mediation.pk).first()
    visit = Visit.objects.filter(member=member).order_by("-id").first()
    pavilion = Pavilion.objects.filter(village=village).first()
    staff_pages = [
        reverse("dashboard-village", args=[village.pk]),
        reverse("trends"),
        reverse("report") + f"?village={village.pk}",
        reverse("households:list"),
        reverse("households:detail", args=[household.pk]),
        reverse("members:list"),
        reverse("members:detail", args=[member.pk]),
        reverse("members:board", args=[village.pk]),
        reverse("members:proposal", args=[village.pk]),
        reverse("members:household-link", args=[household.pk]),
        reverse("casebook:member-handover", args=[member.pk]),
        reverse("casebook:due") + f"?village={village.pk}",
        reverse("casebook:notebook"),
        reverse("casebook:visit-new"),
        reverse("casebook:inbox"),
        reverse("casebook:request-new"),
        reverse("casebook:request-detail", args=[request.pk]),
        reverse("casebook:pavilions"),
        reverse("casebook:pavilion-edit", args=[pavilion.pk]),
        reverse("casebook:meetings"),
        reverse("casebook:meeting-new"),
        reverse("casebook:meeting-detail", args=[meeting.pk]),
        reverse("casebook:meeting-detail", args=[mediation.pk]),
        reverse("casebook:meeting-edit", args=[meeting.pk]),
        reverse("casebook:meeting-agreement", args=[mediation.pk]),
        reverse("account-password"),
    ]
    township = member.user.__class__.objects.get(username="township")
    return {
        "township": [
            reverse("home"),
            reverse("households:create"),
            reverse("households:edit", args=[household.pk]),
            reverse("households:import"),
            reverse("households:cards"),
            reverse("members:create"),
            reverse("members:edit", args=[member.pk]),
            reverse("members:import"),
            reverse("job", args=[finished_export(township).pk]),
            *staff_pages,
        ],
        "sec-baiyahe": [reverse("home"), *staff_pages],
        # County staff: their county's townships, drilled down to a village and a household.
        "county": [
            reverse("home"),
            reverse("dashboard") + f"?township={village.township_id}",
            reverse("dashboard-village", args=[village.pk]),
            reverse("trends") + f"?county={village.township.county_id}",
            reverse("report") + f"?county={village.township.county_id}",
            reverse("households:detail", args=[household.pk]),
            reverse("casebook:inbox"),
            reverse("casebook:pavilions"),
        ],
        member.user.username: [
            reverse("home"),
            reverse("casebook:due"),
            reverse("casebook:visit-new"),
            reverse("casebook:visit-edit", args=[visit.pk]),
            reverse("casebook:notebook"),
            reverse("casebook:inbox"),
            reverse("casebook:request-detail", args=[own_request.pk]),
            reverse("casebook:request-new"),
            reverse("casebook:meetings"),
            reverse("households:list"),
            reverse("households:detail", args=[household.pk]),
            reverse("members:detail", args=[member.pk]),
            reverse("account-password"),
        ],
        None: [
            reverse("card", args=[household.card_token]),
            reverse("card-lookup"),
            reverse("login"),
            reverse("offline"),
            "/no-such-page/",
        ],
    }


def violations(page) -> list[str]:
    """axe-core's violations on the page as it stands, one readable line each."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE)
    return [
        f"{v['rule']} ({v['impact']}, {v['count']}×): {v['help']}\n      "
        + "\n      ".join(v["nodes"])
        for v in page.evaluate(RUN_AXE)
    ]


def audit(browser, live_server, username: str | None, paths: list[str]) -> list[str]:
    """Open each path once and audit it at every width; the problems found."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = []
    try:
        if username:
            log_in(page, live_server, username, PASSWORD)
        for path in paths:
            response = page.goto(live_server.url + path)
            expected = 404 if path == "/no-such-page/" else 200
            assert response.status == expected, f"{username} {path}: {response.status}"
            # A section the page fetches once it shows (a dashboard's hotspots) is audited too.
            page.wait_for_function("() => !document.querySelector('[hx-trigger=load]')")
            for viewport in WIDTHS:
                page.set_viewport_size(viewport)
                problems += [
                    f"{username or 'villager'} {path} at {viewport['width']} px: {line}"
                    for line in violations(page)
                ]
            for viewport in REFLOW:
                page.set_viewport_size(viewport)
                problems += [
                    f"{username or 'villager'} {path} at {viewport['width']} px: {line}"
                    for line in page.evaluate(LAYOUT)
                ]
            page.set_viewport_size(DESKTOP)
    finally:
        context.close()
    return problems


def test_every_page_of_every_role_has_no_axe_violation(browser, live_server):
    demo.seed_demo(password=PASSWORD)
    problems = []
    for username, paths in pages().items():
        problems += audit(browser, live_server, username, paths)
    assert problems == [], f"{len(problems)} axe-core violations:\n" + "\n".join(problems)


def test_the_audit_names_page_rule_and_element(browser, live_server):
    """The check itself: an unnamed button and a low-contrast line are reported."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.evaluate(
        """() => {
            const button = document.createElement("button");
            button.className = "unnamed";
            document.querySelector("main").appendChild(button);
            const faint = document.createElement("p");
            faint.className = "faint";
            faint.textContent = "看不清的字";
            document.querySelector("main").appendChild(faint);
            const sheet = new CSSStyleSheet();
            sheet.replaceSync(".faint { color: #ccc; background: #fff; }");
            document.adoptedStyleSheets = [sheet];
        }"""
    )
    found = violations(page)
    context.close()
    assert any(line.startswith("button-name") and ".unnamed" in line for line in found)
    assert any(line.startswith("color-contrast") and "看不清的字" in line for line in found)
