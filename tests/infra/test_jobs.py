"""Long work as background jobs: a large export or import, the overdue reminders.

A small export still answers its file at once; above EXPORT_TASK_THRESHOLD the page shows a
progress bar and, when the worker is done, a link to the file, which only the asker may
download (logged). Files expire and are deleted; a job whose worker died is reported failed;
a large import's confirmation is applied exactly once.
"""

import datetime
import io
import os
import subprocess
import sys
from urllib.parse import quote

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from casebook.models import RequestStatus
from casebook.tasks import REMIND_OVERDUE
from households.importing import IMPORT_HOUSEHOLDS
from households.models import Household, RoleKind, RosterUpload
from infra import jobs
from infra.models import AccessLog, Job
from members.tasks import EXPORT_MEMBERS
from tests.factories import OWN_GROUP_NUMBER, HouseholdFactory, RequestFactory, VillageGroupFactory
from tests.households.test_import_export import HEADERS as HOUSEHOLD_HEADERS
from tests.households.test_import_export import row, upload, xlsx_file
from tests.jobs import run_tasks

pytestmark = pytest.mark.django_db

EXPORT = reverse("households:export")


@pytest.fixture
def staff(staff, settings):
    """Township A's staff, logged in; township A has 3 households: above a threshold of 2."""
    settings.EXPORT_TASK_THRESHOLD = 2
    return staff


def _start_export(client, query: str = "") -> Job:
    response = client.get(EXPORT + query)
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == reverse("job", args=[job.pk])
    return job


def _state(client, job: Job) -> dict:
    response = client.get(reverse("job-status", args=[job.pk]))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    return response.json()


def _rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    return list(
        load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
    )


def test_an_export_at_or_below_the_threshold_answers_the_file_at_once(client, world, settings):
    settings.EXPORT_TASK_THRESHOLD = 3
    client.force_login(world.staff)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(_rows(response)) == 1 + 3
    assert not Job.objects.exists()


def test_a_large_export_shows_a_progress_bar_then_a_link_only_its_asker_may_follow(staff, world):
    job = _start_export(staff, "?q=")
    page = staff.get(reverse("job", args=[job.pk])).content.decode()
    assert '<progress class="job-bar" max="1" value="0"' in page  # the worker counts
    assert "等待后台处理" in page
    assert "data-job-download hidden" in page
    assert "js/job.js" in page
    assert _state(staff, job)["status"] == "queued"
    assert not AccessLog.objects.exists()  # nothing has left the system yet

    assert run_tasks() == 1
    state = _state(staff, job)
    download = reverse("job-download", args=[job.pk])
    assert state["status"] == "done" and state["finished"]
    assert (state["done"], state["total"], state["percent"]) == (3, 3, 100)
    assert state["download"] == download
    assert "已就绪：3 行" in state["text"]
    until = timezone.localtime(Job.objects.get(pk=job.pk).expires_at)
    assert f"文件保留至 {until.year}年{until.month}月{until.day}日 {until:%H:%M}" in state["text"]
    page = staff.get(reverse("job", args=[job.pk])).content.decode()
    assert f'href="{download}" data-job-download>' in page

    response = staff.get(download)
    assert response.status_code == 200
    today = timezone.localdate()
    name = f"东山乡-农户-{today.year}年{today.month}月{today.day}日.xlsx"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    rows = _rows(response)
    assert rows[0][:4] == ("村", "社", "户号", "户主姓名")
    assert sorted(r[3] for r in rows[1:]) == sorted(["董文祥", "李成林", "王秀兰"])
    entry = AccessLog.objects.get()
    assert (entry.user, entry.action, entry.record_count) == (
        world.staff,
        "export_households",
        3,
    )
    assert f"#{job.pk}" in entry.description

    # Anyone else: 404, another township's staff, the village's secretary, the superuser.
    for other in (world.other_staff, world.secretary_a, world.admin):
        staff.force_login(other)
        for name in ("job", "job-status", "job-download"):
            assert staff.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
    assert AccessLog.objects.count() == 1


