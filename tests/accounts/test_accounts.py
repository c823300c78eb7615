"""Accounts: one's own password, changed in time; a second factor for township-wide logins."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountState
from infra.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
NEW_PASSWORD = "Qinghai-Huzhu-7"


def log_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def code_for(device: TOTPDevice, *, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp() + later
    return f"{totp.token():0{device.digits}d}"


def actions(username: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(username=username).order_by("id").values_list("action", flat=True)
    )


# --- Passwords --------------------------------------------------------------------------


def test_a_member_changes_their_own_password_on_a_chinese_page(client, world):
    client.force_login(world.member_user)
    page = client.get(reverse("account-password"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "修改密码" in text and "大写字母、小写字母、数字、符号" in text
    response = client.post(
        reverse("account-password"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=world.member_user.pk).check_password(NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200  # this session goes on
    assert actions("member")[-1] == "password_changed"


@pytest.mark.parametrize(
    "password, message",
    [
        ("dongshan2026x", "至少使用以下四类中的三类"),  # two kinds only
        ("abcdefgh", "至少使用以下四类中的三类"),  # one kind only
        ("Ab1!x", "密码长度太短。密码必须包含至少 8 个字符。"),  # Django's own, in Chinese too
        (PASSWORD, "新密码不能与当前密码相同"),
    ],
)
def test_a_weak_or_unchanged_password_is_refused_and_nothing_changes(
    client, world, password, message
):
    client.force_login(world.member_user)
    response = client.post(
        reverse("account-password"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(pk=world.member_user.pk).check_password(PASSWORD)


def test_an_account_an_administrator_created_must_choose_its_password_first(plain_client, world):
    user = UserFactory(username="new-clerk", account_state=False)
    user.set_password(PASSWORD)
    user.save()
    assert log_in(plain_client, "new-clerk").status_code == 302
    response = plain_client.get(reverse("households:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account-password"))
    page = plain_client.get(response.url)
    assert "由管理员设置" in page.content.decode()
    plain_client.post(
        response.url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert plain_client.get(reverse("households:list")).status_code == 200


def test_a_temporary_password_from_the_admin_must_be_changed_at_next_login(
    client, plain_client, world
):
    client.force_login(world.admin)
    url = reverse("admin:auth_user_password_change", args=[world.member_user.pk])
    response = client.post(
        url,
        {"password1": "Temp-Pass-2026", "password2": "Temp-Pass-2026", "usable_password": "true"},
    )
    assert response.status_code == 302
    state = AccountState.objects.get(user=world.member_user)
    assert state.must_change_password
    event = AuditEvent.objects.get(action="password_set")
    assert (event.username, event.target) == ("root", "member")

    log_in(plain_client, "member", "Temp-Pass-2026")
    response = plain_client.get(reverse("casebook:due"))
    assert response.url.startswith(reverse("account-password"))
    assert "临时密码" in plain_client.get(response.url).content.decode()


def test_a_password_older_than_the_limit_must_be_changed(plain_client, world, settings):
    AccountState.objects.filter(user=world.member_user).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=181)
    )
    log_in(plain_client, "member")
    response = plain_client.get(reverse("casebook:due"))
    assert response.status_code == 302 and response.url.startswith(reverse("account-password"))

    settings.PASSWORD_MAX_AGE_DAYS = 0  # turned off
    plain_client.logout()
    log_in(plain_client, "member")
    assert plain_client.get(reverse("casebook:due")).status_code == 200


def test_a_password_younger_than_the_limit_may_stay(plain_client, world):
    AccountState.objects.filter(user=world.member_user).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=179)
    )
    log_in(plain_client, "member")
    assert plain_client.get(reverse("casebook:due")).status_code == 200


def test_demo_logins_are_never_asked_for_a_password_or_a_second_factor(plain_client, world):
    AccountState.objects.filter(user=world.staff).update(
        is_demo=True, password_changed_at=timezone.now() - datetime.timedelta(days=999)
    )
    log_in(plain_client, "staff")
    assert plain_client.get(reverse("households:list")).status_code == 200


# --- The second factor ------------------------------------------------------------------


def test_township_staff_set_up_the_authenticator_at_first_login(plain_client, world):
    assert log_in(plain_client, "staff").status_code == 302
    response = plain_client.get(reverse("households:list"))
    assert response.url.startswith(reverse("account-two-factor-setup"))
    page = plain_client.get(response.url)
    text = page.content.decode()
    assert "<svg" in text and "扫描" in text
    device = TOTPDevice.objects.get(user=world.staff, confirmed=False)

    wrong = plain_client.post(response.url, {"token": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=world.staff, confirmed=True).exists()

    # django-otp waits a moment after a wrong code before it checks the next one.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5), tick=False):
        done = plain_client.post(response.url, {"token": code_for(device)})
    assert done.status_code == 302 and done.url.startswith(reverse("account-recovery-codes"))
    codes_page = plain_client.get(done.url).content.decode()
    codes = list(
        StaticToken.objects.filter(device__user=world.staff).values_list("token", flat=True)
    )
    assert len(codes) == 10 and all(code in codes_page for code in codes)
    # Shown once only.
    assert plain_client.get(reverse("account-recovery-codes")).url == reverse("home")
    assert plain_client.get(reverse("households:list")).status_code == 200
    assert "otp_enrolled" in actions("staff")


@pytest.fixture
def staff_device(world):
    return TOTPDevice.objects.create(user=world.staff, name="app", confirmed=True)


def test_staff_with_an_app_pass_its_code_at_every_login(plain_client, world, staff_device):
    log_in(plain_client, "staff")
    for name in ("households:list", "dashboard", "admin:index"):
        response = plain_client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account-two-factor"))
    next_url = reverse("households:list")
    response = plain_client.post(
        reverse("account-two-factor") + f"?next={next_url}",
        {"token": code_for(staff_device), "next": next_url},
    )
    assert response.status_code == 302 and response.url == next_url
    assert plain_client.get(next_url).status_code == 200
    assert actions("staff")[-2:] == ["login", "otp_verified"]


def test_a_recovery_code_signs_in_once(plain_client, world, staff_device):
    from django_otp.plugins.otp_static.models import StaticDevice

    recovery = StaticDevice.objects.create(user=world.staff, name="codes", confirmed=True)
    recovery.token_set.create(token="abcdefgh23")
    log_in(plain_client, "staff")
    response = plain_client.post(reverse("account-two-factor"), {"token": "abcd efgh 23"})
    assert response.status_code == 302
    assert plain_client.get(reverse("households:list")).status_code == 200
    plain_client.post(reverse("logout"))
    log_in(plain_client, "staff")
    again = plain_client.post(reverse("account-two-factor"), {"token": "abcdefgh23"})
    assert again.status_code == 200  # used up
    assert "otp_recovery_used" in actions("staff")


def test_five_wrong_codes_lock_the_login_like_five_wrong_passwords(
    plain_client, world, staff_device
):
    log_in(plain_client, "staff")
    for _ in range(4):
        response = plain_client.post(reverse("account-two-factor"), {"token": "123456"})
        assert response.status_code == 200
    response = plain_client.post(reverse("account-two-factor"), {"token": "123456"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in plain_client.session  # logged out
    # The password alone does not let them back in either.
    assert log_in(plain_client, "staff").status_code == 429
    assert actions("staff").count("otp_failed") == 5
    assert "locked_out" in actions("staff")


def test_members_are_never_asked_for_a_second_factor(plain_client, world):
    log_in(plain_client, "member")
    assert plain_client.get(reverse("casebook:due")).status_code == 200


def test_secretaries_are_asked_when_the_setting_says_so(plain_client, world, settings):
    log_in(plain_client, "sec-a")
    assert plain_client.get(reverse("casebook:inbox")).status_code == 200
    settings.TWO_FACTOR_FOR_SECRETARIES = True
    plain_client.logout()
    log_in(plain_client, "sec-a")
    response = plain_client.get(reverse("casebook:inbox"))
    assert response.url.startswith(reverse("account-two-factor-setup"))


def test_superusers_pass_the_second_factor_before_the_admin(plain_client, world):
    log_in(plain_client, "root")
    response = plain_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account-two-factor-setup"))


def test_an_administrator_resets_a_lost_phone(client, plain_client, world, staff_device):
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [world.staff.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.staff).exists()
    event = AuditEvent.objects.get(action="otp_reset")
    assert (event.username, event.target) == ("root", "staff")
    log_in(plain_client, "staff")
    response = plain_client.get(reverse("households:list"))
    assert response.url.startswith(reverse("account-two-factor-setup"))


def test_only_the_pending_steps_page_is_open_before_the_step(plain_client, world):
    log_in(plain_client, "staff")
    assert plain_client.get(reverse("account-two-factor-setup")).status_code == 200
    response = plain_client.get(reverse("account-password"))
    assert response.url.startswith(reverse("account-two-factor-setup"))
    assert plain_client.post(reverse("logout")).status_code == 302


def test_the_code_field_opens_the_number_pad_and_offers_the_code(plain_client, world, staff_device):
    log_in(plain_client, "staff")
    page = plain_client.get(reverse("account-two-factor")).content.decode()
    field = re.search(r'<input[^>]*name="token"[^>]*>', page).group(0)
    assert 'inputmode="numeric"' in field and 'autocomplete="one-time-code"' in field
    # Recovery codes have letters: a button (shown by its script) switches the keyboard.
    assert "data-token-letters" in page and "js/token-field.js" in page


def test_a_new_login_without_an_app_changes_its_password_then_sets_one_up(plain_client, world):
    AccountState.objects.filter(user=world.staff).update(must_change_password=True)
    log_in(plain_client, "staff")
    assert plain_client.get(reverse("account-two-factor-setup")).url.startswith(
        reverse("account-password")
    )
    response = plain_client.post(
        reverse("account-password"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert plain_client.get(reverse("households:list")).url.startswith(
        reverse("account-two-factor-setup")
    )
    assert plain_client.get(reverse("account-two-factor-setup")).status_code == 200


def test_the_password_cannot_change_before_the_second_factor(plain_client, world, staff_device):
    AccountState.objects.filter(user=world.staff).update(must_change_password=True)
    log_in(plain_client, "staff")
    for name in ("account-password", "account-two-factor-setup", "account-recovery-codes"):
        response = plain_client.get(reverse(name))
        assert response.url.startswith(reverse("account-two-factor")), name
    response = plain_client.post(
        reverse("account-password"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url.startswith(reverse("account-two-factor"))
    world.staff.refresh_from_db()
    assert world.staff.check_password(PASSWORD)
    assert not TOTPDevice.objects.filter(user=world.staff, confirmed=False).exists()


def _session_request(user, session):
    from django.test import RequestFactory

    request = RequestFactory().post(reverse("account-password"))
    request.user = user
    request.session = session
    return request


def test_the_password_view_itself_refuses_a_session_short_of_its_second_factor(
    plain_client, world, staff_device
):
    """The view's own check, without the middleware that sends the session away first."""
    from accounts import services as accounts
    from accounts import views as account_views

    log_in(plain_client, "staff")
    request = _session_request(world.staff, plain_client.session)
    request.POST = {
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    assert not accounts.password_change_allowed(request)
    response = account_views.password_change(request)
    assert response.status_code == 302 and response.url == reverse("account-two-factor")
    world.staff.refresh_from_db()
    assert world.staff.check_password(PASSWORD)
    # Once the code has passed, the same session may.
    request.session[accounts.VERIFIED_SESSION_KEY] = staff_device.persistent_id
    assert accounts.password_change_allowed(request)


def test_the_step_middleware_itself_opens_only_the_code_page_and_logout(
    plain_client, world, staff_device
):
    """The first line of defence on its own: the views behind it refuse too."""
    from django.test import RequestFactory
    from django.urls import resolve

    from accounts.middleware import AccountStepMiddleware

    log_in(plain_client, "staff")
    middleware = AccountStepMiddleware(lambda request: None)

    def answer(name):
        path = reverse(name)
        request = RequestFactory().get(path)
        request.user, request.session = world.staff, plain_client.session
        request.resolver_match = resolve(path)
        return middleware.process_view(request, request.resolver_match.func, (), {})

    for name in ("account-password", "account-two-factor-setup", "households:list"):
        assert answer(name).url.startswith(reverse("account-two-factor")), name
    assert answer("account-two-factor") is None and answer("logout") is None


def test_wrong_codes_count_across_fresh_password_logins(plain_client, world, staff_device):
    def fresh_login():
        plain_client.post(reverse("logout"))
        response = log_in(plain_client, "staff")
        assert response.status_code == 302 and "_auth_user_id" in plain_client.session
        return response

    for _round in range(2):
        fresh_login()
        for _ in range(2):
            response = plain_client.post(reverse("account-two-factor"), {"token": "123456"})
            assert response.status_code == 200
    fresh_login()
    response = plain_client.post(reverse("account-two-factor"), {"token": "123456"})
    assert response.status_code == 429  # the fifth wrong code, over three password log-ins
    assert log_in(plain_client, "staff").status_code == 429
    assert actions("staff").count("login") == 3


def test_a_complete_login_clears_the_failures_and_a_password_alone_does_not(
    plain_client, world, staff_device
):
    from axes.models import AccessAttempt

    from accounts import services as accounts

    log_in(plain_client, "staff", password="wrong-password")
    log_in(plain_client, "staff", password="wrong-password")
    log_in(plain_client, "staff")
    assert AccessAttempt.objects.get(username="staff").failures_since_start == 2
    request = _session_request(world.staff, plain_client.session)
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    assert accounts.login_completed(request, world.staff) == 1
    assert not AccessAttempt.objects.filter(username="staff").exists()


def test_a_login_without_a_second_factor_clears_its_failures_at_the_password(plain_client, world):
    from axes.models import AccessAttempt

    log_in(plain_client, "member", password="wrong-password")
    assert AccessAttempt.objects.filter(username="member").exists()
    log_in(plain_client, "member")
    assert not AccessAttempt.objects.filter(username="member").exists()


def test_the_right_code_clears_the_failures(plain_client, world, staff_device):
    from axes.models import AccessAttempt

    log_in(plain_client, "staff")
    plain_client.post(reverse("account-two-factor"), {"token": "123456"})
    assert AccessAttempt.objects.filter(username="staff").exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5), tick=False):
        code = code_for(staff_device)
        response = plain_client.post(reverse("account-two-factor"), {"token": code})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="staff").exists()
