"""The rules that hold at the database level, whatever code writes the rows."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from casebook.models import RequestEvent
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RequestEventFactory,
)

pytestmark = pytest.mark.django_db


def test_second_open_assignment_for_a_household_is_refused():
    first = AssignmentFactory()
    other_member = PartyMemberFactory(village=first.household.village)
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(household=first.household, member=other_member)


def test_ended_assignment_allows_a_new_open_one():
    first = AssignmentFactory()
    first.ended_on = datetime.date.today()
    first.save()
    second = AssignmentFactory(household=first.household, member=first.member)
    assert second.is_open
    assert first.household.assignments.count() == 2


def test_household_number_is_unique_within_its_village_only():
    household = HouseholdFactory(number="01-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(number="01-001", village=household.village)
    assert HouseholdFactory(number="01-001").pk  # another village may use the same number


def test_member_cannot_be_linked_beyond_capacity_without_override():
    member = PartyMemberFactory(capacity=2)
    for _ in range(2):
        AssignmentFactory(member=member, household=HouseholdFactory(village=member.village))
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(member=member, household=HouseholdFactory(village=member.village))
    assert member.assignments.filter(ended_on__isnull=True).count() == 2


def test_over_capacity_override_must_carry_a_note():
    member = PartyMemberFactory(capacity=1)
    AssignmentFactory(member=member, household=HouseholdFactory(village=member.village))
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(
            member=member,
            household=HouseholdFactory(village=member.village),
            capacity_override=True,
            note="",
        )
    AssignmentFactory(
        member=member,
        household=HouseholdFactory(village=member.village),
        capacity_override=True,
        note="同院两户，由同一党员联系更方便",
    )
    assert member.assignments.filter(ended_on__isnull=True).count() == 2


def test_request_events_are_never_updated_or_deleted():
    event = RequestEventFactory(text="已受理")
    event.text = "改写历史"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        RequestEvent.objects.filter(pk=event.pk).update(text="改写历史")
    with pytest.raises(TypeError):
        RequestEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.text == "已受理"


def test_household_search_key_holds_pinyin_initials_and_full_pinyin():
    household = HouseholdFactory(head_name="董文祥")
    assert household.search_key == "dwx dongwenxiang"


def test_priority_follows_the_flags():
    household = HouseholdFactory(is_elderly_alone=True)
    assert household.is_priority
    household.is_elderly_alone = False
    household.save()
    household.refresh_from_db()
    assert not household.is_priority
