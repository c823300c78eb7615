"""From a notebook entry, at any time: "据此登记诉求" opens the request form linked to it."""

import pytest
from django.urls import reverse

from casebook.models import Request, RequestSource
from tests.factories import AssignmentFactory, HouseholdFactory, VisitFactory, category

pytestmark = pytest.mark.django_db

NEW = "casebook:request-new"


def own_entry(world, **fields):
    return VisitFactory(
        household=world.household_a,
        member=world.member_a,
        recorded_by=world.member_user,
        notes="村道路灯坏了三盏",
        **fields,
    )


def request_data(entry, **changes):
    data = {
        "visit": entry.pk,
        "household": entry.household_id,
        "category": category("other").pk,
        "source": RequestSource.VISIT,
        "description": "村道路灯坏了三盏，晚上看不见路",
    }
    data.update(changes)
    return data


def test_the_notebook_offers_a_request_from_each_entry(client, world):
    entry = own_entry(world)
    client.force_login(world.member_user)
    html = client.get(reverse("casebook:notebook")).content.decode()
    assert f'href="{reverse(NEW)}?visit={entry.pk}"' in html
    assert "据此登记诉求" in html


def test_the_form_opens_prefilled_from_the_entry(client, world):
    entry = own_entry(world)
    client.force_login(world.member_user)
    response = client.get(reverse(NEW), {"visit": entry.pk})
    form = response.context["form"]
    assert form["household"].value() == world.household_a.pk
    assert form["description"].value() == "村道路灯坏了三盏"
    assert form["source"].value() == RequestSource.VISIT
    assert form["visit"].value() == entry.pk
    assert f'data-from-entry="{entry.pk}"' in response.content.decode()


def test_the_request_links_to_the_entry_and_shows_beside_it(client, world):
    entry = own_entry(world)
    client.force_login(world.member_user)
    response = client.post(reverse(NEW), request_data(entry))
    request = Request.objects.get()
    assert response.status_code == 302
    assert request.visit == entry and request.household == world.household_a
    notebook = client.get(reverse("casebook:notebook")).content.decode()
    assert f'data-raised="{request.pk}"' in notebook


def test_an_entry_can_raise_a_second_matter_later(client, world):
    entry = own_entry(world)
    client.force_login(world.member_user)
    client.post(reverse(NEW), request_data(entry))
    client.post(reverse(NEW), request_data(entry, description="另一件事：水渠堵了"))
    assert list(entry.requests.values_list("description", flat=True).order_by("id")) == [
        "村道路灯坏了三盏，晚上看不见路",
        "另一件事：水渠堵了",
    ]


def test_the_request_must_concern_the_entrys_household(client, world):
    entry = own_entry(world)
    world.member_a.capacity = 10
    world.member_a.save()
    other = HouseholdFactory(village=world.village_a, head_name="马国华")
    AssignmentFactory(household=other, member=world.member_a)
    client.force_login(world.member_user)
    response = client.post(reverse(NEW), request_data(entry, household=other.pk))
    assert response.status_code == 200
    assert "须是该记录所走访的农户" in response.content.decode()
    assert not Request.objects.exists()


def test_a_member_cannot_raise_from_another_members_entry(client, world):
    theirs = VisitFactory(household=world.household_a2, member=world.member_a2)
    client.force_login(world.member_user)
    assert client.get(reverse(NEW), {"visit": theirs.pk}).status_code == 404
    response = client.post(reverse(NEW), request_data(theirs))
    assert response.status_code == 404
    assert not Request.objects.exists()


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "1.5"])
def test_a_malformed_entry_id_is_not_found(client, world, value):
    client.force_login(world.member_user)
    assert client.get(reverse(NEW), {"visit": value}).status_code == 404


def test_staff_raise_from_entries_of_their_villages_only(client, world):
    entry = own_entry(world)
    client.force_login(world.secretary_a)
    assert client.get(reverse(NEW), {"visit": entry.pk}).status_code == 200
    assert client.post(reverse(NEW), request_data(entry)).status_code == 302
    assert Request.objects.get().visit == entry
    for outsider in (world.secretary_b, world.other_staff):
        client.force_login(outsider)
        assert client.get(reverse(NEW), {"visit": entry.pk}).status_code == 404
