"""The liaison notebook and the "due this month" lists."""

import datetime
from dataclasses import replace

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from casebook.models import Request, Visit, VisitRevision
from households.models import Household
from households.selectors import households_annotated
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    VisitFactory,
    duty,
)

pytestmark = pytest.mark.django_db


def visit_data(household, **changes):
    data = {
        "household": household.pk,
        "visited_on": timezone.localdate().isoformat(),
        "channel": "in_person",
        "duties": [duty("safety").pk, duty("sanitation").pk],
        "notes": "院墙有裂缝",
        "sanitation": "fair",
    }
    data.update(changes)
    return data


def test_member_records_a_visit_to_own_household(client, world):
    client.force_login(world.member_user)
    response = client.post(reverse("casebook:visit-new"), visit_data(world.household_a))
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.member, visit.household, visit.recorded_by) == (
        world.member_a,
        world.household_a,
        world.member_user,
    )
    assert set(visit.duties.values_list("code", flat=True)) == {"safety", "sanitation"}


def test_a_hazard_opens_a_prefilled_request_in_the_same_step(client, world):
    client.force_login(world.member_user)
    response = client.post(
        reverse("casebook:visit-new"),
        visit_data(world.household_a, hazard_found="on", open_request="on"),
    )
    request = Request.objects.get()
    assert response.url == reverse("casebook:request-detail", args=[request.pk])
    assert (request.category.code, request.description, request.source) == (
        "hazard",
        "院墙有裂缝",
        "visit",
    )
    assert request.visit == Visit.objects.get()


def test_member_cannot_record_for_a_household_not_linked_to_them(client, world):
    client.force_login(world.member_user)
    response = client.post(reverse("casebook:visit-new"), visit_data(world.household_a2))
    assert response.status_code == 200
    assert "该户不在您联系的农户中" in response.content.decode()
    assert not Visit.objects.exists()


def test_future_date_is_refused(client, world):
    client.force_login(world.member_user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("casebook:visit-new"),
        visit_data(world.household_a, visited_on=tomorrow.isoformat()),
    )
    assert "走访日期不能晚于今天" in response.content.decode()
    assert not Visit.objects.exists()


def test_request_without_category_or_text_is_refused_and_nothing_saved(client, world):
    client.force_login(world.member_user)
    response = client.post(
        reverse("casebook:visit-new"), visit_data(world.household_a, notes="", open_request="on")
    )
    text = response.content.decode()
    assert "请选择诉求类别" in text and "请填写诉求内容" in text
    assert not Visit.objects.exists() and not Request.objects.exists()


def test_staff_record_on_behalf_of_the_linked_member(client, world):
    client.force_login(world.secretary_a)
    client.post(reverse("casebook:visit-new"), visit_data(world.household_a2))
    visit = Visit.objects.get()
    assert visit.member == world.member_a2 and visit.recorded_by == world.secretary_a


def test_author_corrects_within_24_hours_and_the_old_text_is_kept(client, world):
    visit = VisitFactory(
        household=world.household_a,
        member=world.member_a,
        recorded_by=world.member_user,
        notes="旧",
    )
    client.force_login(world.member_user)
    data = {
        "visited_on": visit.visited_on.isoformat(),
        "channel": "phone",
        "notes": "新",
        "duties": [duty().pk],
    }
    response = client.post(reverse("casebook:visit-edit", args=[visit.pk]), data)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.notes, visit.channel, visit.corrected_by) == ("新", "phone", world.member_user)
    assert VisitRevision.objects.get(visit=visit).before["notes"] == "旧"


