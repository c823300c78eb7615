"""What the roster's services write to the audit log: every change an inspector asks about
names who made it and on which household."""

import pytest

from households.models import ConsentVia, HouseholdStatus
from households.services import (
    card_rotate,
    household_reinstate,
    household_save,
    household_sms_consent,
)
from infra.models import AuditEvent

pytestmark = pytest.mark.django_db


def _event(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


def test_a_lost_card_replaced_is_audited(world):
    household = card_rotate(household=world.household_a, by=world.staff)
    event = _event("card_rotated")
    assert event.user == world.staff and event.target == str(world.household_a)
    assert str(household.card_version) in event.detail


def test_a_household_brought_back_is_audited(world):
    household = world.household_b
    household.status = HouseholdStatus.MOVED_OUT
    household.save(update_fields=["status"])
    household_reinstate(household=household, by=world.staff)
    event = _event("household_reinstated")
    assert event.user == world.staff and event.target == str(household)


def test_a_status_edited_in_the_admin_is_audited_as_a_retirement_and_a_return(world):
    household = world.household_b
    household.status = HouseholdStatus.MERGED
    household.retired_reason = "并入邻户"
    household_save(household=household, by=world.admin)
    retired = _event("household_retired")
    assert retired.user == world.admin and retired.target == str(household)
    assert "并入邻户" in retired.detail
    household.status = HouseholdStatus.ACTIVE
    household_save(household=household, by=world.admin)
    assert _event("household_reinstated").user == world.admin
    household_save(household=household, by=world.admin)  # nothing changed: nothing recorded
    assert AuditEvent.objects.count() == 2


def test_consent_to_text_messages_given_and_withdrawn_is_audited(world):
    household = world.household_a
    household_sms_consent(
        household=household, consent=True, via=ConsentVia.STAFF, by=world.staff, note="电话确认"
    )
    given = _event("sms_consent")
    assert given.user == world.staff and given.target == str(household)
    assert "电话确认" in given.detail
    AuditEvent.objects.all().delete()
    household_sms_consent(household=household, consent=False, via=ConsentVia.CARD)
    withdrawn = _event("sms_consent")
    assert withdrawn.user is None and withdrawn.target == str(household)  # the household itself
    assert withdrawn.detail != given.detail
