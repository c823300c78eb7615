"""Background jobs: long work handed to a worker, with progress its page can poll.

A view calls `start()`: a `Job` row (who asked, what) and a task queued for the worker
(django-tasks, database backend: `manage.py db_worker`). The feature's task calls `run()`
with a function that does the work; that function reports rows done through `Progress`,
writes its file with `new_file()` and ends with `finish()`. `run()` turns an exception into
a failed job with a message in Chinese.

A worker that dies (killed, out of memory, host lost) leaves its job "running" with no one
behind it. While it works, a thread of its own writes the job's progress and a sign of life
every HEARTBEAT_SECONDS on its own connection (even during a long transaction);
`refresh()` and `check_stale()` find a job silent for JOB_STALE_SECONDS and queue it again
for the next worker (it starts over), up to JOB_MAX_ATTEMPTS runs, then report it failed,
so that no page waits for it forever. A job no worker took within JOB_QUEUE_TIMEOUT_MINUTES
is reported failed.

A job is done exactly once: a worker claims it by moving it from "waiting" to "running" in
one statement, which also counts the attempt; a second run of the same task (a task queued
twice, a worker restarted) finds it taken and does nothing. Progress, "done" and "failed"
are written only for the latest attempt, so a run that was given up for dead and comes back
stops at its next heartbeat. `finish()` moves the job from "running" to "done" only if it is
still this attempt's; inside the work's transaction, the work and "done" are committed
together.

Files live in JOB_FILES_DIR (shared by every app server and worker) for
JOB_FILE_RETENTION_HOURS; `cleanup()` (the `cleanup_jobs` task, scheduled when a file is
made, and `manage.py prune_jobs` for cron) deletes them after that.
"""

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import FilterSet
from django_tasks import default_task_backend
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist

from base.spreadsheets import xlsx_write
from infra import registry
from infra.models import Job

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1

T = TypeVar("T")

FAILED_MESSAGE = gettext_lazy(
    "The job failed. Please try again; if it fails again, tell the administrator."
)
DIED_MESSAGE = gettext_lazy(
    "The job stopped: the background worker running it went away. Please try again."
)
NO_WORKER_MESSAGE = gettext_lazy(
    "No background worker took the job in time. Please try again later, "
    "or tell the administrator that no worker is running."
)


class JobFailed(Exception):
    """A failure the asker should read about: its message (translated) becomes the job's."""


class JobAbandoned(Exception):
    """The job was declared dead (or finished) while this worker still ran it: stop."""


def start(
    kind: str,
    *,
    user: User | None,
    task: Task[[int], None],
    params: dict[str, Any] | None = None,
    total: int = 0,
    ip: str | None = None,
) -> Job:
    """Create the job and queue its task (the task receives the job's id).

    Rule: the kind is one a feature registered (infra.registry); another raises Unregistered.
    """
    registry.require_job_kind(kind)
    job = Job.objects.create(kind=kind, user=user, params=params or {}, total=total, ip_address=ip)
    result = task.enqueue(job.pk)
    job.task_id = str(result.id)[:64]
    Job.objects.filter(pk=job.pk).update(task_id=job.task_id)
    return job


def more_rows_than(queryset: QuerySet[Any], threshold: int) -> bool:
    """Whether the query has more than `threshold` rows, reading at most one past it (a
    request deciding to hand an export to a worker must not count the prefecture)."""
    return bool(queryset.order_by().values("pk")[threshold : threshold + 1].exists())


def files_dir() -> Path:
    path = Path(settings.JOB_FILES_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(job: Job) -> Path | None:
    """Where a job's finished file is, or None (never made, or removed)."""
    if not job.file:
        return None
    path = Path(settings.JOB_FILES_DIR) / job.file
    return path if path.is_file() else None


class Progress:
    """Rows done of rows in all. The work only counts here; the heartbeat thread writes it.

    The work's own connection never writes while it works: on SQLite a connection still
    reading a query's rows (an export streams them) may not write once another connection
    has written (WAL: its snapshot is stale), and inside an import's transaction a write
    would be seen by nobody before the commit.
    """

    def __init__(self, job: Job):
        self.job = job
        self.abandoned = False

    def set_total(self, total: int) -> None:
        self.job.total = total
        self._check()

    def advance(self, rows: int = 1) -> None:
        self.job.done += rows
        self._check()

    def _check(self) -> None:
        if self.abandoned:
            raise JobAbandoned(self.job.pk)


def _mine(job: Job) -> QuerySet[Job]:
    """The job, if it still runs as this attempt."""
    return Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts)


def _write_progress(job: Job) -> None:
    updated = _mine(job).update(done=job.done, total=job.total, heartbeat_at=timezone.now())
    if not updated:
        raise JobAbandoned(job.pk)


