"""The registry's background tasks: a large households export, a large roster import.

django-tasks (the backport of Django 6's django.tasks; on Django 6 the import becomes
`from django.tasks import task`). Each takes its job's id; infra/jobs.py runs it once.
"""

from functools import partial

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from households import access, exports, importing
from infra import jobs
from infra.registry import register_job_kind

EXPORT_HOUSEHOLDS = register_job_kind("export_households", gettext_lazy("Households export"))


@task()
def export_households(job_id: int) -> None:
    jobs.run(job_id, _export_households)


def _export_households(job, progress) -> None:
    if not access.can_manage_rosters(job.user):
        raise jobs.JobFailed(_("You may no longer export the registry."))
    filterset = exports.household_filter(
        job.user, QueryDict(job.params.get("query", "")), export=True
    )
    jobs.write_export(
        job,
        progress,
        filterset=filterset,
        rows=exports.household_rows,
        sheet=(exports.SHEET_TITLE, exports.EXPORT_HEADERS, exports.filename(filterset)),
    )


@task()
def import_households(job_id: int) -> None:
    jobs.run(job_id, partial(importing.run_import_job, roster=importing.HOUSEHOLDS))
