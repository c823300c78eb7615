"""Query parameters a view reads are checked: a malformed one answers 400 with a message."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, query",
    [
        ("dashboard", "month=9999-12"),
        ("dashboard", "month=2026-13"),
        ("trends", "village=abc"),
        ("trends", "village=99999999999999999999"),
        ("report", "format=pdf"),
        ("casebook:due", "village=%00"),
        ("casebook:meetings", "village=1e9"),
        ("casebook:inbox", "replied=10000-01"),
        ("households:export", "village=abc"),
        ("members:export", "sort=nonsense"),
    ],
)
def test_a_malformed_parameter_answers_400_saying_which(client, world, name, query):
    client.force_login(world.staff)
    response = client.get(f"{reverse(name)}?{query}")
    assert response.status_code == 400
    text = response.content.decode()
    assert "地址中的参数" in text and f"“{query.split('=')[0]}”" in text


def test_a_month_in_range_is_shown(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("dashboard"), {"month": "2026-02"})
    assert response.status_code == 200
    assert response.context["month"].isoformat() == "2026-02-01"


def test_a_malformed_filter_on_a_list_is_shown_under_the_filter(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("households:list"), {"village": "abc"})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()


def test_an_export_with_a_malformed_filter_exports_nothing(client, world):
    from infra.models import AccessLog

    client.force_login(world.staff)
    response = client.get(reverse("households:export"), {"village": "99999999999999999999"})
    assert response.status_code == 400
    assert not AccessLog.objects.exists()


def test_a_card_token_with_a_nul_byte_is_an_unknown_card(client, world):
    response = client.get("/c/a%00b/")
    assert response.status_code == 404
    assert "二维码" in response.content.decode() or "连心卡" in response.content.decode()