def test_the_request_that_starts_a_large_export_does_not_count_its_rows(
    staff, django_assert_max_num_queries
):
    """It costs a page: it reads one row past the threshold, never COUNT(*) over them all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
        assert staff.get(EXPORT).status_code == 302
    assert Job.objects.get().total == 0  # the worker will count them
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


def test_the_job_exports_what_the_filter_chose(staff, world, settings):
    settings.EXPORT_TASK_THRESHOLD = 1
    job = _start_export(staff, f"?village={world.village_a.pk}")
    run_tasks()
    job.refresh_from_db()
    assert (job.done, job.total) == (2, 2)
    rows = _rows(staff.get(reverse("job-download", args=[job.pk])))
    assert sorted(r[3] for r in rows[1:]) == sorted(["董文祥", "李成林"])


def test_a_members_export_above_the_threshold_is_a_job_too(staff, world, settings):
    settings.EXPORT_TASK_THRESHOLD = 1
    response = staff.get(reverse("members:export"))
    job = Job.objects.get()
    assert response["Location"] == reverse("job", args=[job.pk])
    assert job.kind == EXPORT_MEMBERS
    run_tasks()
    download = staff.get(reverse("job-download", args=[job.pk]))
    names = sorted(r[2] for r in _rows(download)[1:])
    assert names == sorted(["郭有德", "祁清平", "李明"])
    assert AccessLog.objects.get().action == "export_members"


def test_expired_files_are_deleted_by_the_cleanup_task_and_by_prune_jobs(staff, world, settings):
    settings.JOB_FILE_RETENTION_HOURS = 2
    first = _start_export(staff)
    run_tasks()
    first.refresh_from_db()
    path = settings.JOB_FILES_DIR / first.file
    assert path.is_file()
    # Finishing the file queued its deletion for when it expires.
    cleanup = DBTaskResult.objects.filter(task_path="infra.tasks.cleanup_jobs")
    assert cleanup.count() == 1 and not cleanup.ready().exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2, minutes=1)):
        assert run_tasks() == 1
        assert not path.exists()
        page = staff.get(reverse("job", args=[first.pk])).content.decode()
        assert "文件已在 2 小时后删除" in page
        assert staff.get(reverse("job-download", args=[first.pk])).status_code == 404

    # The management command (cron) does the same, and removes files no job owns.
    Job.objects.all().delete()
    second = _start_export(staff)
    run_tasks()
    second.refresh_from_db()
    stray = settings.JOB_FILES_DIR / "999-leftover.xlsx.part"
    stray.write_bytes(b"half")
    path = settings.JOB_FILES_DIR / second.file
    call_command("prune_jobs")
    assert path.is_file() and not stray.exists()  # not expired yet
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=3)):
        call_command("prune_jobs")
    assert not path.exists()
    second.refresh_from_db()
    assert second.file == "" and second.status == Job.Status.DONE


def _worker_dies(job: Job, attempts: int = 1) -> None:
    """A worker took the job, wrote some progress and was killed: no sign of life since."""
    DBTaskResult.objects.filter(id=job.task_id).update(status="RUNNING")  # taken, never ended
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, done=1, attempts=attempts, heartbeat_at=timezone.now()
    )


def test_a_job_whose_worker_died_runs_again_and_is_done_exactly_once(staff, world, settings):
    settings.JOB_STALE_SECONDS = 60
    job = _start_export(staff)
    _worker_dies(job)
    settings.JOB_FILES_DIR.mkdir(parents=True, exist_ok=True)
    (settings.JOB_FILES_DIR / f"{job.pk}-dead0run.xlsx.part").write_bytes(b"half a file")
    assert _state(staff, job)["status"] == "running"
    later = timezone.now() + datetime.timedelta(seconds=61)
    with time_machine.travel(later):
        state = _state(staff, job)  # the page finds it silent: back in the queue
        again = _state(staff, job)  # a second poll does not queue it twice
    assert state["status"] == again["status"] == "queued" and not state["finished"]
    assert run_tasks() == 1  # the next worker runs it, once
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 2
    assert [p.name for p in settings.JOB_FILES_DIR.iterdir()] == [job.file]
    assert len(_rows(staff.get(reverse("job-download", args=[job.pk])))) == 1 + 3


def test_a_job_whose_worker_died_too_often_is_reported_failed(staff, world, settings):
    settings.JOB_STALE_SECONDS = 60
    settings.JOB_MAX_ATTEMPTS = 2
    job = _start_export(staff)
    _worker_dies(job, attempts=2)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        state = _state(staff, job)
        page = staff.get(reverse("job", args=[job.pk])).content.decode()
    assert state["status"] == "failed" and state["finished"] and not state["download"]
    assert "后台进程中断" in state["text"]
    assert "后台进程中断" in page and "alert-danger" in page
    # The task, when a worker reaches it after all, does not run a job given up.
    run_tasks()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not list(settings.JOB_FILES_DIR.glob("*"))


def test_a_run_given_up_for_dead_writes_nothing_when_it_comes_back(staff, world, settings):
    settings.JOB_STALE_SECONDS = 60
    job = _start_export(staff)
    _worker_dies(job)
    slow = Job.objects.get(pk=job.pk)  # the first run, only slow, still holds its copy
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        jobs.check_stale()
    run_tasks()  # the second run finishes it
    with pytest.raises(jobs.JobAbandoned):
        jobs.finish(slow)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 2


def test_a_job_no_worker_took_is_reported_failed_after_the_queue_timeout(staff, settings):
    settings.JOB_QUEUE_TIMEOUT_MINUTES = 30
    job = _start_export(staff)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        call_command("prune_jobs")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "没有后台进程" in job.error


def test_a_task_that_raises_leaves_a_chinese_message(staff, monkeypatch):
    from households import exports

    def broken(queryset):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "household_rows", broken)
    job = _start_export(staff)
    run_tasks()
    state = _state(staff, job)
    assert state["status"] == "failed"
    assert "任务失败" in state["text"] and "disk full" not in state["text"]
    # The task's own record keeps the traceback for the administrator.
    assert "disk full" in DBTaskResult.objects.get().traceback


def test_a_large_import_confirmation_runs_as_a_job_and_applies_rows_exactly_once(
    client, world, settings
):
    settings.IMPORT_TASK_THRESHOLD = 2
    client.force_login(world.staff)
    VillageGroupFactory(village=world.village_a, number=OWN_GROUP_NUMBER, name="七社")
    rows = [row(number=f"07-{n:03}", name=f"张{n}", phone=f"1380000{n:04}") for n in range(1, 4)]
    preview, _page = upload(client, xlsx_file(HOUSEHOLD_HEADERS, rows))
    before = Household.objects.count()

    from households import importing

    def unread(upload):
        raise AssertionError("the confirmation's request read the file again")

    with pytest.MonkeyPatch.context() as patch:  # the request only queues the job
        patch.setattr(importing, "read_upload", unread)
        response = client.post(preview)
    job = Job.objects.get()
    assert response["Location"] == reverse("job", args=[job.pk])
    assert (job.kind, job.total) == (IMPORT_HOUSEHOLDS, 3)
    assert Household.objects.count() == before  # nothing yet: the worker applies it
    client.post(preview)  # a second click joins the same job
    assert Job.objects.count() == 1
    page = client.get(preview).content.decode()
    assert "正在后台导入" in page and reverse("job", args=[job.pk]) in page

    run_tasks()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.result == {"create": 3, "update": 0, "unchanged": 0, "reject": 0}
    assert Household.objects.count() == before + 3
    state = _state(client, job)
    assert "导入完成：新增 3 条" in state["text"] and not state["download"]
    assert RosterUpload.objects.get().applied_at is not None
    assert AccessLog.objects.filter(action="import", user=world.staff).count() == 1

    # The same task run again (a task queued twice, a worker restarted) changes nothing.
    from households.tasks import import_households

    import_households.enqueue(job.pk)
    run_tasks()
    assert Household.objects.count() == before + 3
    assert AccessLog.objects.filter(action="import").count() == 1
    # And a new confirmation of the applied file is refused on the page.
    client.post(preview)
    assert Job.objects.count() == 1


def test_an_import_below_the_threshold_is_applied_in_the_request(client, world, settings):
    settings.IMPORT_TASK_THRESHOLD = 5
    client.force_login(world.staff)
    VillageGroupFactory(village=world.village_a, number=OWN_GROUP_NUMBER, name="七社")
    preview, _page = upload(client, xlsx_file(HOUSEHOLD_HEADERS, [row()]))
    assert client.post(preview)["Location"] == reverse("households:list")
    assert Household.objects.filter(head_name="张三").exists()
    assert not Job.objects.exists()


def test_overdue_reminders_run_as_a_job_from_cron(world, capsys):
    world.member_user.email = "guo@example.org"
    world.member_user.save()
    RequestFactory(
        household=world.household_a,
        owner=world.member_user,
        status=RequestStatus.NEW,
        accept_due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    call_command("remind_overdue", email=True, enqueue=True)
    job = Job.objects.get()
    assert job.kind == REMIND_OVERDUE and job.status == Job.Status.QUEUED
    assert f"#{job.pk}" in capsys.readouterr().out
    assert not mail.outbox
    run_tasks()
    job.refresh_from_db()
    # The owner is a member with a mobile: one text digest too (texts are the default).
    assert job.status == Job.Status.DONE and job.result == {"owners": 1, "sent": 1, "texted": 1}
    assert mail.outbox[0].to == ["guo@example.org"]


def _worker_env(tmp_path, settings) -> dict:
    """The environment for a `manage.py` process on this test's database."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(DJANGO_SETTINGS_MODULE="tests.settings", JOB_FILES_DIR=str(settings.JOB_FILES_DIR))
    if connection.vendor == "sqlite":
        env["SQLITE_PATH"] = str(db["NAME"])
    else:
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return env


