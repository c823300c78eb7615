"""A posted or linked `next` sends the user only to this site's own paths."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from households.models import Household
from members.models import Assignment

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example/",
    "/\r\nSet-Cookie: x=1",
    "http://testserver@evil.example/",
]


def _stays_here(response) -> bool:
    if response.status_code not in (301, 302, 303):
        return True
    location = response["Location"]
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith(("//", "/\\"))
    )


def _board_assign(world):
    return (
        reverse("members:board-assign", args=[world.village_a.pk]),
        world.staff,
        {
            "household": world.household_a.pk,
            "member": world.member_a2.pk,
            "current": world.member_a.pk,
            "note": "",
        },
    )


def _login(world):
    return reverse("login"), None, {"username": "staff", "password": "pass-word-123"}


def _logout(world):
    return reverse("logout"), world.staff, {}


def _set_language(world):
    return reverse("set_language"), None, {"language": "en"}


def _password(world):
    new = "Qinghai-Huzhu-7"
    return (
        reverse("account-password"),
        world.member_user,
        {
            "old_password": "pass-word-123",
            "new_password1": new,
            "new_password2": new,
        },
    )


def _two_factor(world):
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=world.staff, name="codes", confirmed=True)
    device.token_set.create(token="abcdefgh23")
    return reverse("account-two-factor"), world.staff, {"token": "abcdefgh23"}


# Every view that reads `next` (see test_every_view_that_reads_next_is_listed_here).
VIEWS = {
    "members:board-assign": _board_assign,
    "login": _login,
    "logout": _logout,
    "set_language": _set_language,
    "account-password": _password,
    "account-two-factor": _two_factor,
}


@pytest.mark.parametrize("name", sorted(VIEWS))
@pytest.mark.parametrize("target", OFF_SITE)
def test_an_off_site_next_is_not_followed(client, world, name, target):
    url, user, data = VIEWS[name](world)
    if user is not None:
        client.force_login(user)
    response = client.post(url, {**data, "next": target})
    assert response.status_code < 500
    assert _stays_here(response), response["Location"]


def test_a_path_on_this_site_is_followed(client, world):
    url, user, data = _board_assign(world)
    client.force_login(user)
    back = reverse("members:household-link", args=[world.household_a.pk])
    response = client.post(url, {**data, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    # The assignment was made: the redirect is the end of a real change.
    open_link = Assignment.objects.get(household=world.household_a, ended_on__isnull=True)
    assert open_link.member == world.member_a2
    assert Household.objects.filter(pk=world.household_a.pk).exists()


def test_no_view_reads_next_except_through_the_checker():
    """Every `next` goes through base.redirects.safe_next (and its view joins VIEWS above)."""
    readers = set()
    for package in ("base", "notify", "households", "members", "casebook", "liaison"):
        for path in (ROOT / package).rglob("*.py"):
            if re.search(r"""(POST|GET)(\.get|\[)\(?["']next["']""", path.read_text()):
                readers.add(str(path.relative_to(ROOT)))
    assert readers == {"base/redirects.py"}
