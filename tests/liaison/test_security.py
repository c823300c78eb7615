"""Login hardening and the personal-data rules."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from base.validators import mask_phone
from casebook import access
from infra.models import AccessLog
from tests.factories import AccessLogFactory, PartyMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_five_failed_logins_lock_the_account_with_a_chinese_message(client, world):
    for _ in range(5):
        client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "staff", "password": "pass-word-123"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failed_logins_do_not_lock(client, world):
    for _ in range(4):
        client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "staff", "password": "pass-word-123"})
    assert response.status_code == 302


def test_lockout_is_per_username(client, world):
    for _ in range(5):
        client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "sec-a", "password": "pass-word-123"})
    assert response.status_code == 302


def test_sessions_end_after_eight_hours_idle(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_SAVE_EVERY_REQUEST  # the clock restarts on every request


def test_deactivated_user_is_logged_out_at_once(client, world):
    client.force_login(world.staff)
    assert client.get(reverse("home")).status_code == 200
    User.objects.filter(pk=world.staff.pk).update(is_active=False)
    assert client.get(reverse("home")).status_code == 302


def test_weak_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("12345678")


@pytest.mark.parametrize(
    "phone, masked",
    [("13812345678", "138****5678"), ("0972-8321234", "097****1234"), ("", "")],
)
def test_phone_numbers_are_masked(phone, masked):
    assert mask_phone(phone) == masked


def test_access_log_is_readable_but_never_editable_in_admin(client, world):
    entry = AccessLogFactory(user=world.staff, record_count=3066)
    client.force_login(world.admin)
    assert client.get(reverse("admin:infra_accesslog_changelist")).status_code == 200
    change = client.get(reverse("admin:infra_accesslog_change", args=[entry.pk]))
    assert change.status_code == 200
    assert 'name="record_count"' not in change.content.decode()
    assert client.post(reverse("admin:infra_accesslog_delete", args=[entry.pk])).status_code == 403
    assert client.get(reverse("admin:infra_accesslog_add")).status_code == 403
    assert AccessLog.objects.get(pk=entry.pk).record_count == 3066


def test_member_who_is_also_secretary_sees_the_whole_village(world):
    from households.models import Role, RoleKind

    Role.objects.create(user=world.member_user, kind=RoleKind.SECRETARY, village=world.village_a)
    user = User.objects.get(pk=world.member_user.pk)  # a fresh user: scope is read per request
    seen = set(access.households(user))
    assert seen == {world.household_a, world.household_a2}


def test_member_sees_only_linked_households(world):
    assert list(access.households(world.member_user)) == [world.household_a]


def test_secretary_sees_own_village_only(world):
    assert set(access.households(world.secretary_a)) == {world.household_a, world.household_a2}
    assert set(access.members(world.secretary_a)) == {world.member_a, world.member_a2}


def test_township_staff_see_their_township_only(world):
    assert set(access.households(world.staff)) == {
        world.household_a,
        world.household_a2,
        world.household_b,
    }
    assert world.household_x not in access.households(world.staff)


def test_inactive_member_login_sees_nothing(world):
    world.member_a.is_active = False
    world.member_a.save()
    user = User.objects.get(pk=world.member_user.pk)
    assert not access.households(user).exists()


def test_user_without_role_sees_nothing():
    user = UserFactory()
    PartyMemberFactory()  # someone else's member record
    assert not access.households(user).exists()
    assert not access.members(user).exists()
    assert not access.requests(user).exists()