@pytest.mark.slow
def test_the_real_worker_command_produces_the_file(transactional_db, tmp_path, settings):
    from tests.factories import RoleFactory, TownshipFactory, UserFactory, VillageFactory

    settings.EXPORT_TASK_THRESHOLD = 2
    village = VillageFactory(township=TownshipFactory())
    for name in ("甲", "乙", "丙", "丁"):
        HouseholdFactory(village=village, head_name=name)
    user = UserFactory(username="export-staff")
    RoleFactory(user=user, kind=RoleKind.TOWNSHIP, township=village.township, village=None)
    from tests.conftest import VerifiedClient

    client = VerifiedClient()
    client.force_login(user)
    job = _start_export(client)
    result = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
        env=_worker_env(tmp_path, settings),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, (job.error, result.stdout[-2000:], result.stderr[-2000:])
    assert jobs.file_path(job) is not None
    rows = _rows(client.get(reverse("job-download", args=[job.pk])))
    assert sorted(r[3] for r in rows[1:]) == ["丁", "丙", "乙", "甲"]


@pytest.mark.slow
def test_a_worker_keeps_writing_progress_while_it_streams_rows(transactional_db, monkeypatch):
    """As a worker runs it (outside any transaction), a heartbeat thread writes the rows done
    on a connection of its own while the export still reads its rows; on SQLite the work's
    connection could not write after that (its snapshot is stale), so it never does."""
    import time

    from households import exports, tasks
    from tests.factories import RoleFactory, TownshipFactory, UserFactory, VillageFactory

    village = VillageFactory(township=TownshipFactory())
    for name in ("甲", "乙", "丙"):
        HouseholdFactory(village=village, head_name=name)
    user = UserFactory(username="slow-export")
    RoleFactory(user=user, kind=RoleKind.TOWNSHIP, township=village.township, village=None)
    seen = []

    def slow_rows(queryset):
        # One row per fetch: the query stays open between rows, as it does between the
        # chunks of a large export.
        for household in queryset.iterator(chunk_size=1):
            time.sleep(jobs.HEARTBEAT_SECONDS * 1.5)  # the heartbeat writes meanwhile
            seen.append(Job.objects.values_list("done", flat=True).get())
            yield ["", "", "", household.head_name]

    monkeypatch.setattr(exports, "household_rows", slow_rows)
    job = jobs.start(tasks.EXPORT_HOUSEHOLDS, user=user, task=tasks.export_households)
    run_tasks()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert seen[-1] >= 1  # the page saw rows done before the end
    assert sorted(
        r[3] for r in load_workbook(jobs.file_path(job)).active.values if r[3] != "户主姓名"
    ) == ["丙", "乙", "甲"]


def test_the_admin_lists_jobs_and_task_results_read_only_in_chinese(staff, world):
    job = _start_export(staff)
    run_tasks()
    staff.force_login(world.admin)
    jobs_page = staff.get(reverse("admin:infra_job_changelist")).content.decode()
    assert "导出农户" in jobs_page and "已完成" in jobs_page
    assert staff.get(reverse("admin:infra_job_change", args=[job.pk])).status_code == 200
    assert staff.get(reverse("admin:infra_job_add")).status_code == 403
    results = staff.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    assert results.status_code == 200 and "成功" in results.content.decode()