def _on_own_connection(write: Callable[[], object]) -> None:
    """Run a write on a connection of its own (a thread's), unless inside a transaction
    (tests), where the work's connection is the only one that sees the job."""
    if connection.in_atomic_block:
        write()
        return
    errors: list[Exception] = []

    def target() -> None:
        from django.db import connection as own

        try:
            write()
        except Exception as error:  # handed to the caller below
            errors.append(error)
        finally:
            own.close()

    thread = threading.Thread(target=target, name="job-write")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@contextlib.contextmanager
def _heartbeat(progress: Progress) -> Iterator[None]:
    """A thread that writes the job's progress and a sign of life every HEARTBEAT_SECONDS,
    on its own database connection, while the work runs (even inside a long transaction)."""
    job = progress.job
    if connection.in_atomic_block:
        # Called inside a transaction (tests): another connection would wait on its locks.
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        from django.db import connection as own

        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                try:
                    _write_progress(job)
                except JobAbandoned:
                    progress.abandoned = True
                    return
                except DatabaseError:
                    logger.warning("job %s: heartbeat not written", job.pk, exc_info=True)
        finally:
            own.close()

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)


def run(job_id: int, work: Callable[[Job, Progress], None]) -> None:
    """Run a job's work once; a failure leaves the job failed with a message in Chinese."""
    translation.activate(settings.LANGUAGE_CODE)
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        logger.info("job %s: already taken or given up, not run again", job_id)
        return
    job = Job.objects.get(pk=job_id)
    progress = Progress(job)
    try:
        with _heartbeat(progress):
            work(job, progress)
    except JobAbandoned:
        logger.warning("job %s: declared dead while it ran; its work is dropped", job_id)
        _remove_partial(job)
    except JobFailed as error:
        _report_failure(job, str(error))
    except Exception:
        _report_failure(job, str(FAILED_MESSAGE))
        raise  # the task's own result keeps the traceback (admin: task results)
    else:
        if _mine(job).exists():
            finish(job)


def _report_failure(job: Job, message: str) -> None:
    try:
        fail(job, message)
    except DatabaseError:
        # The database is away (a restart): the job stays "running" until it is found
        # silent (JOB_STALE_SECONDS) and reported failed then.
        logger.exception("job %s: its failure could not be written", job.pk)


def new_file(job: Job, suffix: str) -> Path:
    """A fresh path for the job's file, under a name nobody can guess or reuse."""
    name = f"{job.pk}-{uuid.uuid4().hex}{suffix}"
    job.file = name
    return files_dir() / (name + ".part")


def finish(job: Job, *, filename: str = "", result: dict[str, Any] | None = None) -> None:
    """Mark the job done (its file, if any, becomes downloadable).

    Inside the work's transaction this commits with the work; if the job was declared dead
    meanwhile, JobAbandoned rolls the work back.
    """
    now = timezone.now()
    expires = None
    if job.file:
        part = files_dir() / (job.file + ".part")
        if part.exists():
            part.rename(files_dir() / job.file)
        expires = now + timedelta(hours=settings.JOB_FILE_RETENTION_HOURS)
    updated = _mine(job).update(
        status=Job.Status.DONE,
        done=job.total or job.done,
        total=job.total,
        file=job.file,
        filename=filename[:200],
        result=result or {},
        finished_at=now,
        heartbeat_at=now,
        expires_at=expires,
    )
    if not updated:
        raise JobAbandoned(job.pk)
    job.status = Job.Status.DONE
    if expires is not None:
        # Delete the file when it expires, as long as a worker runs (cron: prune_jobs).
        from infra.tasks import cleanup_jobs

        # In the same transaction as "done": both are committed, or neither.
        cleanup_jobs.using(run_after=expires + timedelta(seconds=5)).enqueue()


def fail(job: Job, message: str) -> None:
    # On a connection of its own: the work's may still hold the rows it was reading.
    _on_own_connection(
        lambda: _mine(job).update(
            status=Job.Status.FAILED, error=message[:300], finished_at=timezone.now()
        )
    )
    job.status = Job.Status.FAILED
    _remove_partial(job)


def _remove_partial(job: Job) -> None:
    if job.file:
        with contextlib.suppress(OSError):
            (Path(settings.JOB_FILES_DIR) / (job.file + ".part")).unlink(missing_ok=True)


def _stale(now: datetime) -> tuple[QuerySet[Job], QuerySet[Job]]:
    died = Job.objects.filter(
        status=Job.Status.RUNNING,
        heartbeat_at__lt=now - timedelta(seconds=settings.JOB_STALE_SECONDS),
    )
    # Waiting since it was asked for, or since it was queued again (heartbeat_at).
    never_taken = Job.objects.alias(waiting_since=Coalesce("heartbeat_at", "created_at")).filter(
        status=Job.Status.QUEUED,
        waiting_since__lt=now - timedelta(minutes=settings.JOB_QUEUE_TIMEOUT_MINUTES),
    )
    return died, never_taken


