"""The admin's staff logins: one form makes a login with its roles, the authenticator's
state and its reset on the user's page, Django's permissions out of sight."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountState
from households.models import Role, RoleKind
from infra.models import AuditEvent
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Dongshan-2026-clerk"  # noqa: S105


def _new_login(world, **role):
    return {
        "username": "new-clerk",
        "last_name": "马",
        "first_name": "兰",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "liaison_roles-TOTAL_FORMS": "1",
        "liaison_roles-INITIAL_FORMS": "0",
        "liaison_roles-MIN_NUM_FORMS": "0",
        "liaison_roles-MAX_NUM_FORMS": "1000",
        **{f"liaison_roles-0-{name}": value for name, value in role.items()},
    }


def test_one_form_creates_a_staff_login_with_its_role(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("admin:auth_user_add")).content.decode()
    assert "After you" not in page and "角色" in page
    response = client.post(
        reverse("admin:auth_user_add"),
        _new_login(world, kind=RoleKind.TOWNSHIP, township=world.township.pk),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new-clerk")
    assert (user.last_name, user.first_name) == ("马", "兰")
    role = Role.objects.get(user=user)
    assert (role.kind, role.township, role.village) == ("township", world.township, None)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"account_changed", "role_added"} <= actions
    # The password typed by the administrator is temporary.
    assert AccountState.objects.get(user=user).must_change_password


def test_a_role_without_its_place_is_refused_in_chinese_and_nothing_is_made(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:auth_user_add"),
        _new_login(world, kind=RoleKind.SECRETARY, township=world.township.pk),
    )
    assert response.status_code == 200
    assert "村党支部书记：请选择其所在村，不选乡镇。" in response.content.decode()
    assert not User.objects.filter(username="new-clerk").exists()
    assert not AuditEvent.objects.exclude(action__in=["login", "otp_verified"]).exists()


def test_one_form_creates_a_county_login_and_refuses_one_without_its_county(client, world):
    client.force_login(world.admin)
    refused = client.post(
        reverse("admin:auth_user_add"),
        _new_login(world, kind=RoleKind.COUNTY, township=world.township.pk),
    )
    assert "县级工作人员：请选择所在的县，不选乡镇或村。" in refused.content.decode()
    assert not User.objects.filter(username="new-clerk").exists()
    response = client.post(
        reverse("admin:auth_user_add"),
        _new_login(world, kind=RoleKind.COUNTY, county=world.county.pk),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    role = Role.objects.get(user__username="new-clerk")
    assert (role.kind, role.county, role.township) == ("county", world.county, None)


def test_the_user_page_hides_permissions_and_shows_the_authenticator(client, world):
    device = TOTPDevice.objects.create(user=world.staff, name="app", confirmed=True)
    codes = StaticDevice.objects.create(user=world.staff, name="codes", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=codes, token=f"code{i}") for i in range(3)])
    client.force_login(world.admin)
    html = client.get(reverse("admin:auth_user_change", args=[world.staff.pk])).content.decode()
    assert "Can add" not in html and 'name="user_permissions"' not in html
    assert 'name="groups"' not in html
    assert "剩余恢复码 3 个" in html and 'name="reset_second_factor"' in html
    assert 'name="liaison_roles-0-kind"' in html  # the roles on the same page

    data = {
        "username": "staff",
        "last_name": "",
        "first_name": "",
        "email": "",
        "is_active": "on",
        "reset_second_factor": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "liaison_roles-TOTAL_FORMS": "1",
        "liaison_roles-INITIAL_FORMS": "1",
        "liaison_roles-MIN_NUM_FORMS": "0",
        "liaison_roles-MAX_NUM_FORMS": "1000",
        "liaison_roles-0-id": Role.objects.get(user=world.staff).pk,
        "liaison_roles-0-user": world.staff.pk,
        "liaison_roles-0-kind": "township",
        "liaison_roles-0-township": world.township.pk,
    }
    response = client.post(reverse("admin:auth_user_change", args=[world.staff.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not StaticDevice.objects.filter(user=world.staff).exists()
    assert AuditEvent.objects.filter(action="otp_reset", target="staff").exists()
    html = client.get(reverse("admin:auth_user_change", args=[world.staff.pk])).content.decode()
    assert "尚未设置：用户下次登录时设置" in html


def test_the_user_list_shows_roles_and_second_factor_in_few_queries(
    client, world, django_assert_max_num_queries
):
    for i in range(30):
        user = UserFactory(username=f"clerk-{i}")
        RoleFactory(user=user, kind=RoleKind.SECRETARY, village=world.village_a, township=None)
        TOTPDevice.objects.create(user=user, name="app", confirmed=i % 2 == 0)
    client.force_login(world.admin)
    with django_assert_max_num_queries(15):
        html = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "村党支部书记·白牙合村" in html
    assert "首次设置于" in html and "尚未设置" in html
    assert client.get("/admin/auth/group/").status_code == 404
