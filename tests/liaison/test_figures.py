"""Cached dashboard figures follow every write that changes them, and only those."""

import datetime
from dataclasses import replace
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from casebook import services as casebook
from casebook.models import RequestCategory
from households import services as registry
from households.importing import HOUSEHOLDS, import_apply
from households.models import Household, Village
from liaison import figures
from liaison.models import VillageTarget
from members import mapping
from members import services as members
from tests.admin_forms import admin_post
from tests.factories import (
    HouseholdFactory,
    MeetingFactory,
    PartyMemberFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


def month():
    return timezone.localdate().replace(day=1)


def row(village):
    """The village's figures as the township table shows them (through the cache)."""
    rows = figures.village_rows(Village.objects.filter(pk=village.pk), month()).rows
    return rows[0]


def record_visit(world):
    """member_a visits household_a today, through the notebook's service."""
    return casebook.visit_record(
        member=world.member_a,
        household=world.household_a,
        by=world.member_user,
        entry=casebook.VisitEntry(timezone.localdate(), "in_person", []),
    )


def test_a_second_read_comes_from_the_cache(world, django_assert_max_num_queries):
    row(world.village_a)
    with django_assert_max_num_queries(3):  # the village ids, their tokens, the cached entry
        assert row(world.village_a).households == 2


def test_notebook_entries_change_the_figures(world):
    assert row(world.village_a).visited == 0
    visit = record_visit(world)
    assert row(world.village_a).visited == 1
    casebook.visit_correct(
        visit=visit,
        by=world.staff,
        is_staff_level=True,
        entry=replace(
            casebook.VisitEntry.of(visit), visited_on=month() - datetime.timedelta(days=1)
        ),
    )
    assert row(world.village_a).visited == 0


def test_requests_change_the_figures(world):
    request = casebook.request_raise(
        household=world.household_a,
        category=RequestCategory.objects.first(),
        description="路灯坏了",
        source="visit",
        by=world.staff,
    )
    assert row(world.village_a).open == 1
    request = casebook.request_accept(request=request, by=world.staff, expected_version=None)
    casebook.request_reply(request=request, text="已修好", by=world.staff, expected_version=None)
    assert (row(world.village_a).open, row(world.village_a).replied) == (0, 1)


def test_links_households_and_members_change_the_figures(world):
    assert row(world.village_a).covered == 2
    members.assignment_end(household=world.household_a, by=world.staff, reason="搬迁")
    assert row(world.village_a).covered == 1
    members.assignment_assign(household=world.household_a, member=world.member_a, by=world.staff)
    assert row(world.village_a).covered == 2
    members.household_retire(
        household=world.household_a2,
        status="moved_out",
        on=timezone.localdate(),
        reason="外迁",
        by=world.staff,
    )
    assert (row(world.village_a).households, row(world.village_a).covered) == (1, 1)
    members.member_retire(member=world.member_a, reason="年老", by=world.staff)
    assert row(world.village_a).members == 1


def test_a_household_moving_village_changes_both(world):
    other = VillageFactory(township=world.township)
    assert (row(world.village_a).households, row(other).households) == (2, 0)
    household = Household.objects.get(pk=world.household_a2.pk)
    household.village = other
    household.group = other.groups.create(name="一社", number=1)
    registry.household_save(household=household, by=world.staff)
    assert (row(world.village_a).households, row(other).households) == (1, 1)


def test_admin_edits_change_the_figures(client, world):
    """The admin goes around the services; its saves still mark the villages."""
    client.force_login(world.admin)
    other = VillageFactory(township=world.township)
    group = other.groups.create(name="一社", number=1)
    assert (row(world.village_a).households, row(other).households) == (2, 0)
    url = reverse("admin:households_household_change", args=[world.household_a2.pk])
    assert admin_post(client, url, village=other.pk, group=group.pk).status_code == 302
    assert (row(world.village_a).households, row(other).households) == (1, 1)
    assert Household.objects.get(pk=world.household_a2.pk).last_visited_on is None


def test_meetings_targets_names_and_imports_change_the_figures(client, world):
    client.force_login(world.admin)
    assert row(world.village_a).meetings == 0
    meeting = MeetingFactory(pavilion__village=world.village_a, status="planned")
    casebook.meeting_close(meeting=meeting, by=world.staff, outcomes={})
    assert row(world.village_a).meetings == 1
    priority = HouseholdFactory(village=world.village_a, is_low_income=True)
    members.assignment_assign(household=priority, member=world.member_a, by=world.staff)
    assert row(world.village_a).priority_visited_enough == 0
    targets = reverse("admin:liaison_villagetarget_add")
    admin_post(client, targets, village=world.village_a.pk, visits_per_priority_household=0)
    assert VillageTarget.objects.get(village=world.village_a).visits_per_priority_household == 0
    assert row(world.village_a).priority_visited_enough == 1
    village_page = reverse("admin:households_village_change", args=[world.village_a.pk])
    assert admin_post(client, village_page, name="白牙合新村").status_code == 302
    village = Village.objects.get(pk=world.village_a.pk)
    assert row(world.village_a).village.name == "白牙合新村"
    headers = HOUSEHOLDS.headers
    group = world.village_a.groups.first()
    line = [village.name, group.name, "99-001", "新户", "", "", "", "2", "否", "否", "否", "否"]
    import_apply(roster=HOUSEHOLDS, headers=headers, rows=[line + ["", ""]], user=world.staff)
    assert row(world.village_a).households == 4


def test_another_villages_write_keeps_this_villages_entry(world, django_assert_max_num_queries):
    row(world.village_a)
    PartyMemberFactory(village=world.village_b)
    with django_assert_max_num_queries(3):  # read from the cache, not recomputed
        row(world.village_a)


def test_a_new_day_recomputes_what_depends_on_the_date(world):
    today = timezone.localdate()
    request = casebook.request_raise(
        household=world.household_a,
        category=RequestCategory.objects.first(),
        description="水压不足",
        source="visit",
        by=world.staff,
    )
    due = request.accept_due_on or request.due_on
    assert row(world.village_a).overdue == 0
    later = datetime.datetime.combine(
        max(due, today) + datetime.timedelta(days=3), datetime.time(12)
    )
    with time_machine.travel(timezone.make_aware(later), tick=False):
        assert row(world.village_a).overdue == 1


def test_village_dashboard_shows_a_visit_recorded_after_it_was_cached(client, world):
    client.force_login(world.secretary_a)
    page = reverse("dashboard-village", args=[world.village_a.pk])
    assert client.get(page).context["row"].visited == 0
    client.force_login(world.member_user)
    client.post(
        reverse("casebook:visit-new"),
        {
            "household": world.household_a.pk,
            "visited_on": timezone.localdate().isoformat(),
            "channel": "in_person",
            "notes": "入户走访",
        },
    )
    client.force_login(world.secretary_a)
    assert client.get(page).context["row"].visited == 1


def test_the_village_map_is_drawn_again_only_when_what_it_draws_changed(world):
    """A visit changes the village's figures but moves nothing on its map: the figures are
    recomputed, the drawing is reused; a new link changes the map."""

    def dashboard():
        return figures.village_dashboard(world.village_a, month())

    with mock.patch.object(mapping, "draw", wraps=mapping.draw) as draw:
        first = dashboard()
        assert (first["row"].visited, draw.call_count) == (0, 1)
        assert dashboard()["map"] == first["map"]  # the entry names the kept drawing
        cache.delete(first["map"].kept_as)  # gone from the cache since: drawn again
        assert (dashboard()["map"], draw.call_count) == (first["map"], 2)
        record_visit(world)
        again = dashboard()
        assert (again["row"].visited, draw.call_count) == (1, 2)
        assert again["map"].svg == first["map"].svg
        lonely = HouseholdFactory(village=world.village_a, latitude=36.5, longitude=101.7)
        members.assignment_assign(household=lonely, member=world.member_a, by=world.staff)
        moved = dashboard()
        assert draw.call_count == 3
        assert f"{lonely.number} {lonely.head_name}" in moved["map"].svg
        assert f"{lonely.number} {lonely.head_name}" not in first["map"].svg
