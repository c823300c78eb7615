"""The casebook's background task: the overdue reminders (django-tasks; on Django 6 the
import becomes `from django.tasks import task`)."""

from django.utils.translation import gettext_lazy
from django_tasks import task

from casebook import reminders
from infra import jobs
from infra.registry import register_job_kind

REMIND_OVERDUE = register_job_kind("remind_overdue", gettext_lazy("Overdue reminders"))


@task()
def remind_overdue(job_id: int) -> None:
    jobs.run(job_id, _remind)


def _remind(job, progress) -> None:
    result = reminders.send_overdue_reminders(
        email=bool(job.params.get("email")),
        sms=bool(job.params.get("sms", True)),
        on_total=progress.set_total,
        on_owner=progress.advance,
    )
    jobs.finish(job, result=result)
