"""A member's home is today's work: who is still due, the open requests, one tap to record."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from casebook.models import RequestStatus
from tests.factories import AssignmentFactory, HouseholdFactory, RequestFactory, VisitFactory

pytestmark = pytest.mark.django_db


def link(world, **household):
    h = HouseholdFactory(village=world.village_a, **household)
    AssignmentFactory(household=h, member=world.member_a)
    return h


def due_ids(html: str) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'class="[^"]*due-item[^"]*" data-household-id="(\d+)"', html)
    ]


def test_due_households_priority_first_each_one_tap_from_its_visit_form(client, world):
    world.member_a.capacity = 10
    world.member_a.save()
    plain = world.household_a
    priority = link(world, head_name="马秀英", is_elderly_alone=True)
    visited = link(world, head_name="祁生福")
    VisitFactory(household=visited, member=world.member_a)
    client.force_login(world.member_user)
    html = client.get(reverse("home")).content.decode()
    assert due_ids(html) == [priority.pk, plain.pk]
    assert f'href="{reverse("casebook:visit-new")}?household={priority.pk}"' in html
    assert "祁生福" not in html
    assert "本月已走访 <strong>1</strong> / 3 户" in html


def test_open_requests_with_their_dates_and_the_overdue_marked(client, world):
    today = timezone.localdate()
    late = RequestFactory(
        household=world.household_a,
        status=RequestStatus.IN_PROGRESS,
        due_on=today - datetime.timedelta(days=2),
    )
    soon = RequestFactory(household=world.household_a, status=RequestStatus.ACCEPTED)
    RequestFactory(household=world.household_a, status=RequestStatus.REPLIED)
    RequestFactory(household=world.household_b, status=RequestStatus.NEW)  # not theirs
    client.force_login(world.member_user)
    html = client.get(reverse("home")).content.decode()
    shown = [int(pk) for pk in re.findall(r'data-request-id="(\d+)"', html)]
    assert shown == [late.pk, soon.pk]
    late_row = html.split(f'data-request-id="{late.pk}"')[1].split("</a>")[0]
    soon_row = html.split(f'data-request-id="{soon.pk}"')[1].split("</a>")[0]
    assert "data-overdue" in late_row and "data-overdue" not in soon_row
    assert f"{soon.due_on.year}年{soon.due_on.month}月{soon.due_on.day}日" in soon_row
    assert "1 项诉求已超期" in html


def test_the_bottom_bar_puts_the_four_daily_places_one_tap_away(client, world):
    client.force_login(world.member_user)
    html = client.get(reverse("casebook:due")).content.decode()
    bar = html.split('<nav class="bottom-bar')[1].split("</nav>")[0]
    for url, label in [
        (reverse("home"), "今日"),
        (reverse("casebook:visit-new"), "记录走访"),
        (reverse("casebook:inbox"), "诉求"),
        (reverse("casebook:notebook"), "笔记本"),
    ]:
        assert f'href="{url}"' in bar and label in bar


def test_staff_have_no_bottom_bar_and_keep_their_dashboard(client, world):
    client.force_login(world.staff)
    html = client.get(reverse("home")).content.decode()
    assert "bottom-bar" not in html and "data-figure" in html


def test_today_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    world.member_a.capacity = 40
    world.member_a.save()
    for i in range(30):
        h = link(world, is_low_income=i % 3 == 0)
        RequestFactory(household=h, status=RequestStatus.ACCEPTED)
    client.force_login(world.member_user)
    client.get(reverse("home"))
    with django_assert_max_num_queries(11):
        html = client.get(reverse("home")).content.decode()
    assert len(due_ids(html)) == 31
    assert html.count("data-request-id=") == 30
    assert "显示 30 / 30 条" not in html
