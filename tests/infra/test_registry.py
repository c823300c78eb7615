"""Features name their own job kinds and audit actions: the platform's tables take any code a
feature registered, refuse one nobody did, and a new one needs no migration."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from households import tasks
from infra import audit, jobs, registry
from infra.models import AccessLog, AuditEvent, Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_kind(monkeypatch):
    """A job kind and an audit action a new feature registers (forgotten after the test)."""
    for codes in (registry.JOB_KINDS, registry.AUDIT_ACTIONS, registry.ACCESS_ACTIONS):
        monkeypatch.setattr(codes, "labels", dict(codes.labels))
    kind = registry.register_job_kind("census_export", "人口普查导出")
    action = registry.register_audit_action("census_signed", "普查表已签收")
    registry.register_access_action("census_sent", "普查表已报送")
    return kind, action


def test_starting_a_job_of_a_kind_nobody_registered_raises_and_writes_nothing(world):
    with pytest.raises(registry.Unregistered):
        jobs.start("census_export", user=world.staff, task=tasks.export_households)
    assert not Job.objects.exists()


def test_recording_an_action_nobody_registered_raises_and_writes_nothing(world):
    with pytest.raises(registry.Unregistered):
        audit.record("census_signed", user=world.staff)
    assert not AuditEvent.objects.exists()


def test_an_access_entry_under_an_action_nobody_registered_raises_and_writes_nothing(world):
    with pytest.raises(registry.Unregistered):
        audit.log_access_as(world.staff, None, action="census_sent", description="", record_count=1)
    assert not AccessLog.objects.exists()


def test_a_new_access_action_needs_no_migration_and_reads_by_its_label(new_kind, client, world):
    entry = audit.log_access_as(
        world.staff, "10.0.0.1", action="census_sent", description="普查表", record_count=330
    )
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits if any
    assert entry.action_label == "普查表已报送"
    client.force_login(world.admin)
    listed = client.get(reverse("admin:infra_accesslog_changelist") + "?action=census_sent")
    assert "普查表已报送" in listed.content.decode()
    one = client.get(reverse("admin:infra_accesslog_change", args=[entry.pk]))
    assert "普查表已报送" in one.content.decode()


def test_a_code_registered_twice_with_another_label_is_refused(new_kind):
    kind, action = new_kind
    with pytest.raises(ValueError, match="registered already"):
        registry.register_job_kind(kind, "另一个名字")
    with pytest.raises(ValueError, match="registered already"):
        registry.register_audit_action(action, "另一个名字")


def test_a_new_kind_and_action_need_no_migration_and_read_by_their_label(new_kind, client, world):
    kind, action = new_kind
    job = jobs.start(kind, user=world.staff, task=tasks.export_households)
    audit.record(action, user=world.staff, target="白牙合村")
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits if any

    job.refresh_from_db()
    assert (job.kind, job.kind_label) == ("census_export", "人口普查导出")
    client.force_login(world.admin)
    jobs_page = client.get(reverse("admin:infra_job_changelist")).content.decode()
    assert "人口普查导出" in jobs_page and "census_export" in jobs_page  # label, filter value
    one = client.get(reverse("admin:infra_job_change", args=[job.pk])).content.decode()
    assert "人口普查导出" in one
    events = client.get(reverse("admin:infra_auditevent_changelist") + "?action=census_signed")
    assert "普查表已签收" in events.content.decode()
    page = client.get(reverse("job", args=[job.pk]))
    assert page.status_code == 404  # another's job; the asker's own page is below
    client.force_login(world.staff)
    assert "人口普查导出" in client.get(reverse("job", args=[job.pk])).content.decode()


def test_every_kind_and_action_the_features_use_is_registered_with_a_label():
    kinds = dict(registry.job_kinds())
    actions = dict(registry.audit_actions())
    assert kinds["export_households"] == "导出农户"
    assert {"import_households", "import_members", "export_members", "remind_overdue"} <= {*kinds}
    assert actions["login"] == "登录" and actions["link_changed"] != "link_changed"
    assert len(actions) == 22
    exports = dict(registry.access_actions())
    assert exports["export_households"] == "导出农户"
    assert {"export_members", "export_report", "print_cards", "import"} <= {*exports}
    assert all(label != code for code, label in exports.items())
    roster = ["household_retired", "household_reinstated", "card_rotated", "sms_consent"]
    assert all(actions[code] != code for code in [*roster, "member_retired", "member_reinstated"])
