"""Helpers for background jobs in tests: run the queued tasks here, make a finished export."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from households.tasks import EXPORT_HOUSEHOLDS
from infra.models import Job
from notify import feeds


def run_tasks() -> int:
    """The worker's poll of new events (texts from new timeline lines: notify.feeds), then
    every queued task, in this process and this transaction, as `db_worker` would (its own
    code runs each one); how many tasks ran."""
    feeds.feeds_pass()
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        result = DBTaskResult.objects.ready().first()
        if result is None:
            return ran
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1


def finished_export(user, rows: int = 3) -> Job:
    """A households export of `user`'s, done, its file in JOB_FILES_DIR."""
    job = Job.objects.create(
        kind=EXPORT_HOUSEHOLDS,
        user=user,
        status=Job.Status.DONE,
        done=rows,
        total=rows,
        file=f"0-{uuid.uuid4().hex}.xlsx",
        filename="households.xlsx",
        finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    directory = settings.JOB_FILES_DIR
    directory.mkdir(parents=True, exist_ok=True)
    (directory / job.file).write_bytes(b"PK test")
    return job
