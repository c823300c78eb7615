from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from base.query import require_valid_filter
from base.spreadsheets import xlsx_response
from households import access, cards, exports, importing, selectors, services, tasks
from households.filters import HouseholdFilter
from households.forms import (
    CardSelectionForm,
    HouseholdForm,
    HouseholdRetireForm,
    RosterUploadForm,
    SmsConsentForm,
)
from households.models import ConsentVia, HouseholdStatus, RosterUpload
from infra import jobs
from infra.audit import client_ip, log_access
from infra.models import Job

PAGE_SIZE = 50


def _filtered_households(request: HttpRequest) -> HouseholdFilter:
    return exports.household_filter(request.user, request.GET)


@login_required
@require_safe
def household_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered_households(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # The page's rows as plain values (the count above stays a bare COUNT(*)).
    page.object_list = selectors.list_rows(page.object_list.values(*selectors.LIST_ROW_VALUES))
    return render(
        request,
        "households/list.html",
        {
            "filter": filterset,
            "page": page,
            "can_manage": access.can_manage_rosters(request.user),
        },
    )


@login_required
@require_safe
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = access.household_for(request.user, pk)
    context = selectors.household_page(household)
    scope = access.scope_for(request.user)
    current = context.get("current")
    context.update(
        household=household,
        can_manage=access.can_manage_rosters(request.user),
        # Staff of the village and the household's member record its answer about texts
        # (access.recordable_households); a county role only reads it.
        can_record=scope.manages(household.village_id)
        or bool(scope.member_id and current and current.member_id == scope.member_id),
        retire_form=HouseholdRetireForm(),
        consent_form=SmsConsentForm(),
    )
    return render(request, "households/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def household_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a household (/households/new/) or edit one (/households/<pk>/edit/)."""
    household = None if pk is None else access.managed_household_for(request.user, pk)
    access.require(access.can_manage_rosters(request.user))
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = services.household_save(household=form.save(commit=False), by=request.user)
        if household is None:
            messages.success(request, _("Household %(name)s added.") % {"name": saved})
        else:
            messages.success(request, _("Saved."))
        return redirect("households:detail", pk=saved.pk)
    return render(request, "households/form.html", {"form": form, "household": household})


@login_required
@require_POST
def household_reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    household = access.managed_household_for(request.user, pk)
    access.require(access.can_manage_rosters(request.user))
    try:
        services.household_reinstate(household=household, by=request.user)
    except services.RegistryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The household is back on the roster. Link it to a member."))
    return redirect("households:detail", pk=household.pk)


@login_required
@require_safe
def household_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as .xlsx with the import template's columns first (round trip).

    More than EXPORT_TASK_THRESHOLD rows: a background job, and its progress page.
    """
    access.require(access.can_manage_rosters(request.user))
    filterset = exports.household_filter(request.user, request.GET, export=True)
    require_valid_filter(filterset)
    queryset = filterset.qs
    if jobs.more_rows_than(queryset, settings.EXPORT_TASK_THRESHOLD):
        # The worker counts the rows: here, only whether there are more than the threshold.
        job = jobs.start(
            tasks.EXPORT_HOUSEHOLDS,
            user=request.user,
            task=tasks.export_households,
            params={"query": request.GET.urlencode()},
            ip=client_ip(request),
        )
        return redirect("job", pk=job.pk)
    count = queryset.count()
    log_access(
        request,
        action=services.EXPORTED_HOUSEHOLDS,
        description=_("Households export, filter: %(query)s")
        % {"query": request.GET.urlencode() or "-"},
        record_count=count,
    )
    return xlsx_response(
        exports.filename(filterset),
        exports.SHEET_TITLE,
        exports.EXPORT_HEADERS,
        exports.household_rows(queryset),
        fallback=exports.FALLBACK_FILENAME,
    )


# --- Roster import: the household and member rosters share these views ---------------------
# Each URL passes its roster (households.importing.HOUSEHOLDS, members.importing.MEMBERS).


@login_required
@require_safe
def import_template(request: HttpRequest, roster: importing.Roster) -> HttpResponse:
    access.require(access.can_manage_rosters(request.user))
    return xlsx_response(
        f"{roster.kind}-template.xlsx", str(roster.label), roster.headers, [roster.example]
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, roster: importing.Roster) -> HttpResponse:
    access.require(access.can_manage_rosters(request.user))
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = RosterUpload.objects.create(
            kind=roster.kind,
            uploaded_by=request.user,
            filename=form.cleaned_data["file"].name[:200],
            content=form.cleaned_data["content"],
            row_count=form.cleaned_data["row_count"],
        )
        return redirect(f"{roster.kind}:import-preview", pk=upload.pk)
    return render(
        request,
        "households/import_upload.html",
        {"form": form, "kind": roster.kind, "kind_label": roster.label},
    )


def _upload_for(request: HttpRequest, roster: importing.Roster, pk: int) -> RosterUpload:
    access.require(access.can_manage_rosters(request.user))
    # An upload is its uploader's own: nobody else previews or applies it.
    return access.get_or_404(
        RosterUpload.objects.filter(uploaded_by=request.user, kind=roster.kind), pk=pk
    )


def _import_job(
    request: HttpRequest, roster: importing.Roster, upload: RosterUpload, rows: int
) -> Job:
    """The background job applying this upload: the one already under way (a second click
    joins it), else a new one."""
    with transaction.atomic():
        RosterUpload.objects.select_for_update().get(pk=upload.pk)
        job = Job.objects.filter(
            kind=roster.job_kind,
            user=request.user,
            params__upload=upload.pk,
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
        ).first()
        if job is None:
            job = jobs.start(
                roster.job_kind,
                user=request.user,
                task=import_string(roster.task_path),
                params={"upload": upload.pk, "filename": upload.filename},
                total=rows,
                ip=client_ip(request),
            )
    return job


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, roster: importing.Roster, pk: int) -> HttpResponse:
    upload = _upload_for(request, roster, pk)
    confirmed = request.method == "POST" and upload.applied_at is None
    if confirmed and (upload.row_count or 0) > settings.IMPORT_TASK_THRESHOLD:
        # A large file: the worker reads and applies it; this request only queues the job.
        return redirect("job", pk=_import_job(request, roster, upload, upload.row_count).pk)
    headers, rows = importing.read_upload(upload)
    if confirmed:
        if len(rows) > settings.IMPORT_TASK_THRESHOLD:  # uploaded before rows were counted
            return redirect("job", pk=_import_job(request, roster, upload, len(rows)).pk)
        try:
            plan = importing.upload_apply(
                roster=roster,
                upload=upload,
                headers=headers,
                rows=rows,
                user=request.user,
                ip=client_ip(request),
            )
        except importing.ImportRejected as error:
            messages.error(request, str(error))
        else:
            counts = plan.counts
            messages.success(
                request,
                _("Imported: %(create)d added, %(update)d updated, %(unchanged)d unchanged.")
                % counts,
            )
            return redirect(f"{roster.kind}:list")
    plan = importing.plan_import(roster, headers, rows, request.user)
    # The background job that applies (or applied, or failed to apply) this file, if any.
    job = (
        Job.objects.filter(kind=roster.job_kind, user=request.user, params__upload=upload.pk)
        .order_by("-pk")
        .first()
    )
    return render(
        request,
        "households/import_preview.html",
        {
            "upload": upload,
            "plan": plan,
            "kind": roster.kind,
            "kind_label": roster.label,
            "job": job,
        },
    )


# --- Heart-link cards -----------------------------------------------------------------------

CARDS_PER_SHEET = 8


@login_required
@require_safe
def card_sheets(request: HttpRequest) -> HttpResponse:
    """Choose the cards to print; see which printed cards are out of date."""
    access.require(access.can_manage_rosters(request.user))
    households = access.managed_households(request.user).filter(status=HouseholdStatus.ACTIVE)
    stale = CardSelectionForm({"stale": True}, user=request.user)
    stale.is_valid()
    stale_households = stale.select(households).select_related("village", "group")
    page = Paginator(stale_households.order_by("village__code", "number"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "households/cards.html",
        {"form": CardSelectionForm(user=request.user), "page": page},
    )


@login_required
@require_POST
def card_print(request: HttpRequest) -> HttpResponse:
    """The printable sheet (A4, eight cards a page); printing is logged and marks the cards."""
    access.require(access.can_manage_rosters(request.user))
    form = CardSelectionForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose which cards to print."))
        return redirect("households:cards")
    households = form.select(
        access.managed_households(request.user).filter(status=HouseholdStatus.ACTIVE)
    )
    rows = cards.card_rows(households)
    if not rows:
        messages.error(request, _("No card matches this choice."))
        return redirect("households:cards")
    urls = cards.card_urls(request, rows)
    for card, url, svg in zip(rows, urls, cards.qr_svgs(urls), strict=True):
        card.card_url, card.qr = url, svg
    services.cards_mark_printed(
        households=rows,
        by=request.user,
        ip=client_ip(request),
        description=_("Card sheet: %(choice)s") % {"choice": _describe(form)},
    )
    sheets = [rows[i : i + CARDS_PER_SHEET] for i in range(0, len(rows), CARDS_PER_SHEET)]
    lookup_url = cards.public_url(request, reverse("card-lookup")).split("://", 1)[-1]
    return render(
        request,
        "households/card_sheet.html",
        {"sheets": sheets, "count": len(rows), "lookup_url": lookup_url},
    )


def _describe(form: CardSelectionForm) -> str:
    data = form.cleaned_data
    parts = [str(data[k]) for k in ("village", "group") if data.get(k)]
    if data.get("households"):
        parts.append(_("%(n)d chosen households") % {"n": len(data["households"])})
    if data.get("stale"):
        parts.append(_("needing reprint"))
    return "、".join(parts) or _("all villages")


@login_required
@require_POST
def card_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """A lost card: the old QR code stops working at once."""
    household = access.managed_household_for(request.user, pk)
    access.require(access.can_manage_rosters(request.user))
    services.card_rotate(household=household, by=request.user)
    messages.success(
        request, _("The old card no longer works. Print the new card for the household.")
    )
    return redirect("households:detail", pk=household.pk)


@login_required
@require_POST
def household_sms_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff of the household's village and its member record its answer about text
    messages, with a note (not a county role, which only reads it)."""
    household = access.get_or_404(access.recordable_households(request.user), pk=pk)
    form = SmsConsentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("households:detail", pk=household.pk)
    try:
        services.household_sms_consent(
            household=household,
            consent=form.cleaned_data["consent"],
            via=ConsentVia.STAFF,
            by=request.user,
            note=form.cleaned_data["note"],
        )
    except services.RegistryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The household's answer about text messages is recorded."))
    return redirect("households:detail", pk=household.pk)
