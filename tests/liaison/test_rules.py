"""Rules of the platform tested where they are enforced: the audit retention, the jobs'
fencing, the login lockout's cool-off."""

import datetime
import io
import runpy
from contextlib import redirect_stdout

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from households.tasks import EXPORT_HOUSEHOLDS
from infra import jobs
from infra.models import AccessLog, AuditEvent, Job
from tests.factories import AccessLogFactory

pytestmark = pytest.mark.django_db

SETTINGS_FILE = django_settings.BASE_DIR / "liaison" / "settings.py"


# --- 2. Audit records are kept at least 180 days, and never pruned younger ------------------


def _settings_with(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.mark.parametrize("days", ["179", "30", "0"])
def test_a_retention_below_180_days_stops_the_settings(monkeypatch, days):
    with pytest.raises(ImproperlyConfigured, match="180"):
        _settings_with(monkeypatch, AUDIT_RETENTION_DAYS=days)


def test_a_retention_of_180_days_or_more_is_taken(monkeypatch):
    assert _settings_with(monkeypatch, AUDIT_RETENTION_DAYS="180")["AUDIT_RETENTION_DAYS"] == 180
    assert _settings_with(monkeypatch, AUDIT_RETENTION_DAYS="400")["AUDIT_RETENTION_DAYS"] == 400


def _aged(days: float, minutes: int = 0):
    """An audit event and an access-log row this old."""
    at = timezone.now() - datetime.timedelta(days=days, minutes=minutes)
    event = AuditEvent.objects.create(action="login", username=f"{days}d{minutes}m")
    AuditEvent.objects.filter(pk=event.pk).update(at=at)
    entry = AccessLogFactory(description=f"{days}d{minutes}m")
    AccessLog.objects.filter(pk=entry.pk).update(at=at)
    return event.username


@pytest.mark.parametrize("retention", [180, 365])
def test_prune_keeps_everything_younger_than_the_retention(settings, retention):
    settings.AUDIT_RETENTION_DAYS = retention
    with time_machine.travel(timezone.now(), tick=False):
        young = _aged(retention, minutes=-1)  # one minute inside the retention
        old = _aged(retention, minutes=1)  # one minute past it
        with redirect_stdout(io.StringIO()):
            call_command("prune_audit", stdout=io.StringIO())
    assert list(AuditEvent.objects.values_list("username", flat=True)) == [young]
    assert list(AccessLog.objects.values_list("description", flat=True)) == [young]
    assert old != young


# --- 7. A run given up for dead cannot finish the job its re-run now holds -----------------


@pytest.fixture
def rerun(world):
    """A job whose first run was given up for dead; the second run has claimed it."""
    job = Job.objects.create(
        kind=EXPORT_HOUSEHOLDS,
        user=world.staff,
        status=Job.Status.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now(),
    )
    first = Job.objects.get(pk=job.pk)  # the first run's copy, still working
    Job.objects.filter(pk=job.pk).update(attempts=2, heartbeat_at=timezone.now())
    return first, Job.objects.get(pk=job.pk)


def test_a_run_given_up_for_dead_cannot_finish_while_its_rerun_runs(rerun):
    first, second = rerun
    with pytest.raises(jobs.JobAbandoned):
        jobs.finish(first, result={"rows": 1})
    job = Job.objects.get(pk=first.pk)
    assert (job.status, job.attempts, job.result) == (Job.Status.RUNNING, 2, {})
    jobs.finish(second, result={"rows": 3})
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result == {"rows": 3}


def test_a_run_given_up_for_dead_writes_no_progress_or_failure(rerun):
    first, second = rerun
    first.done = 99
    with pytest.raises(jobs.JobAbandoned):
        jobs._write_progress(first)
    jobs.fail(first, "失败")
    job = Job.objects.get(pk=first.pk)
    assert (job.status, job.done, job.error) == (Job.Status.RUNNING, 0, "")


# --- 8. The lockout lasts its 15 minutes, no more and no less ------------------------------


def test_a_locked_login_opens_again_after_15_minutes_not_before(plain_client, rf, world):
    from axes.handlers.proxy import AxesProxyHandler

    def locked() -> bool:
        request = rf.post(reverse("login"), REMOTE_ADDR="127.0.0.1")
        return AxesProxyHandler.is_locked(request, {"username": "member"})

    def log_in(password):
        return plain_client.post(
            reverse("login"), {"username": "member", "password": password}
        ).status_code

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            log_in("wrong-password")
        assert log_in("pass-word-123") == 429
    # Asked without a log-in attempt: an attempt while locked counts as one more failure.
    with time_machine.travel(start + datetime.timedelta(minutes=14, seconds=55), tick=False):
        assert locked()
    with time_machine.travel(start + datetime.timedelta(minutes=15, seconds=5), tick=False):
        assert log_in("pass-word-123") == 302
