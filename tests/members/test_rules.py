"""The members' rules, each tested where it is enforced: the proposal's apply, the export."""

import pytest
from django.urls import reverse

from infra.models import AccessLog
from members.models import Assignment
from members.services import MembersError, proposal_apply
from tests.factories import AssignmentFactory, HouseholdFactory, PartyMemberFactory

pytestmark = pytest.mark.django_db


# --- 3. Applying a proposal never takes a member past their capacity -------------------------


def test_a_proposal_group_is_refused_when_its_member_filled_up_since(world):
    member = PartyMemberFactory(village=world.village_a, capacity=2)
    waiting = HouseholdFactory(village=world.village_a)
    # The proposal gave `waiting` to the member when they had room; since, two links took it.
    for _ in range(2):
        AssignmentFactory(member=member, household=HouseholdFactory(village=world.village_a))
    with pytest.raises(MembersError, match="2"):
        proposal_apply(
            village=world.village_a,
            pairs=[(waiting.pk, member.pk)],
            by=world.staff,
            expected={waiting.pk: None},
        )
    assert not Assignment.objects.filter(household=waiting).exists()
    assert member.assignments.filter(ended_on__isnull=True).count() == 2
    assert not Assignment.objects.filter(capacity_override=True).exists()


def test_a_proposal_group_within_capacity_applies(world):
    member = PartyMemberFactory(village=world.village_a, capacity=2)
    waiting = HouseholdFactory(village=world.village_a)
    AssignmentFactory(member=member, household=HouseholdFactory(village=world.village_a))
    assert (
        proposal_apply(village=world.village_a, pairs=[(waiting.pk, member.pk)], by=world.staff)
        == 1
    )
    assert Assignment.objects.get(household=waiting, ended_on__isnull=True).member == member


# --- 12. The direct (small) member export writes its access-log row -------------------------


def test_a_small_member_export_is_written_in_the_access_log(client, world, settings):
    settings.EXPORT_TASK_THRESHOLD = 1000
    client.force_login(world.staff)
    response = client.get(reverse("members:export"), {"village": world.village_a.pk})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    log = AccessLog.objects.get()
    assert log.action == "export_members"
    assert (log.user, log.record_count) == (world.staff, 2)  # village A's two members
    assert log.ip_address == "127.0.0.1"
