"""A background job's page (a progress bar its script refreshes from the status endpoint),
its status as JSON, and its file for download: the asker's only (anyone else: 404), each
download written into the access log."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from casebook.tasks import REMIND_OVERDUE
from households import access
from households import services as household_services
from households.importing import IMPORT_HOUSEHOLDS
from households.tasks import EXPORT_HOUSEHOLDS
from infra import jobs
from infra.audit import log_access
from infra.models import Job
from members import services as member_services
from members.importing import IMPORT_MEMBERS
from members.tasks import EXPORT_MEMBERS

ROSTER_KINDS = {
    EXPORT_HOUSEHOLDS: "households:list",
    EXPORT_MEMBERS: "members:list",
    IMPORT_HOUSEHOLDS: "households:list",
    IMPORT_MEMBERS: "members:list",
}
EXPORT_ACTIONS = {
    EXPORT_HOUSEHOLDS: household_services.EXPORTED_HOUSEHOLDS,
    EXPORT_MEMBERS: member_services.EXPORTED_MEMBERS,
}


def _job_for(request: HttpRequest, pk: int) -> Job:
    """The user's own job (another's, even in the same village: 404), still in their rights."""
    job = access.get_or_404(Job.objects.filter(user=request.user), pk=pk)
    if job.kind in ROSTER_KINDS:
        access.require(access.can_manage_rosters(request.user))
    return jobs.refresh(job)


def _rows(number: int) -> str:
    return number_format(number, force_grouping=True)


def _state(job: Job) -> dict:
    """What the page shows of the job; the status endpoint sends the same as JSON."""
    download = ""
    if job.status == Job.Status.DONE and jobs.file_path(job) is not None:
        download = reverse("job-download", args=[job.pk])
    if job.status == Job.Status.QUEUED:
        text = _("Waiting for a background worker…")
    elif job.status == Job.Status.RUNNING:
        if job.kind in (IMPORT_HOUSEHOLDS, IMPORT_MEMBERS):
            text = _("Checked and written: %(done)s of %(total)s rows")
        else:
            text = _("%(done)s of %(total)s rows")
        text %= {"done": _rows(job.done), "total": _rows(job.total)}
    elif job.status == Job.Status.FAILED:
        text = job.error or str(jobs.FAILED_MESSAGE)
    elif job.kind in EXPORT_ACTIONS:
        if download:
            text = _("Ready: %(total)s rows. The file is kept until %(until)s.") % {
                "total": _rows(job.total),
                # As the page's own "asked at": 2026年11月30日 22:46 in Chinese.
                "until": date_format(timezone.localtime(job.expires_at), "DATETIME_FORMAT"),
            }
        else:
            text = _("The file was deleted after %(hours)d hours. Export again.") % {
                "hours": settings.JOB_FILE_RETENTION_HOURS
            }
    elif job.kind == REMIND_OVERDUE:
        text = _("%(owners)d owners with overdue requests; %(sent)d emails sent.") % {
            "owners": job.result.get("owners", 0),
            "sent": job.result.get("sent", 0),
        }
    else:
        text = _("Imported: %(create)d added, %(update)d updated, %(unchanged)d unchanged.") % {
            key: job.result.get(key, 0) for key in ("create", "update", "unchanged")
        }
    return {
        "status": job.status,
        "finished": job.is_finished,
        "failed": job.status == Job.Status.FAILED,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "text": text,
        "download": download,
    }


@never_cache
@login_required
@require_safe
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    back = ROSTER_KINDS.get(job.kind)
    return render(
        request,
        "liaison/job.html",
        {"job": job, "state": _state(job), "back_url": reverse(back) if back else ""},
    )


@never_cache
@login_required
@require_safe
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_state(_job_for(request, pk)))


@login_required
@require_safe
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job_for(request, pk)
    path = jobs.file_path(job) if job.status == Job.Status.DONE else None
    if path is None or job.kind not in EXPORT_ACTIONS:
        raise Http404
    log_access(
        request,
        action=EXPORT_ACTIONS[job.kind],
        description=jobs.describe(job),
        record_count=job.total,
    )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.filename or path.name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
