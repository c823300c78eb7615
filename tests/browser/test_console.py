"""Each role's daily pages, read as the browser's console reads them: no warning, no error,
no failed request (a CSP refusal or a missing favicon shows up here first)."""

import pytest

from households.models import RoleKind
from tests.browser.conftest import log_in
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    MeetingFactory,
    PartyMemberFactory,
    PavilionFactory,
    RequestFactory,
    RoleFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    VillageGroupFactory,
    VisitFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "a-long-pass-phrase"


class Console:
    """Everything a page tells the console, and every request that fails."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"{m.type}: {m.text}")
                if m.type in ("warning", "error")
                else None
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        page.on(
            "response",
            lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )

    def visit(self, page, url: str) -> None:
        page.goto(url)
        page.wait_for_load_state("networkidle")


@pytest.fixture
def township_world():
    township = TownshipFactory(name="东山乡")
    village = VillageFactory(township=township, name="白牙合村", code="baiyahe")
    group = VillageGroupFactory(village=village, name="一社", number=1)
    member_user = UserFactory(username="m-1", password=PASSWORD)
    member = PartyMemberFactory(village=village, name="郭有德", user=member_user)
    household = HouseholdFactory(village=village, group=group, head_name="董文祥")
    AssignmentFactory(household=household, member=member)
    VisitFactory(household=household, member=member, recorded_by=member_user)
    request = RequestFactory(household=household)
    meeting = MeetingFactory(pavilion=PavilionFactory(village=village), status="planned")
    meeting.requests.add(request)
    staff = UserFactory(username="township", password=PASSWORD)
    RoleFactory(user=staff, kind=RoleKind.TOWNSHIP, township=township, village=None)
    secretary = UserFactory(username="sec-baiyahe", password=PASSWORD)
    RoleFactory(user=secretary, kind=RoleKind.SECRETARY, village=village)
    UserFactory(username="admin", password=PASSWORD, is_superuser=True, is_staff=True)
    return {
        "village": village,
        "household": household,
        "member": member,
        "request": request,
        "meeting": meeting,
    }


def _daily_pages(w) -> dict[str, list[str]]:
    v, h, r, m = w["village"].pk, w["household"].pk, w["request"].pk, w["meeting"].pk
    return {
        "township": [
            "/",
            "/households/",
            f"/households/{h}/",
            "/members/",
            "/casebook/requests/",
            f"/casebook/requests/{r}/",
            "/casebook/meetings/",
            f"/casebook/meetings/new/?village={v}",
            f"/casebook/meetings/{m}/",
            f"/casebook/meetings/{m}/edit/",
            "/dashboard/trends/",
            "/dashboard/report/",
            "/households/cards/",
            "/households/import/",
        ],
        "sec-baiyahe": [
            "/",
            f"/members/board/{v}/",
            "/casebook/due/",
            "/casebook/requests/",
            f"/casebook/requests/{r}/",
            f"/dashboard/trends/?village={v}",
        ],
        "m-1": [
            "/",
            "/casebook/due/",
            f"/casebook/visits/new/?household={h}",
            "/casebook/notebook/",
            f"/casebook/requests/{r}/",
            f"/households/{h}/",
        ],
        "admin": [
            "/admin/",
            "/admin/households/household/",
            "/admin/auth/user/",
            "/admin/auth/user/add/",
            "/admin/axes/accessattempt/",
        ],
    }


def test_no_console_warnings_on_any_roles_daily_pages(browser, live_server, township_world):
    for username, paths in _daily_pages(township_world).items():
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        console = Console(page)
        log_in(page, live_server, username, PASSWORD)
        for path in paths:
            console.visit(page, live_server.url + path)
            assert console.problems == [], f"{username} {path}"
        context.close()


def test_villagers_pages_are_quiet_and_the_favicon_answers(browser, live_server, township_world):
    context = browser.new_context(locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    console = Console(page)
    token = township_world["household"].card_token
    for path in (f"/c/{token}/", "/c/", "/accounts/login/"):
        console.visit(page, live_server.url + path)
        assert console.problems == [], path
    icon = page.request.get(f"{live_server.url}/favicon.ico")
    assert icon.ok
    assert icon.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file, after the redirect
    context.close()
