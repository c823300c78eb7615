"""The audit log: who, when, from where, what; read-only; kept AUDIT_RETENTION_DAYS."""

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casebook.services import member_handover
from households.models import Role
from infra.models import AccessLog, AuditEvent
from members.models import Assignment
from tests.factories import AccessLogFactory

pytestmark = pytest.mark.django_db


def test_logins_failures_and_lockouts_are_recorded_with_the_address(plain_client, world):
    plain_client.post(reverse("login"), {"username": "member", "password": "pass-word-123"})
    plain_client.post(reverse("logout"))
    for _ in range(5):
        plain_client.post(reverse("login"), {"username": "sec-a", "password": "wrong"})
    rows = list(AuditEvent.objects.order_by("id").values_list("username", "action", "ip_address"))
    assert rows[0] == ("member", "login", "127.0.0.1")
    assert rows[1] == ("member", "logout", "127.0.0.1")
    assert sorted(rows[2:]) == sorted(
        [("sec-a", "login_failed", "127.0.0.1")] * 5 + [("sec-a", "locked_out", "127.0.0.1")]
    )


def test_role_changes_in_the_admin_are_recorded(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:households_role_add"),
        {"user": world.member_user.pk, "kind": "secretary", "village": world.village_b.pk},
    )
    assert response.status_code == 302
    role = Role.objects.get(user=world.member_user)
    client.post(reverse("admin:households_role_delete", args=[role.pk]), {"post": "yes"})
    events = list(
        AuditEvent.objects.filter(action__startswith="role").values_list(
            "username", "action", "target"
        )
    )
    assert [e[1] for e in events] == ["role_removed", "role_added"]  # newest first
    assert all(e[0] == "root" and "member" in e[2] and "东山村" in e[2] for e in events)


def test_link_changes_are_recorded_with_who_did_them(client, world):
    client.force_login(world.secretary_a)
    client.post(
        reverse("members:board-assign", args=[world.village_a.pk]),
        {
            "household": world.household_a.pk,
            "member": world.member_a2.pk,
            "current": world.member_a.pk,
        },
    )
    ended, linked = AuditEvent.objects.filter(action="link_changed").order_by("id")
    for event in (ended, linked):
        assert event.user == world.secretary_a and world.household_a.head_name in event.target
        assert event.ip_address == "127.0.0.1"
    assert world.member_a.name in ended.detail and world.member_a2.name in linked.detail


def test_links_ended_by_a_retirement_or_a_handover_are_recorded(client, world):
    client.force_login(world.staff)
    client.post(
        reverse("members:household-retire", args=[world.household_a.pk]),
        {"status": "moved_out", "on": timezone.localdate().isoformat(), "reason": "全家迁往西宁"},
    )
    event = AuditEvent.objects.get(action="link_changed")
    assert event.user == world.staff and world.household_a.head_name in event.target
    assert world.member_a.name in event.detail and "全家迁往西宁" in event.detail

    AuditEvent.objects.all().delete()
    handed = Assignment.objects.filter(member=world.member_a2, ended_on__isnull=True).count()
    member_handover(
        member=world.member_a2, to_member=world.member_a, by=world.staff, reason="外出务工"
    )
    ended = AuditEvent.objects.filter(action="link_changed", detail__contains="外出务工")
    assert handed and ended.count() == handed
    assert all(world.member_a2.name in event.detail for event in ended)


def test_audit_events_are_readable_but_never_editable_in_the_admin(client, world):
    event = AuditEvent.objects.create(action="login", username="member")
    client.force_login(world.admin)
    assert client.get(reverse("admin:infra_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:infra_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:infra_auditevent_delete", args=[event.pk])).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_prune_keeps_the_retention_and_removes_what_is_older(settings):
    settings.AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    young = AuditEvent.objects.create(action="login", username="young")
    old = AuditEvent.objects.create(action="login", username="old")
    AuditEvent.objects.filter(pk=young.pk).update(at=now - datetime.timedelta(days=179))
    AuditEvent.objects.filter(pk=old.pk).update(at=now - datetime.timedelta(days=181))
    kept_log, old_log = AccessLogFactory(), AccessLogFactory()
    AccessLog.objects.filter(pk=old_log.pk).update(at=now - datetime.timedelta(days=200))
    call_command("prune_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(AuditEvent.objects.values_list("username", flat=True)) == ["young"]
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [kept_log.pk]


def test_the_deploy_cron_runs_the_prune():
    cron = (Path(__file__).resolve().parents[2] / "deploy" / "backup.cron").read_text()
    assert "manage.py prune_audit" in cron
