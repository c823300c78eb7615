"""A township cadre's first log-in on a phone: a password of their own, then the
authenticator app, then the recovery codes; every page fits 360 px."""

import pytest
from playwright.sync_api import expect

from households.models import RoleKind
from tests.browser.conftest import DESKTOP, PHONE, authenticator_code, screenshot
from tests.factories import RoleFactory, TownshipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_new_cadre_sets_a_password_and_an_authenticator_on_a_phone(phone_page, live_server):
    township = TownshipFactory(name="东山乡")
    user = UserFactory(username="cadre", password="Temp-Pass-2026", account_state=False)
    RoleFactory(user=user, kind=RoleKind.TOWNSHIP, township=township, village=None)
    page = phone_page
    fetched = []  # the service worker's requests too: they are the context's
    page.context.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{live_server.url}/households/")
    page.fill("input[name=username]", "cadre")
    page.fill("input[name=password]", "Temp-Pass-2026")
    page.click("main button[type=submit]")

    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    expect(page.get_by_text("由管理员设置")).to_be_visible()
    expect(page.get_by_text("至少使用以下四类中的三类")).to_be_visible()
    assert _fits(page)
    screenshot(page, "account-password-phone")
    page.fill("input[name=old_password]", "Temp-Pass-2026")
    page.fill("input[name=new_password1]", "Qinghai-Huzhu-7")
    page.fill("input[name=new_password2]", "Qinghai-Huzhu-7")
    page.click("main button[type=submit]")

    expect(page.get_by_role("heading", name="设置双因素登录")).to_be_visible()
    expect(page.locator(".qr-setup svg")).to_be_visible()
    assert _fits(page)
    screenshot(page, "account-two-factor-setup-phone")
    key = page.locator("[data-secret]").inner_text().replace(" ", "")
    page.fill("input[name=token]", authenticator_code(key))
    page.click("main button[type=submit]")

    expect(page.get_by_role("heading", name="恢复码")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert _fits(page)
    screenshot(page, "account-recovery-codes-phone")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "account-recovery-codes-desktop")
    page.set_viewport_size(PHONE)
    page.click("a.btn-party")
    expect(page).to_have_url(f"{live_server.url}/households/")
    # Nothing fetched behind the cadre's back (the members' visit form, kept offline, is
    # theirs): such a request, racing the set-up's new session key, logged the cadre out.
    assert not [url for url in fetched if "/casebook/visits/new/" in url]
