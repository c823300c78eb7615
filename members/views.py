from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from base.forms import RetireForm
from base.query import FlagField, IdField, parse_query, require_valid_filter
from base.redirects import safe_next
from base.spreadsheets import xlsx_response
from households.forms import HouseholdRetireForm
from households.models import HouseholdStatus
from infra import jobs
from infra.audit import client_ip, log_access
from members import access, exports, mapping, selectors, services, tasks
from members.filters import MemberFilter
from members.forms import (
    AssignForm,
    EndLinkForm,
    MemberRetireForm,
    PartyMemberForm,
    ProposalApplyForm,
    ProposalSettingsForm,
)
from members.proposal import ProposalInfeasible, propose

PAGE_SIZE = 50


def _filtered_members(request: HttpRequest) -> MemberFilter:
    return exports.member_filter(request.user, request.GET)


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
            "map": mapping.drawn_map(member.village, highlight=member),
            "can_board": access.can_manage_village(request.user, member.village_id),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a member (/members/new/) or edit one (/members/<pk>/edit/)."""
    member = None if pk is None else access.managed_member_for(request.user, pk)
    access.require(access.can_manage_rosters(request.user))
    form = PartyMemberForm(request.POST or None, instance=member, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = services.member_save(member=form.save(commit=False), by=request.user)
        if member is None:
            messages.success(request, _("Member %(name)s added.") % {"name": saved})
        else:
            messages.success(request, _("Saved."))
        return redirect("members:detail", pk=saved.pk)
    return render(request, "members/form.html", {"form": form, "member": member})


@dataclass(frozen=True)
class Retiring:
    """What retiring one kind of row takes; its URL passes it to `retire`, as the import
    URLs pass their roster."""

    row_for: Callable  # (user, pk) -> the row the user manages, else 404
    form_class: type[RetireForm]
    service: Callable  # the members service, taking the row as `keyword`
    keyword: str
    done: str  # what the user reads once it is done
    page: str  # the row's page, where the user goes back to


# A household's retirement ends its link: a change of this floor, asked from its page.
RETIRE_HOUSEHOLD = Retiring(
    access.managed_household_for,
    HouseholdRetireForm,
    services.household_retire,
    "household",
    gettext_lazy("The household has left the roster; its link has ended."),
    "households:detail",
)
RETIRE_MEMBER = Retiring(
    access.managed_member_for,
    MemberRetireForm,
    services.member_retire,
    "member",
    gettext_lazy("The member is retired; their households now need a new member."),
    "members:detail",
)


@login_required
@require_POST
def retire(request: HttpRequest, pk: int, kind: Retiring) -> HttpResponse:
    """Take a household (moved out, merged…) or a member off the roster, with a day and a
    reason; the links they were in end with it."""
    row = kind.row_for(request.user, pk)
    access.require(access.can_manage_rosters(request.user))
    form = kind.form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(kind.page, pk=row.pk)
    try:
        kind.service(**{kind.keyword: row}, by=request.user, **form.cleaned_data)
    except services.MembersError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, kind.done)
    return redirect(kind.page, pk=row.pk)


@login_required
@require_safe
def member_export(request: HttpRequest) -> HttpResponse:
    """The filtered roster as .xlsx; more than EXPORT_TASK_THRESHOLD rows: a background job."""
    access.require(access.can_manage_rosters(request.user))
    filterset = exports.member_filter(request.user, request.GET, export=True)
    require_valid_filter(filterset)
    queryset = filterset.qs
    if jobs.more_rows_than(queryset, settings.EXPORT_TASK_THRESHOLD):
        # The worker counts the rows: here, only whether there are more than the threshold.
        job = jobs.start(
            tasks.EXPORT_MEMBERS,
            user=request.user,
            task=tasks.export_members,
            params={"query": request.GET.urlencode()},
            ip=client_ip(request),
        )
        return redirect("job", pk=job.pk)
    count = queryset.count()
    log_access(
        request,
        action=services.EXPORTED_MEMBERS,
        description=_("Members export, filter: %(query)s")
        % {"query": request.GET.urlencode() or "-"},
        record_count=count,
    )
    return xlsx_response(
        exports.filename(filterset),
        exports.SHEET_TITLE,
        exports.EXPORT_HEADERS,
        exports.member_rows(queryset),
        fallback=exports.FALLBACK_FILENAME,
    )


# --- The assignment board -------------------------------------------------------------------


class BoardQuery(forms.Form):
    group = IdField()  # ?group=<id>: one group's households
    fresh = FlagField()  # ?fresh=1: a proposal from scratch, not keeping today's links


def _board_village(request: HttpRequest, village_pk: int):
    village = access.village_for(request.user, village_pk)
    access.require(access.can_manage_village(request.user, village.pk))
    return village


@login_required
@require_safe
def board_index(request: HttpRequest) -> HttpResponse:
    village = access.managed_villages(request.user).first()
    access.require(village is not None)
    return redirect("members:board", village_pk=village.pk)


@login_required
@require_safe
def board(request: HttpRequest, village_pk: int) -> HttpResponse:
    village = _board_village(request, village_pk)
    query = parse_query(request, BoardQuery)
    members = list(selectors.members_with_load(village))
    rows = selectors.board_rows(village)
    shown = [row for row in rows if row.group_id == query["group"]] if query["group"] else rows
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "members/board.html",
        {
            "village": village,
            "villages": access.managed_villages(request.user),
            "groups": village.groups.all(),
            "members": members,
            "unassigned": selectors.board_unassigned(rows),
            "page": page,
            "map": mapping.drawn_map(village),
        },
    )


@login_required
@require_POST
def board_assign(request: HttpRequest, village_pk: int) -> HttpResponse:
    village = _board_village(request, village_pk)
    form = AssignForm(request.POST, members=selectors.members_with_load(village))
    household = None
    if form.is_valid():
        household = access.get_or_404(
            access.households(request.user).filter(village=village),
            pk=form.cleaned_data["household"],
        )
        try:
            services.assignment_assign(
                household=household,
                member=form.cleaned_data["member"],
                by=request.user,
                note=form.cleaned_data["note"],
                capacity_override=form.cleaned_data["capacity_override"],
                expected_member_id=form.cleaned_data["current"],
            )
        except services.MembersError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(household)s is now linked to %(member)s.")
                % {"household": household.head_name, "member": form.cleaned_data["member"]},
            )
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    if request.headers.get("HX-Request"):
        return render(request, "members/_board_flash.html", {"household": household})
    return redirect(safe_next(request, reverse("members:board", args=[village.pk])))


@login_required
@require_http_methods(["GET", "POST"])
def household_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Change or end one household's link, with its history in view."""
    household = access.household_for(request.user, pk)
    access.require(access.can_manage_village(request.user, household.village_id))
    members = selectors.members_with_load(household.village)
    current = selectors.open_links().filter(household=household).first()
    end_form = EndLinkForm(request.POST if request.POST.get("action") == "end" else None)
    if end_form.is_bound and end_form.is_valid():
        try:
            services.assignment_end(
                household=household, by=request.user, reason=end_form.cleaned_data["reason"]
            )
        except services.MembersError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The link has ended; the household shows as unassigned."))
            return redirect("members:board", village_pk=household.village_id)
    return render(
        request,
        "members/household_link.html",
        {
            "household": household,
            "assign_form": AssignForm(
                initial={
                    "household": household.pk,
                    "current": current.member_id if current else None,
                },
                members=members,
            ),
            "end_form": end_form if end_form.is_bound else EndLinkForm(),
            "history": household.assignments.select_related("member", "assigned_by").order_by(
                "-started_on", "-id"
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal(request: HttpRequest, village_pk: int) -> HttpResponse:
    """The automatic proposal in independent groups; staff tick groups and apply them."""
    village = _board_village(request, village_pk)
    settings = ProposalSettingsForm(request.POST if request.method == "POST" else request.GET)
    ticked, refused = set(), {}
    if request.method == "POST":
        applied, ticked, refused = _apply_ticked(request, village)
        if applied:
            url, query = reverse("members:proposal", args=[village.pk]), settings.query()
            return redirect(f"{url}?{query}" if query else url)
    return render(
        request,
        "members/proposal.html",
        _proposal_context(request, village, settings, ticked, refused),
    )


def _apply_ticked(request, village) -> tuple[bool, set[str], dict[str, str]]:
    """Apply the ticked groups: (applied, the ticks to show again, {refused group: reason})."""
    form = ProposalApplyForm(request.POST)
    ticked = form.keys()
    if not form.is_valid():
        messages.error(request, form.errors["group"][0])
        return False, ticked, {}
    groups = form.cleaned_data["group"]
    try:
        moved = services.proposal_apply_groups(village=village, groups=groups, by=request.user)
    except services.GroupsRefused as error:
        refused = _name_refused(request, village, groups, error)
        return False, ticked - set(refused), refused
    messages.success(
        request,
        _(
            "%(groups)d groups applied: %(moved)d households have a new member and "
            "%(moved)d cards need reprinting."
        )
        % {"groups": len(groups), "moved": moved},
    )
    return True, set(), {}


def _proposal_context(request, village, settings, ticked, refused) -> dict:
    move_price, priority_weight, balance = settings.values()
    context = {
        "village": village,
        "settings": settings,
        "ticked": ticked,
        "refused": refused,
        "stale_cards": selectors.stale_cards(
            access.households(request.user).filter(village=village, status=HouseholdStatus.ACTIVE)
        ),
        "can_print": access.can_manage_rosters(request.user),
        # What the inputs show: what was typed (with its error), else the plan's values.
        "price_value": settings.data.get("move_price") or f"{move_price:g}",
        "weight_value": settings.data.get("priority_weight") or f"{priority_weight:g}",
        "balance_value": settings.data.get("balance") or f"{balance:g}",
        "move_price": f"{move_price:g}",
        "priority_weight": f"{priority_weight:g}",
        "balance": f"{balance:g}",
    }
    try:
        plan = propose(
            village, move_price=move_price, priority_weight=priority_weight, balance=balance
        )
    except ProposalInfeasible as error:
        context["problem"] = str(error)
        return context
    chosen = [g for g in plan.groups if g.key in ticked]
    context.update(
        proposal=plan,
        map=mapping.proposal_map(plan),
        ticked_count={
            "groups": len(chosen),
            "moves": sum(len(g.changes) for g in chosen),
            "cards": sum(g.cards for g in chosen),
        },
    )
    return context


def _name_refused(request, village, groups, error) -> dict[str, str]:
    """Say which ticked groups were refused, and why; {group key: reason} for the page."""
    labels = selectors.household_labels(
        access.households(request.user).filter(village=village),
        [h for index, _reason in error.refused for h, _old, _new in groups[index]],
    )
    refused = {}
    for index, reason in error.refused:
        names = "、".join(labels.get(h, str(h)) for h, _old, _new in groups[index][:3])
        if len(groups[index]) > 3:
            names += _(" and %(n)d more") % {"n": len(groups[index]) - 3}
        messages.error(
            request,
            _("The group of %(households)s was not applied: %(reason)s")
            % {"households": names, "reason": reason},
        )
        refused[request.POST.getlist("group")[index]] = reason
    messages.error(
        request,
        _(
            "Nothing was applied. Your other ticks are kept and the refused groups are "
            "unticked: look at the plan again and apply."
        ),
    )
    return refused
