from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from liaison import access
from liaison.audit import log_access
from liaison.models import AccessLog
from liaison.spreadsheets import xlsx_response
from members import selectors, services
from members.filters import MemberFilter
from members.forms import MemberRetireForm, PartyMemberForm

PAGE_SIZE = 50


def _filtered_members(request: HttpRequest) -> MemberFilter:
    queryset = selectors.members_annotated(access.members(request.user))
    return MemberFilter(
        request.GET or None,
        queryset=queryset.order_by("village__code", "name", "id"),
        user=request.user,
    )


@login_required
@require_safe
def member_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered_members(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/list.html",
        {"filter": filterset, "page": page, "can_manage": access.can_manage_rosters(request.user)},
    )


@login_required
@require_safe
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = access.member_for(request.user, pk)
    households = list(selectors.member_households(member, access.households(request.user)))
    history = member.assignments.filter(ended_on__isnull=False).select_related("household")
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "households": households,
            "due": [h for h in households if not h.visited_now],
            "history": history.order_by("-ended_on")[:50],
            "can_manage": access.can_manage_rosters(request.user),
            "retire_form": MemberRetireForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest) -> HttpResponse:
    access.require(access.can_manage_rosters(request.user))
    form = PartyMemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        member = services.member_save(member=form.save(commit=False), by=request.user)
        messages.success(request, _("Member %(name)s added.") % {"name": member})
        return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "member": None})


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = access.member_for(request.user, pk)
    access.require(access.can_manage_rosters(request.user))
    form = PartyMemberForm(request.POST or None, instance=member, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.member_save(member=form.save(commit=False), by=request.user)
        messages.success(request, _("Saved."))
        return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "member": member})


@login_required
@require_POST
def member_retire(request: HttpRequest, pk: int) -> HttpResponse:
    member = access.member_for(request.user, pk)
    access.require(access.can_manage_rosters(request.user))
    form = MemberRetireForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("members:detail", pk=member.pk)
    try:
        services.member_retire(member=member, by=request.user, **form.cleaned_data)
    except services.MembersError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The member is retired; their households now need a new member.")
        )
    return redirect("members:detail", pk=member.pk)


EXPORT_HEADERS = [
    "村", "社", "姓名", "性别", "联系电话", "入党日期", "联户上限", "纬度", "经度",
    "状态", "联系户数", "本月走访",
]  # fmt: skip


@login_required
@require_safe
def member_export(request: HttpRequest) -> HttpResponse:
    access.require(access.can_manage_rosters(request.user))
    queryset = _filtered_members(request).qs
    log_access(
        request,
        action=AccessLog.Action.EXPORT_MEMBERS,
        description=_("Members export, filter: %(query)s")
        % {"query": request.GET.urlencode() or "-"},
        record_count=queryset.count(),
    )
    rows = (
        [
            m.village.name,
            m.group.name if m.group else "",
            m.name,
            m.get_gender_display(),
            m.phone,
            m.joined_party_on.isoformat() if m.joined_party_on else "",
            m.capacity,
            m.latitude,
            m.longitude,
            _("Active") if m.is_active else _("Retired"),
            m.load,
            m.visits_now,
        ]  # fmt: skip
        for m in queryset.iterator(chunk_size=2000)
    )
    return xlsx_response("members.xlsx", "党员", EXPORT_HEADERS, rows)
