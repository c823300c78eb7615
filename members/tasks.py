"""The member roster's background tasks: a large export, a large import (django-tasks; on
Django 6 the import becomes `from django.tasks import task`)."""

from functools import partial

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from households.importing import run_import_job
from infra import jobs
from infra.registry import register_job_kind
from members import access, exports
from members.importing import MEMBERS

EXPORT_MEMBERS = register_job_kind("export_members", gettext_lazy("Members export"))


@task()
def export_members(job_id: int) -> None:
    jobs.run(job_id, _export_members)


def _export_members(job, progress) -> None:
    if not access.can_manage_rosters(job.user):
        raise jobs.JobFailed(_("You may no longer export the registry."))
    filterset = exports.member_filter(job.user, QueryDict(job.params.get("query", "")), export=True)
    jobs.write_export(
        job,
        progress,
        filterset=filterset,
        rows=exports.member_rows,
        sheet=(exports.SHEET_TITLE, exports.EXPORT_HEADERS, exports.filename(filterset)),
    )


@task()
def import_members(job_id: int) -> None:
    jobs.run(job_id, partial(run_import_job, roster=MEMBERS))
