"""The member list and page, edits and retirement."""

import re

import pytest
from django.urls import reverse

from members.models import Assignment, PartyMember
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RequestFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return re.findall(r'href="/members/\d+/">([^<]+)</a>', response.content.decode())


def test_member_list_shows_load_visits_and_open_requests(client, world):
    VisitFactory(household=world.household_a, member=world.member_a)
    RequestFactory(household=world.household_a)
    RequestFactory(household=world.household_a, status="closed")
    client.force_login(world.staff)
    response = client.get(reverse("members:list"), {"q": world.member_a.name})
    member = response.context["page"].object_list[0]
    assert (member.load, member.visits_now, member.open_requests) == (1, 1, 1)
    assert "1 / 8" in response.content.decode()


def test_member_search_by_pinyin_initials(client, world):
    client.force_login(world.staff)
    assert _names(client.get(reverse("members:list"), {"q": "gyd"})) == ["郭有德"]


def test_member_sees_only_themself_in_the_list(client, world):
    client.force_login(world.member_user)
    assert _names(client.get(reverse("members:list"))) == [world.member_a.name]


def test_member_list_queries_are_bounded(client, world, django_assert_max_num_queries):
    for _ in range(60):
        member = PartyMemberFactory(village=world.village_a)
        AssignmentFactory(member=member, household=HouseholdFactory(village=world.village_a))
    client.force_login(world.staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("members:list"))
    assert len(response.context["page"].object_list) == 50


def test_member_page_lists_households_due_this_month(client, world):
    extra = HouseholdFactory(village=world.village_a, is_low_income=True)
    AssignmentFactory(household=extra, member=world.member_a)
    VisitFactory(household=world.household_a, member=world.member_a)
    client.force_login(world.member_user)
    response = client.get(reverse("members:detail", args=[world.member_a.pk]))
    assert [h.pk for h in response.context["due"]] == [extra.pk]
    assert [h.pk for h in response.context["households"]] == [extra.pk, world.household_a.pk]


def test_member_page_is_bounded(client, world, django_assert_max_num_queries):
    for _ in range(7):
        household = HouseholdFactory(village=world.village_a)
        AssignmentFactory(household=household, member=world.member_a2)
        VisitFactory(household=household, member=world.member_a2)
    client.force_login(world.staff)
    page = reverse("members:detail", args=[world.member_a2.pk])
    with django_assert_max_num_queries(21):  # the page, the village map drawn and cached
        client.get(page)
    with django_assert_max_num_queries(14):  # the map read from the cache
        client.get(page)


def test_add_member_with_bad_phone_is_refused(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("members:create"),
        {
            "village": world.village_a.pk,
            "name": "王芳",
            "gender": "F",
            "phone": "110",
            "capacity": 8,
        },
    )
    assert "请输入11位手机号码" in response.content.decode()
    assert not PartyMember.objects.filter(name="王芳").exists()


def test_add_member(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("members:create"),
        {
            "village": world.village_a.pk,
            "name": "王芳",
            "gender": "F",
            "phone": "13700001111",
            "capacity": 6,
        },
    )
    member = PartyMember.objects.get(name="王芳")
    assert response.url == reverse("members:detail", args=[member.pk])
    assert member.search_key == "wf wangfang" and member.capacity == 6


def test_retiring_a_member_ends_all_their_links(client, world):
    second = HouseholdFactory(village=world.village_a)
    AssignmentFactory(household=second, member=world.member_a)
    client.force_login(world.staff)
    client.post(
        reverse("members:retire", args=[world.member_a.pk]),
        {"on": "2026-11-20", "reason": "外出务工"},
    )
    world.member_a.refresh_from_db()
    assert not world.member_a.is_active and world.member_a.retired_reason == "外出务工"
    assert not Assignment.objects.filter(member=world.member_a, ended_on__isnull=True).exists()
    assert Assignment.objects.filter(member=world.member_a).count() == 2  # history kept