def check_stale(now: datetime | None = None, pk: int | None = None) -> int:
    """Queue again the jobs whose worker died (failed once they had JOB_MAX_ATTEMPTS runs);
    report the jobs no worker took as failed. How many jobs changed."""
    now = now or timezone.now()
    died, never_taken = _stale(now)
    if pk is not None:
        died, never_taken = died.filter(pk=pk), never_taken.filter(pk=pk)
    count = 0
    for job in died.filter(attempts__lt=settings.JOB_MAX_ATTEMPTS):
        count += _queue_again(job, now)
    with translation.override(settings.LANGUAGE_CODE):
        count += died.update(status=Job.Status.FAILED, error=str(DIED_MESSAGE), finished_at=now)
        count += never_taken.update(
            status=Job.Status.FAILED, error=str(NO_WORKER_MESSAGE), finished_at=now
        )
    return count


def _queue_again(job: Job, now: datetime) -> int:
    """Put a dead worker's job back in the queue, with a new task for the same function."""
    with transaction.atomic():
        # Only the caller that moves it back queues the task (two pages may poll at once).
        moved = _mine(job).update(status=Job.Status.QUEUED, done=0, heartbeat_at=now)
        if not moved:
            return 0
        try:
            task = default_task_backend.get_result(job.task_id).task
        except TaskResultDoesNotExist:
            # The queue's record is gone (pruned): nothing to run again.
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.FAILED, error=str(DIED_MESSAGE), finished_at=now
            )
            return 1
        result = task.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    # The dead run's unfinished file: the next run writes one of its own.
    for part in Path(settings.JOB_FILES_DIR).glob(f"{job.pk}-*.part"):
        part.unlink(missing_ok=True)
    logger.warning("job %s: its worker went away; queued again (run %s)", job.pk, job.attempts + 1)
    return 1


def refresh(job: Job) -> Job:
    """The job as it stands, a dead worker's job reported failed."""
    if not job.is_finished and check_stale(pk=job.pk):
        job.refresh_from_db()
    return job


def cleanup(now: datetime | None = None) -> dict[str, int]:
    """Report dead jobs failed, delete expired files and files no job owns any more."""
    now = now or timezone.now()
    failed = check_stale(now)
    expired = 0
    for job in Job.objects.filter(expires_at__lte=now).exclude(file=""):
        with contextlib.suppress(FileNotFoundError):
            (Path(settings.JOB_FILES_DIR) / job.file).unlink()
        Job.objects.filter(pk=job.pk).update(file="")
        expired += 1
    orphans = 0
    directory = Path(settings.JOB_FILES_DIR)
    if directory.is_dir():
        kept = set(Job.objects.exclude(file="").values_list("file", flat=True))
        running = set(Job.objects.filter(status=Job.Status.RUNNING).values_list("pk", flat=True))
        for path in directory.iterdir():
            name = path.name.removesuffix(".part")
            owner = name.split("-", 1)[0]
            if not path.is_file() or (path.name == name and name in kept):
                continue
            if owner.isdigit() and int(owner) in running:
                continue  # being written
            path.unlink(missing_ok=True)
            orphans += 1
    return {"failed": failed, "expired": expired, "orphans": orphans}


def describe(job: Job) -> str:
    """One line for the access log: what the job took out."""
    query = job.params.get("query") or "-"
    return _("%(kind)s (background job #%(pk)d), filter: %(query)s") % {
        "kind": job.kind_label,
        "pk": job.pk,
        "query": query,
    }


def write_export(
    job: Job,
    progress: Progress,
    *,
    filterset: FilterSet,
    rows: Callable[[QuerySet[Any]], Iterable[Sequence[Any]]],
    sheet: tuple[str, Sequence[str], str],
) -> None:
    """An export's work: the rows of the filter's queryset (`rows(queryset)`) into an .xlsx
    file, counted into the progress as they are written. `sheet`: (title, headers, the
    name the file downloads as)."""
    if filterset.is_bound and not filterset.is_valid():
        raise JobFailed(_("The filter of this export is no longer valid."))
    title, headers, filename = sheet
    queryset = filterset.qs
    progress.set_total(queryset.count())
    path = new_file(job, ".xlsx")
    xlsx_write(path, title, headers, counted(rows(queryset), progress))
    finish(job, filename=filename)


def counted(rows: Iterable[T], progress: Progress) -> Iterator[T]:
    """The rows, counting each one into the job's progress as it is written."""
    for row in rows:
        yield row
        progress.advance()
