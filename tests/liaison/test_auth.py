"""Logging in and out."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login_from_home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_logout_is_by_post_only(client, world):
    client.force_login(world.staff)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_login_with_right_password_lands_on_home(client, world):
    response = client.post(reverse("login"), {"username": "staff", "password": "pass-word-123"})
    assert response.status_code == 302 and response.url == reverse("home")


def test_wrong_password_shows_a_chinese_message(client, world):
    response = client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
