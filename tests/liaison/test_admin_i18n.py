"""The admin speaks Chinese and names things once: the township's system in the header,
django-axes' login records in Chinese, no auth groups beside villages' 社, each log titled
for what it records."""

import re

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.html import squeeze

pytestmark = pytest.mark.django_db


def _titles(html: str) -> list[str]:
    """The model titles listed on the admin index."""
    return [squeeze(t) for t in re.findall(r'<th scope="row"[^>]*>\s*<a[^>]*>([^<]+)</a>', html)]


def test_admin_header_names_the_townships_system(client, world):
    client.force_login(world.admin)
    html = client.get(reverse("admin:index")).content.decode()
    assert "东山乡四邻联动管理后台" in html
    assert "<title>数据与设置 | 东山乡四邻联动</title>" in html
    assert "Django" not in html


def test_admin_index_has_no_english_and_no_title_twice(client, world):
    client.force_login(world.admin)
    html = client.get(reverse("admin:index")).content.decode()
    titles = _titles(html)
    assert len(titles) == len(set(titles)), sorted(titles)
    assert not [t for t in titles if re.search("[A-Za-z]", t)], titles
    assert {"社", "登录尝试", "登录记录", "登录失败", "个人信息访问记录"} <= set(titles)
    assert "组" not in titles  # auth groups carry permissions, which roles replace
    assert "登录保护" in html  # axes' section


def test_axes_attempts_page_is_in_chinese(client, world):
    AccessAttempt.objects.create(
        username="m-1",
        ip_address="127.0.0.1",
        user_agent="x",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=2,
    )
    client.force_login(world.admin)
    html = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    for english in ("Attempt Time", "User Agent", "Failed Logins", "Status", "Locked Out"):
        assert english not in html, english
    assert "尝试时间" in html and "3 次尝试机会剩余" in html
