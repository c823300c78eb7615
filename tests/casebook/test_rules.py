"""The casebook's rules, each tested where it is enforced (the service, the model's query),
not only through the form or page that refuses the input first."""

import datetime
from dataclasses import replace

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from casebook import services
from casebook.models import Request, RequestEvent, RequestSource, RequestStatus, overdue_q
from households.models import HouseholdStatus, Village
from liaison.dashboard import member_rows, village_rows
from tests.factories import RequestEventFactory, RequestFactory, category, duty

pytestmark = pytest.mark.django_db

# Noon in Asia/Shanghai on the last day of a month: "today" is the same on every clock.
NOON = datetime.datetime(2026, 11, 30, 4, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 30)


# --- 4. A request due today is not overdue; one due yesterday is --------------------------


@pytest.fixture
def due_today_and_yesterday(world):
    with time_machine.travel(NOON, tick=False):
        today = RequestFactory(
            household=world.household_a,
            status=RequestStatus.IN_PROGRESS,
            due_on=TODAY,
            owner=world.member_user,
        )
        new_today = RequestFactory(
            household=world.household_a, status=RequestStatus.NEW, accept_due_on=TODAY
        )
        yesterday = RequestFactory(
            household=world.household_b,
            status=RequestStatus.IN_PROGRESS,
            due_on=TODAY - datetime.timedelta(days=1),
        )
        yield today, new_today, yesterday


def test_a_request_due_today_is_not_overdue_on_the_request(due_today_and_yesterday):
    today, new_today, yesterday = due_today_and_yesterday
    assert not today.is_overdue and not new_today.is_overdue
    assert yesterday.is_overdue


def test_a_request_due_today_is_not_counted_overdue_by_the_query(due_today_and_yesterday):
    today, new_today, yesterday = due_today_and_yesterday
    overdue = set(Request.objects.filter(overdue_q()).values_list("pk", flat=True))
    assert overdue == {yesterday.pk}
    assert set(Request.objects.filter(overdue_q(TODAY)).values_list("pk", flat=True)) == {
        yesterday.pk
    }


def test_a_request_due_today_is_not_overdue_in_the_figures(world, due_today_and_yesterday):
    villages = Village.objects.filter(pk__in=[world.village_a.pk, world.village_b.pk])
    figures = village_rows(villages, TODAY)
    overdue = {row.village.pk: row.overdue for row in figures.rows}
    assert overdue == {world.village_a.pk: 0, world.village_b.pk: 1}
    assert figures.total.overdue == 1
    owned = {row.member.pk: row.overdue_owned for row in member_rows(world.village_a, TODAY)}
    assert owned[world.member_a.pk] == 0


# --- 6. The timeline is never editable in the admin ----------------------------------------


def test_the_timeline_admin_grants_no_add_change_or_delete(rf, world):
    request = rf.get("/")
    request.user = world.admin
    event = RequestEventFactory(request=RequestFactory(household=world.household_a))
    event_admin = admin.site._registry[RequestEvent]
    assert not event_admin.has_add_permission(request)
    assert not event_admin.has_change_permission(request, event)
    assert not event_admin.has_delete_permission(request, event)


def test_the_timeline_inline_on_a_request_shows_every_field_read_only(rf, world):
    request = rf.get("/")
    request.user = world.admin
    matter = RequestFactory(household=world.household_a)
    inline = next(
        i
        for i in admin.site._registry[Request].get_inline_instances(request, matter)
        if i.model is RequestEvent
    )
    assert set(inline.get_fields(request, matter)) <= set(
        inline.get_readonly_fields(request, matter)
    )
    assert not inline.has_add_permission(request, matter)
    assert inline.can_delete is False


def test_the_admin_change_page_of_an_event_saves_nothing(client, world):
    event = RequestEventFactory(request=RequestFactory(household=world.household_a), text="原文")
    client.force_login(world.admin)
    url = reverse("admin:casebook_requestevent_change", args=[event.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(url, {"text": "改过的", "kind": "note"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.text == "原文"


# --- 10. The notebook service refuses an entry dated in the future --------------------------


def test_the_visit_service_refuses_a_future_date(world):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(services.CasebookError, match="晚于今天"):
        services.visit_record(
            member=world.member_a,
            household=world.household_a,
            by=world.member_user,
            entry=services.VisitEntry(tomorrow, "in_person", [duty()]),
        )
    assert not world.household_a.visits.exists()
    today = services.visit_record(
        member=world.member_a,
        household=world.household_a,
        by=world.member_user,
        entry=services.VisitEntry(timezone.localdate(), "in_person", [duty()]),
    )
    with pytest.raises(services.CasebookError, match="晚于今天"):
        services.visit_correct(
            visit=today,
            by=world.member_user,
            is_staff_level=False,
            entry=replace(services.VisitEntry.of(today), visited_on=tomorrow),
        )
    today.refresh_from_db()
    assert today.visited_on == timezone.localdate()


# --- 11. A household no longer on the roster has no working card ---------------------------


@pytest.mark.parametrize("status", [HouseholdStatus.MOVED_OUT, HouseholdStatus.MERGED])
def test_a_moved_out_households_card_opens_nothing(client, world, status):
    household = world.household_a
    matter = RequestFactory(household=household, description="院墙裂缝", status="replied")
    household.status = status
    household.save(update_fields=["status"])
    token = household.card_token
    page = client.get(reverse("card", args=[token]))
    assert page.status_code == 404 and "院墙裂缝" not in page.content.decode()
    before = Request.objects.count()
    raised = client.post(
        reverse("card", args=[token]), {"category": category().pk, "description": "新的诉求"}
    )
    assert raised.status_code == 404 and Request.objects.count() == before
    confirm = client.post(reverse("card-confirm", args=[token, matter.pk]), {"solved": "yes"})
    assert confirm.status_code == 404
    matter.refresh_from_db()
    assert matter.status == "replied"


# --- 13. The request service refuses a household no longer on the roster -------------------


@pytest.mark.parametrize("status", [HouseholdStatus.MOVED_OUT, HouseholdStatus.MERGED])
def test_the_request_service_refuses_a_retired_household(world, status):
    household = world.household_a
    household.status = status
    household.save(update_fields=["status"])
    with pytest.raises(services.CasebookError, match="已不在册"):
        services.request_raise(
            household=household,
            category=category(),
            description="路灯坏了",
            source=RequestSource.WALK_IN,
            by=world.secretary_a,
        )
    assert not Request.objects.filter(household=household).exists()