def test_after_24_hours_only_staff_may_correct(client, world):
    visit = VisitFactory(
        household=world.household_a,
        member=world.member_a,
        recorded_by=world.member_user,
        notes="旧",
    )
    Visit.objects.filter(pk=visit.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    client.force_login(world.member_user)
    assert client.get(reverse("casebook:visit-edit", args=[visit.pk])).status_code == 404
    client.force_login(world.secretary_a)
    data = {"visited_on": visit.visited_on.isoformat(), "channel": "in_person", "notes": "更正"}
    assert client.post(reverse("casebook:visit-edit", args=[visit.pk]), data).status_code == 302
    assert Visit.objects.get(pk=visit.pk).notes == "更正"


def test_due_this_month_for_a_member_priority_first(client, world):
    priority = HouseholdFactory(village=world.village_a, is_elderly_alone=True)
    visited = HouseholdFactory(village=world.village_a)
    for household in (priority, visited):
        AssignmentFactory(household=household, member=world.member_a)
    VisitFactory(household=visited, member=world.member_a)
    VisitFactory(
        household=world.household_a,
        member=world.member_a,
        visited_on=timezone.localdate().replace(day=1) - datetime.timedelta(days=1),
    )
    client.force_login(world.member_user)
    response = client.get(reverse("casebook:due"))
    due = [h.pk for _, households in response.context["groups"] for h in households]
    assert due == [priority.pk, world.household_a.pk]
    assert f"{reverse('casebook:visit-new')}?household={priority.pk}" in response.content.decode()


def test_due_for_a_village_is_grouped_by_member(client, world, django_assert_max_num_queries):
    for _ in range(10):
        AssignmentFactory(
            household=HouseholdFactory(village=world.village_a),
            member=PartyMemberFactory(village=world.village_a),
        )
    client.force_login(world.secretary_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("casebook:due"))
    groups = response.context["groups"]
    assert len(groups) == 12  # member_a, member_a2 and ten more
    assert response.context["count"] == 12


def test_two_members_with_one_name_are_two_groups(client, world):
    for _ in range(2):
        AssignmentFactory(
            household=HouseholdFactory(village=world.village_a),
            member=PartyMemberFactory(village=world.village_a, name="王建国"),
        )
    client.force_login(world.secretary_a)
    groups = client.get(reverse("casebook:due")).context["groups"]
    assert [len(households) for name, households in groups if name == "王建国"] == [1, 1]


def test_month_boundary_is_in_shanghai_time(world):
    """At 00:30 on 1 December in Shanghai it is still 30 November in UTC: December has begun."""
    with time_machine.travel(
        datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC), tick=False
    ):
        assert timezone.localdate() == datetime.date(2026, 12, 1)
        VisitFactory(
            household=world.household_a,
            member=world.member_a,
            visited_on=datetime.date(2026, 11, 30),
        )
        rows = households_annotated(Household.objects.filter(pk=world.household_a.pk))
        assert not rows.get().visited_now  # November's visit does not count for December
        VisitFactory(
            household=world.household_a,
            member=world.member_a,
            visited_on=datetime.date(2026, 12, 1),
        )
        assert rows.get().visited_now


def _last_visit(household) -> datetime.date | None:
    return Household.objects.get(pk=household.pk).last_visited_on


def test_last_visit_follows_the_notebook_whatever_writes_it(client, world):
    from casebook import services

    today = timezone.localdate()
    household = world.household_a
    assert _last_visit(household) is None
    client.force_login(world.member_user)
    client.post(reverse("casebook:visit-new"), visit_data(household))
    assert _last_visit(household) == today
    # An older entry written afterwards does not move the date back.
    older = VisitFactory(household=household, visited_on=today - datetime.timedelta(days=40))
    assert _last_visit(household) == today
    # Correcting today's entry to an earlier day recounts from the notebook.
    latest = Visit.objects.get(household=household, visited_on=today)
    services.visit_correct(
        visit=latest,
        by=world.staff,
        is_staff_level=True,
        entry=replace(
            services.VisitEntry.of(latest), visited_on=today - datetime.timedelta(days=3)
        ),
    )
    assert _last_visit(household) == today - datetime.timedelta(days=3)
    # The admin deleting an entry recounts too.
    Visit.objects.filter(pk=latest.pk).get().delete()
    assert _last_visit(household) == older.visited_on


def test_a_stale_household_edit_keeps_the_last_visit(world):
    loaded = Household.objects.get(pk=world.household_a.pk)  # e.g. an edit form opened earlier
    VisitFactory(household=world.household_a, member=world.member_a)
    loaded.phone = "13800000000"
    loaded.save()
    fresh = Household.objects.get(pk=world.household_a.pk)
    assert fresh.phone == "13800000000" and fresh.last_visited_on == timezone.localdate()


def test_list_shows_last_visit_and_this_month_from_the_notebook(client, world):
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    VisitFactory(household=world.household_a, member=world.member_a, visited_on=last_month)
    rows = {h.pk: h for h in households_annotated(Household.objects.all())}
    a, a2 = rows[world.household_a.pk], rows[world.household_a2.pk]
    assert (a.last_visit, a.visited_now, a.member_name) == (last_month, False, world.member_a.name)
    assert (a2.last_visit, a2.visited_now) == (None, False)
    VisitFactory(household=world.household_a, member=world.member_a)
    a = households_annotated(Household.objects.filter(pk=world.household_a.pk)).get()
    assert (a.last_visit, a.visited_now) == (timezone.localdate(), True)
