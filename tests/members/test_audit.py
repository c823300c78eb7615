"""What the members' services write to the audit log: a household or a member retired, a
member back on duty, each with who did it and whom it concerns."""

import pytest
from django.urls import reverse
from django.utils import timezone

from infra.models import AuditEvent
from members.services import household_retire, member_retire

pytestmark = pytest.mark.django_db


def test_a_household_retired_is_audited(world):
    household_retire(
        household=world.household_a,
        status="moved_out",
        on=timezone.localdate(),
        reason="全家迁往西宁",
        by=world.staff,
    )
    event = AuditEvent.objects.get(action="household_retired")
    assert event.user == world.staff and event.target == str(world.household_a)
    assert "全家迁往西宁" in event.detail


def test_a_member_retired_is_audited(world):
    member_retire(member=world.member_a, reason="年老", by=world.staff)
    event = AuditEvent.objects.get(action="member_retired")
    assert event.user == world.staff and event.target == str(world.member_a)
    assert "年老" in event.detail


def test_a_member_back_on_duty_in_the_admin_is_audited(client, world):
    member = world.member_b
    member_retire(member=member, reason="外出务工", by=world.staff)
    member.refresh_from_db()
    client.force_login(world.admin)
    form = {
        "name": member.name,
        "village": member.village_id,
        "group": member.group_id or "",
        "gender": member.gender,
        "phone": member.phone,
        "capacity": member.capacity,
        "is_active": "on",
        "retired_on": "",
        "retired_reason": "",
        "user": "",
    }
    response = client.post(reverse("admin:members_partymember_change", args=[member.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="member_reinstated")
    assert event.user == world.admin and event.target == str(member)
