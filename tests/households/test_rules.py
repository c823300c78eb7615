"""The registry's rules, each tested where it is enforced: the scope, the search, the import."""

import pytest
from django.urls import reverse

from households import access
from households.filters import HouseholdFilter
from households.importing import HOUSEHOLDS, ImportRejected, read_upload, upload_apply
from households.models import Household, RosterUpload
from infra.models import AccessLog
from tests.factories import (
    OWN_GROUP_NUMBER,
    HouseholdFactory,
    RoleFactory,
    UserFactory,
    VillageFactory,
    VillageGroupFactory,
)
from tests.households.test_import_export import HEADERS, row, upload, xlsx_file

pytestmark = pytest.mark.django_db


# --- 1. A secretary of two villages manages those two, not the township ---------------------


@pytest.fixture
def two_village_secretary(world):
    third = VillageFactory(township=world.township, name="第三村", code="a3")
    user = UserFactory(username="sec-two")
    RoleFactory(user=user, village=world.village_a)
    RoleFactory(user=user, village=world.village_b)
    return user, third, HouseholdFactory(village=third, head_name="第三户")


def test_a_secretary_of_two_villages_manages_only_those_two(world, two_village_secretary):
    user, third, _household = two_village_secretary
    scope = access.scope_for(user)
    assert scope.staff_village_ids == {world.village_a.pk, world.village_b.pk}
    assert not scope.is_township_level and not access.can_manage_rosters(user)
    assert access.can_manage_village(user, world.village_a.pk)
    assert access.can_manage_village(user, world.village_b.pk)
    assert not access.can_manage_village(user, third.pk)
    assert not access.can_manage_village(user, world.village_x.pk)


def test_a_secretary_of_two_villages_sees_nothing_of_a_third(client, world, two_village_secretary):
    user, third, household = two_village_secretary
    assert set(access.villages(user).values_list("pk", flat=True)) == {
        world.village_a.pk,
        world.village_b.pk,
    }
    assert not access.households(user).filter(village=third).exists()
    client.force_login(user)
    assert client.get(reverse("households:detail", args=[household.pk])).status_code == 404
    assert client.get(reverse("households:detail", args=[world.household_b.pk])).status_code == 200


# --- 5. A pinyin search stays inside the user's scope ---------------------------------------


@pytest.fixture
def namesakes(world):
    """Households out of the secretary's scope whose heads share household_a's name."""
    return [
        HouseholdFactory(village=world.village_b, head_name="董文祥"),
        HouseholdFactory(village=world.village_x, head_name="董文祥"),
    ]


@pytest.mark.parametrize("text", ["dwx", "dongwenxiang", "DWX"])
def test_a_pinyin_search_finds_only_households_in_scope(world, namesakes, text):
    user = world.secretary_a
    filterset = HouseholdFilter({"q": text}, queryset=access.households(user), user=user)
    assert list(filterset.qs.values_list("pk", flat=True)) == [world.household_a.pk]


def test_the_household_list_searched_by_pinyin_shows_no_one_out_of_scope(client, world, namesakes):
    client.force_login(world.secretary_a)
    page = client.get(reverse("households:list"), {"q": "dwx"})
    assert page.status_code == 200
    assert [r.pk for r in page.context["page"].object_list] == [world.household_a.pk]
    text = page.content.decode()
    assert all(h.number not in text for h in namesakes)


def test_the_member_list_searched_by_pinyin_shows_no_one_out_of_scope(client, world):
    from tests.factories import PartyMemberFactory

    PartyMemberFactory(village=world.village_x, name=world.member_a.name)
    PartyMemberFactory(village=world.village_b, name=world.member_a.name)
    client.force_login(world.secretary_a)
    page = client.get(reverse("members:list"), {"q": "gyd"})
    assert [m.pk for m in page.context["page"].object_list] == [world.member_a.pk]


# --- 9. A stored upload is applied once, even by two confirmations at once ------------------


def test_an_upload_applied_twice_is_refused_the_second_time(client, world):
    client.force_login(world.staff)
    VillageGroupFactory(village=world.village_a, number=OWN_GROUP_NUMBER, name="七社")
    upload(client, xlsx_file(HEADERS, [row()]))
    stored = RosterUpload.objects.get()
    # Both confirmations read the upload before either applied it (the race).
    first, second = RosterUpload.objects.get(pk=stored.pk), RosterUpload.objects.get(pk=stored.pk)
    headers, rows = read_upload(stored)
    apply = {"roster": HOUSEHOLDS, "headers": headers, "rows": rows, "user": world.staff}
    upload_apply(upload=first, ip="127.0.0.1", **apply)
    with pytest.raises(ImportRejected, match="已经导入"):
        upload_apply(upload=second, ip="127.0.0.1", **apply)
    assert Household.objects.filter(number="07-001").count() == 1
    assert AccessLog.objects.filter(action="import").count() == 1
