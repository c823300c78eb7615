"""The household list, page, edits and retirement."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Household, HouseholdStatus
from members.models import Assignment
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RequestFactory,
    VillageGroupFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def _numbers(response) -> list[str]:
    """The household numbers in the list, in order (the first cell of each row)."""
    html = response.content.decode()
    return re.findall(r'<td class="text-nowrap"><a href="/households/\d+/">([^<]+)</a>', html)


@pytest.mark.parametrize(
    "query",
    ["董文祥", "文祥", "dwx", "DWX", "dongwenxiang", "wenxiang", "ｄｗｘ"],
)
def test_search_finds_by_chinese_and_pinyin(staff, world, query):
    response = staff.get(reverse("households:list"), {"q": query})
    assert world.household_a.number in _numbers(response)
    assert world.household_b.number not in _numbers(response)


def test_search_by_phone_and_household_number(staff, world):
    world.household_b.phone = "13988776655"
    world.household_b.save()
    assert _numbers(staff.get(reverse("households:list"), {"q": "88776655"})) == [
        world.household_b.number
    ]
    number = world.household_a2.number
    assert number in _numbers(staff.get(reverse("households:list"), {"q": number}))


def test_list_masks_phones(staff, world):
    world.household_a.phone = "13812345678"
    world.household_a.save()
    page = staff.get(reverse("households:list")).content.decode()
    assert "138****5678" in page and "13812345678" not in page


def test_list_shows_only_the_users_scope(client, world):
    client.force_login(world.secretary_a)
    numbers = _numbers(client.get(reverse("households:list")))
    assert sorted(numbers) == sorted([world.household_a.number, world.household_a2.number])


def test_filters_village_flag_assigned_visited(staff, world):
    world.household_b.is_elderly_alone = True
    world.household_b.save()
    VisitFactory(household=world.household_a, member=world.member_a)
    unassigned = HouseholdFactory(village=world.village_a)
    url = reverse("households:list")
    assert set(_numbers(staff.get(url, {"village": world.village_b.pk}))) == {
        world.household_b.number
    }
    assert _numbers(staff.get(url, {"flag": "priority"})) == [world.household_b.number]
    assert _numbers(staff.get(url, {"flag": "is_elderly_alone"})) == [world.household_b.number]
    assert _numbers(staff.get(url, {"assigned": "no"})) == [unassigned.number]
    assert _numbers(staff.get(url, {"visited": "yes"})) == [world.household_a.number]
    assert world.household_a.number not in _numbers(staff.get(url, {"visited": "no"}))


def test_filter_by_status(staff, world):
    Household.objects.filter(pk=world.household_b.pk).update(status=HouseholdStatus.MOVED_OUT)
    url = reverse("households:list")
    assert _numbers(staff.get(url, {"status": "moved_out"})) == [world.household_b.number]


def test_sorting_by_head_name_descending(staff, world):
    numbers = _numbers(staff.get(reverse("households:list"), {"sort": "-number"}))
    assert numbers == sorted(numbers, reverse=True)


def test_list_queries_do_not_grow_with_page_size(staff, world, django_assert_max_num_queries):
    group = VillageGroupFactory(village=world.village_a)
    for i in range(60):
        household = HouseholdFactory(village=world.village_a, group=group, number=f"09-{i:03d}")
        AssignmentFactory(household=household, member=PartyMemberFactory(village=world.village_a))
        VisitFactory(household=household)
    with django_assert_max_num_queries(12):
        response = staff.get(reverse("households:list"))
    assert len(_numbers(response)) == 50


def test_household_page_shows_member_history_visits_and_requests(staff, world):
    VisitFactory(household=world.household_a, member=world.member_a, notes="检查取暖安全")
    RequestFactory(household=world.household_a, description="路灯坏了")
    page = staff.get(reverse("households:detail", args=[world.household_a.pk]))
    text = page.content.decode()
    assert world.member_a.name in text and world.member_a.phone in text
    assert "检查取暖安全" in text and "路灯坏了" in text
    assert world.household_a.phone in text  # whole, on the page of a household in scope


def test_household_page_is_bounded_in_queries(staff, world, django_assert_max_num_queries):
    for _ in range(15):
        VisitFactory(household=world.household_a, member=world.member_a)
        RequestFactory(household=world.household_a)
    with django_assert_max_num_queries(15):  # 14, and the text-message consent's history
        response = staff.get(reverse("households:detail", args=[world.household_a.pk]))
    assert response.status_code == 200


def _form_data(world, **changes):
    data = {
        "village": world.village_a.pk,
        "group": world.household_a.group.pk,
        "number": "05-001",
        "head_name": "李成林",
        "phone": "13912345678",
        "door_no": "5号",
        "address": "",
        "size": "4",
        "latitude": "",
        "longitude": "",
    }
    data.update(changes)
    return data


def test_staff_add_a_household(staff, world):
    response = staff.post(reverse("households:create"), _form_data(world))
    household = Household.objects.get(number="05-001", village=world.village_a)
    assert response.status_code == 302 and response.url == reverse(
        "households:detail", args=[household.pk]
    )
    assert household.search_key == "lcl lichenglin"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"phone": "12345"}, "请输入11位手机号码"),
        ({"head_name": "  "}, "这个字段是必填项"),
        ({"size": "0"}, "确保该值大于或等于1"),
        ({"latitude": "123"}, "纬度必须在 -90 到 90 之间"),
        ({"number": "{number}"}, "本村已有相同户号的农户"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_saved(staff, world, changes, message):
    changes = {k: v.format(number=world.household_a.number) for k, v in changes.items()}
    before = Household.objects.count()
    response = staff.post(reverse("households:create"), _form_data(world, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Household.objects.count() == before


def test_group_of_another_village_is_refused(staff, world):
    response = staff.post(
        reverse("households:create"), _form_data(world, group=world.household_b.group.pk)
    )
    assert "该社不属于所选的村" in response.content.decode()
    assert not Household.objects.filter(number="05-001").exists()


def test_full_width_phone_is_normalised_on_edit(staff, world):
    data = _form_data(world, number=world.household_a.number, phone="１３９ １２３４ ５６７８")
    response = staff.post(reverse("households:edit", args=[world.household_a.pk]), data)
    assert response.status_code == 302
    world.household_a.refresh_from_db()
    assert world.household_a.phone == "13912345678"


def test_retiring_a_household_ends_its_link_in_one_step(staff, world):
    day = timezone.localdate()
    response = staff.post(
        reverse("members:household-retire", args=[world.household_a.pk]),
        {"status": "moved_out", "on": day.isoformat(), "reason": "全家迁往西宁"},
    )
    assert response.status_code == 302
    world.household_a.refresh_from_db()
    assert world.household_a.status == "moved_out"
    link = Assignment.objects.get(pk=world.assignment_a.pk)
    assert (
        link.ended_on == day and "全家迁往西宁" in link.end_reason and link.ended_by == world.staff
    )
    assert Household.objects.filter(pk=world.household_a.pk).exists()  # never deleted


def test_retiring_without_reason_changes_nothing(staff, world):
    staff.post(
        reverse("members:household-retire", args=[world.household_a.pk]),
        {"status": "moved_out", "on": datetime.date.today().isoformat(), "reason": " "},
    )
    world.household_a.refresh_from_db()
    assert world.household_a.status == "active"
    assert Assignment.objects.get(pk=world.assignment_a.pk).ended_on is None


def test_reinstating_brings_the_household_back(staff, world):
    Household.objects.filter(pk=world.household_b.pk).update(status="merged", retired_reason="并户")
    staff.post(reverse("households:reinstate", args=[world.household_b.pk]))
    world.household_b.refresh_from_db()
    assert world.household_b.status == "active" and world.household_b.retired_reason == ""
