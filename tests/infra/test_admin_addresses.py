"""The platform's tables moved from `base` to `infra`: the admin's old addresses lead to
the new ones, with what followed them."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/base/job/?status=failed", "/admin/infra/job/?status=failed"),
        ("/admin/base/auditevent/7/change/", "/admin/infra/auditevent/7/change/"),
        ("/admin/base/accesslog/", "/admin/infra/accesslog/"),
        ("/admin/base/", "/admin/infra/"),
    ],
)
def test_an_old_admin_address_leads_to_the_new_one(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_the_new_address_is_the_admin_page(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get("/admin/base/job/", follow=True)
    assert response.redirect_chain == [("/admin/infra/job/", 301)]
    assert response.status_code == 200


def test_other_old_addresses_are_not_found(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get("/admin/base/household/").status_code == 404
