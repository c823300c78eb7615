from datetime import timedelta
from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from base.dates import next_month_start
from base.media import bytes_response
from base.query import FlagField, IdField, parse_query, require_valid_filter
from base.redirects import safe_next
from casebook import access, hotspots, selectors, services
from casebook.filters import RequestFilter
from casebook.forms import (
    AssignForm,
    ClusterAgendaForm,
    DecisionFormSet,
    EscalateForm,
    MeetingForm,
    PavilionForm,
    ReplyForm,
    RequestForm,
    TextActionForm,
    VisitCorrectionForm,
    VisitFieldsForm,
    VisitForm,
    VisitSyncForm,
)
from casebook.models import Meeting, MeetingKind, ReplyTemplate, RequestSource
from households.models import HouseholdStatus
from members import selectors as member_selectors
from members.forms import HandoverForm
from members.models import PartyMember
from members.proposal import ProposalInfeasible
from members.services import MembersError

PAGE_SIZE = 50


def _active_households(user):
    """The active households the user may write a notebook entry or a request for."""
    return access.recordable_households(user).filter(status=HouseholdStatus.ACTIVE)


class VillageQuery(forms.Form):
    """?village=<id> (default: the first the user manages), ?mine=1 (a member's own)."""

    village = IdField()
    mine = FlagField()


@login_required
@require_safe
def due(request: HttpRequest) -> HttpResponse:
    """Linked households not yet visited this month: a member's own, or a village's by member."""
    scope = access.scope_for(request.user)
    access.require(scope.is_member or scope.is_staff_level)
    households = access.households(request.user)
    village = None
    if scope.is_staff_level and not parse_query(request, VillageQuery)["mine"]:
        village = _default_village(request)
        households = households.filter(village=village)
    else:
        households = households.filter(access.linked_to_member(scope.member_id))
    rows = list(selectors.households_due(households)[:2000])
    # By member, not by name: two members of a village may well share a name.
    by_member = groupby(rows, key=lambda h: (h.member_id, h.member_name))
    groups = [(name, list(items)) for (_member, name), items in by_member]
    if village:
        follow_ups = Meeting.objects.filter(village=village)
    elif scope.member_id:
        follow_ups = Meeting.objects.filter(follow_up_member_id=scope.member_id)
    else:  # a county role alone: no village of its own, no follow-ups of its own
        follow_ups = Meeting.objects.none()
    follow_ups = selectors.mediation_follow_ups(
        follow_ups, until=next_month_start() - timedelta(days=1)
    )
    return render(
        request,
        "casebook/due.html",
        {
            "groups": groups,
            "count": len(rows),
            "village": village,
            "villages": access.managed_villages(request.user) if village else None,
            "scope": scope,
            "follow_ups": follow_ups,
        },
    )


@login_required
@require_safe
def notebook(request: HttpRequest) -> HttpResponse:
    visits = (
        access.notebook_visits(request.user)
        .select_related("member", "household__group")
        .prefetch_related("duties", "requests")
        .order_by("-visited_on", "-id")
    )
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "casebook/notebook.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest) -> HttpResponse:
    access.require(access.scope_for(request.user).may_write)
    households = _active_households(request.user)
    form = VisitForm(
        request.POST or None,
        households=households,
        initial={"household": request.GET.get("household")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = _visit_submit(request.user, form.cleaned_data)
        except services.CasebookError as error:
            messages.error(request, str(error))
        else:
            name = done.visit.household.head_name
            if done.replayed:
                messages.info(
                    request, _("This visit to %(name)s was already recorded.") % {"name": name}
                )
            else:
                messages.success(request, _("Visit to %(name)s recorded.") % {"name": name})
            if done.request:
                if not done.replayed:
                    messages.success(
                        request, _("Request #%(id)d opened.") % {"id": done.request.pk}
                    )
                return redirect("casebook:request-detail", pk=done.request.pk)
            return redirect("casebook:due")
    return render(
        request, "casebook/visit_form.html", {"form": form, "checks": _offline_checks(form)}
    )


def _visit_submit(user, data: dict) -> services.Submitted:
    """The cleaned visit form (or the phone's entry), recorded by visit_submit."""
    return services.visit_submit(
        client_id=data.get("client_id"),
        by=user,
        household=data["household"],
        entry=_visit_entry(data),
        request_category=data["request_category"] if data["open_request"] else None,
        request_description=data["request_description"],
    )


def _visit_entry(data: dict) -> services.VisitEntry:
    """What the visit form (new or a correction) says the entry is."""
    return services.VisitEntry(
        visited_on=data["visited_on"],
        channel=data["channel"],
        duties=list(data["duties"]),
        notes=data["notes"],
        sanitation=data["sanitation"],
        hazard_found=data["hazard_found"],
        follow_up=data["follow_up"],
    )


def _offline_checks(form) -> dict:
    """The server's own messages for the checks the phone makes before saving offline."""
    return {
        "required": str(form.fields["household"].error_messages["required"]),
        "invalid_date": str(form.fields["visited_on"].error_messages["invalid"]),
        "future": str(VisitFieldsForm.FUTURE),
        "category": str(VisitForm.CHOOSE_CATEGORY),
        "describe": str(VisitForm.DESCRIBE),
    }


@login_required
@require_POST
def visit_sync(request: HttpRequest) -> JsonResponse:
    """One entry from the phone's outbox, recorded exactly once; the answer is JSON.

    201: recorded now; 200: recorded before under the same phone id (a resend); 422: refused,
    with the server's message, which the phone keeps beside the entry to correct or discard.
    """
    access.require(access.scope_for(request.user).may_write)
    form = VisitSyncForm(request.POST, households=_active_households(request.user))
    if not form.is_valid():
        return JsonResponse({"status": "refused", "message": form.refusal()}, status=422)
    try:
        done = _visit_submit(request.user, form.cleaned_data)
    except services.CasebookError as error:
        return JsonResponse({"status": "refused", "message": str(error)}, status=422)
    return JsonResponse(
        {
            "status": "replayed" if done.replayed else "recorded",
            "visit": done.visit.pk,
            "request": done.request.pk if done.request else None,
        },
        status=200 if done.replayed else 201,
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access.get_or_404(
        access.visits(request.user).select_related("household", "member"), pk=pk
    )
    scope = access.scope_for(request.user)
    staff = access.can_manage_village(request.user, visit.household.village_id)
    access.require(services.visit_can_correct(visit, request.user, is_staff_level=staff))
    initial = vars(services.VisitEntry.of(visit))
    form = VisitCorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_correct(
                visit=visit,
                by=request.user,
                is_staff_level=staff,
                entry=_visit_entry(data),
            )
        except services.CasebookError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The entry is corrected; what it said before is kept."))
            return redirect("households:detail", pk=visit.household_id)
    return render(
        request,
        "casebook/visit_edit.html",
        {
            "form": form,
            "visit": visit,
            "revisions": visit.revisions.select_related("changed_by"),
            "scope": scope,
        },
    )


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    filterset = RequestFilter(
        request.GET or None,
        queryset=selectors.inbox(access.requests(request.user)),
        user=request.user,
    )
    require_valid_filter(filterset, names=("replied",))  # hidden: its error would not show
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "casebook/inbox.html",
        {
            "filter": filterset,
            "page": page,
            "labels": selectors.inbox_labels(),
            "texts_capped": selectors.texts_capped(access.villages(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    access.require(access.scope_for(request.user).may_write)
    entry = _entry_to_raise_from(request)
    initial = {"household": request.GET.get("household")}
    if entry:
        initial = {
            "household": entry.household_id,
            "visit": entry.pk,
            "source": RequestSource.VISIT,
            "description": entry.notes,
        }
    form = RequestForm(
        request.POST or None,
        households=_active_households(request.user),
        visits=access.notebook_visits(request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            raised = services.request_raise(by=request.user, **form.cleaned_data)
        except services.CasebookError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Request #%(id)d opened.") % {"id": raised.pk})
            return redirect("casebook:request-detail", pk=raised.pk)
    return render(request, "casebook/request_form.html", {"form": form, "entry": entry})


def _entry_to_raise_from(request: HttpRequest):
    """?visit=<id> (or the posted entry): one of the user's notebook entries, or None."""
    pk = request.POST.get("visit") or request.GET.get("visit")
    if not pk:
        return None
    return access.get_or_404(
        access.notebook_visits(request.user).select_related("household"), pk=pk
    )


def _action_forms(user, req, reply_text: str = "") -> dict:
    """The forms of the transitions this user may make on this request now."""
    version = {"version": req.version}
    forms = {}
    for action in ("accept", "note", "escalate", "reply", "close", "reopen", "assign"):
        if req.status not in services.TRANSITIONS[action] or not access.can_act_on_request(
            user, req, action
        ):
            continue
        if action == "assign":
            forms[action] = AssignForm(initial=version, owners=services.owner_candidates(req))
        elif action == "escalate":
            forms[action] = EscalateForm(initial=version)
        elif action == "reply":
            forms[action] = ReplyForm(initial={**version, "text": reply_text})
        else:
            forms[action] = TextActionForm(initial=version)
    return forms


def _reply_templates(req):
    """Templates for the request's category and the general ones."""
    return ReplyTemplate.objects.filter(is_active=True).filter(
        Q(category__isnull=True) | Q(category=req.category_id)
    )


@login_required
@require_safe
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = access.request_for(request.user, pk)
    templates = list(_reply_templates(req).order_by("category_id", "title"))
    # Picking a template reloads the page with its text in the reply box (works without JS).
    chosen = next((t for t in templates if str(t.pk) == request.GET.get("template")), None)
    forms = _action_forms(request.user, req, reply_text=chosen.text if chosen else "")
    events = list(selectors.timeline(req))
    return render(
        request,
        "casebook/request_detail.html",
        {
            "req": req,
            "events": events,
            "lines": selectors.timeline_with_texts(req, events),
            "forms": forms,
            "templates": templates if "reply" in forms else [],
        },
    )


ACTIONS = {
    "accept": (TextActionForm, lambda req, user, d: services.request_accept(
        request=req, by=user, expected_version=d["version"], text=d["text"])),
    "note": (TextActionForm, lambda req, user, d: services.request_note(
        request=req, by=user, text=d["text"], expected_version=d["version"])),
    "escalate": (EscalateForm, lambda req, user, d: services.request_escalate(
        request=req, level=d["level"], reason=d["text"], by=user, expected_version=d["version"])),
    "reply": (ReplyForm, lambda req, user, d: services.request_reply(
        request=req, text=d["text"], by=user, expected_version=d["version"])),
    "close": (TextActionForm, lambda req, user, d: services.request_close(
        request=req, reason=d["text"], by=user, expected_version=d["version"])),
    "reopen": (TextActionForm, lambda req, user, d: services.request_reopen(
        request=req, reason=d["text"], by=user, expected_version=d["version"])),
    "assign": (AssignForm, lambda req, user, d: services.request_assign(
        request=req, owner=d["owner"], by=user, expected_version=d["version"], text=d["text"])),
}  # fmt: skip


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    req = access.request_for(request.user, pk)
    access.require(action in ACTIONS and access.can_act_on_request(request.user, req, action))
    form_class, run = ACTIONS[action]
    kwargs = {"owners": services.owner_candidates(req)} if form_class is AssignForm else {}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("casebook:request-detail", pk=req.pk)
    try:
        run(req, request.user, form.cleaned_data)
    except services.CasebookError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved."))
    return redirect("casebook:request-detail", pk=req.pk)


@login_required
@require_safe
def voice_play(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's voice message, for whoever may see its request (else 404)."""
    note = access.voice_for(request.user, pk)
    return bytes_response(request, bytes(note.data), note.content_type)


# --- The neighbour deliberation pavilion ----------------------------------------------------


def _default_village(request: HttpRequest):
    villages = access.managed_villages(request.user)
    chosen = parse_query(request, VillageQuery)["village"]
    return villages.filter(pk=chosen or 0).first() or villages.first()


@login_required
@require_http_methods(["GET", "POST"])
def pavilions(request: HttpRequest) -> HttpResponse:
    """The village's pavilions; staff of the village add them here."""
    access.require(access.scope_for(request.user).is_staff_level)
    villages = access.managed_villages(request.user)
    # County staff read the list; adding a pavilion is the village's and township's work.
    access.require(request.method != "POST" or villages.exists())
    form = PavilionForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        pavilion = form.save()
        messages.success(request, _("Pavilion %(name)s added.") % {"name": pavilion.name})
        return redirect("casebook:pavilions")
    return render(
        request,
        "casebook/pavilions.html",
        {
            "form": form,
            "may_add": villages.exists(),
            "pavilions": access.pavilions(request.user).select_related("village"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pavilion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pavilion = access.get_or_404(access.pavilions(request.user), pk=pk)
    access.require(access.can_manage_village(request.user, pavilion.village_id))
    form = PavilionForm(
        request.POST or None, instance=pavilion, villages=access.managed_villages(request.user)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("casebook:pavilions")
    return render(request, "casebook/pavilion_form.html", {"form": form, "pavilion": pavilion})


@login_required
@require_safe
def meetings(request: HttpRequest) -> HttpResponse:
    """A village's meetings, month by month."""
    scope = access.scope_for(request.user)
    access.require(scope.is_member or scope.is_staff_level)
    village = _default_village(request) if scope.is_staff_level else None
    rows = access.meetings(request.user).select_related("pavilion", "convener")
    if village:
        rows = rows.filter(village=village)
    page = Paginator(rows.order_by("-held_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    months = [
        (month, list(items))
        for month, items in groupby(
            page, key=lambda m: timezone.localtime(m.held_at).date().replace(day=1)
        )
    ]
    return render(
        request,
        "casebook/meetings.html",
        {
            "months": months,
            "page": page,
            "village": village,
            "villages": access.managed_villages(request.user) if village else None,
        },
    )


def _meeting_form(request, village, instance=None):
    form = MeetingForm(request.POST or None, instance=instance, village=village)
    decisions = DecisionFormSet(
        request.POST or None, instance=instance or Meeting(), prefix="decisions"
    )
    for subform in decisions.forms:
        subform.fields["responsible"].queryset = PartyMember.objects.filter(
            village=village, is_active=True
        )
    return form, decisions


def _meeting_record(data: dict) -> services.MeetingRecord:
    """The cleaned meeting form as meeting_save takes it."""
    return services.MeetingRecord(
        kind=data["kind"],
        pavilion=data["pavilion"],
        held_at=data["held_at"],
        topic=data["topic"],
        convener=data["convener"],
        attendee_members=list(data["attendee_members"]),
        attendee_households=list(data["attendee_households"]),
        others_present=data["others_present"],
        agenda=data["agenda"],
        requests=list(data["requests"]),
        minutes=data["minutes"],
        parties=list(data["parties"]),
        outcome=data["outcome"],
        agreement=data["agreement"],
        follow_up_on=data["follow_up_on"],
        follow_up_member=data["follow_up_member"],
    )


def _decision_lines(decisions) -> list[services.DecisionLine]:
    """The lines the validated decisions formset keeps: those recorded before and not
    ticked for deletion, and the new ones filled in."""
    deleted = decisions.deleted_forms
    return [
        services.DecisionLine(
            text=form.cleaned_data["text"],
            responsible=form.cleaned_data["responsible"],
            due_on=form.cleaned_data["due_on"],
            pk=form.instance.pk,
        )
        for form in decisions.forms
        if form not in deleted and (form.instance.pk is not None or form.has_changed())
    ]


def _decisions_removed(decisions) -> list[int]:
    """The recorded lines the user ticked for deletion."""
    return [form.instance.pk for form in decisions.deleted_forms if form.instance.pk]


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    access.require(access.scope_for(request.user).is_staff_level)
    village = _default_village(request)
    access.require(village is not None)
    form, decisions = _meeting_form(request, village)
    if request.method == "POST" and form.is_valid() and decisions.is_valid():
        meeting = services.meeting_save(
            meeting=None,
            village=village,
            record=_meeting_record(form.cleaned_data),
            decisions=_decision_lines(decisions),
            removed=_decisions_removed(decisions),
            by=request.user,
        )
        messages.success(request, _("Meeting recorded."))
        return redirect("casebook:meeting-detail", pk=meeting.pk)
    return render(
        request,
        "casebook/meeting_form.html",
        {"form": form, "decisions": decisions, "village": village, "meeting": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.get_or_404(access.meetings(request.user).select_related("village"), pk=pk)
    access.require(access.can_manage_village(request.user, meeting.village_id))
    form, decisions = _meeting_form(request, meeting.village, instance=meeting)
    if request.method == "POST" and form.is_valid() and decisions.is_valid():
        services.meeting_save(
            meeting=meeting,
            village=meeting.village,
            record=_meeting_record(form.cleaned_data),
            decisions=_decision_lines(decisions),
            removed=_decisions_removed(decisions),
            by=request.user,
        )
        messages.success(request, _("Saved."))
        return redirect("casebook:meeting-detail", pk=meeting.pk)
    return render(
        request,
        "casebook/meeting_form.html",
        {"form": form, "decisions": decisions, "village": meeting.village, "meeting": meeting},
    )


@login_required
@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's record, printable for the village's paper archive (台账)."""
    meeting = access.get_or_404(
        access.meetings(request.user).select_related("village__township", "pavilion", "convener"),
        pk=pk,
    )
    return render(
        request,
        "casebook/meeting_detail.html",
        {
            "meeting": meeting,
            "can_manage": access.can_manage_village(request.user, meeting.village_id),
            "decisions": meeting.decision_lines.select_related("responsible"),
            "agenda": meeting.requests.select_related("household", "category"),
            "outcome_choices": services.MEETING_OUTCOMES,
        },
    )


@login_required
@require_safe
def meeting_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """A mediation's record printed as the agreement the parties sign (人民调解协议书)."""
    meeting = access.get_or_404(
        access.meetings(request.user)
        .filter(kind=MeetingKind.MEDIATION)
        .select_related("village__township", "pavilion", "convener", "follow_up_member"),
        pk=pk,
    )
    return render(
        request,
        "casebook/mediation_agreement.html",
        {"meeting": meeting, **selectors.mediation_signatories(meeting)},
    )


@login_required
@require_POST
def meeting_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the meeting held; record per agenda request what was decided."""
    meeting = access.get_or_404(access.meetings(request.user), pk=pk)
    access.require(access.can_manage_village(request.user, meeting.village_id))
    outcomes = {
        r.pk: (request.POST.get(f"outcome-{r.pk}", "note"), request.POST.get(f"text-{r.pk}", ""))
        for r in meeting.requests.all()
    }
    try:
        services.meeting_close(
            meeting=meeting,
            by=request.user,
            outcomes=outcomes,
            reply_all=request.POST.get("reply_all", ""),
        )
    except services.CasebookError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The meeting is recorded as held; the requests' timelines show it.")
        )
    return redirect("casebook:meeting-detail", pk=meeting.pk)


@login_required
@require_POST
def cluster_agenda(request: HttpRequest) -> HttpResponse:
    """Put a cluster of similar open matters on a new deliberation meeting's agenda, then
    open the meeting to complete it (attendees, convener)."""
    back = safe_next(request, fallback="/")
    form = ClusterAgendaForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    data = form.cleaned_data
    pavilion = access.get_or_404(access.pavilions(request.user), pk=data["pavilion"])
    access.require(access.can_manage_village(request.user, pavilion.village_id))
    found = hotspots.cluster_requests(
        access.requests(request.user),
        village_id=pavilion.village_id,
        group_id=data["group"],
        category_id=data["category"],
        days=data["days"],
    )
    try:
        meeting = services.cluster_to_agenda(
            requests=list(found), pavilion=pavilion, held_at=data["held_at"], by=request.user
        )
    except services.CasebookError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(
        request,
        _("%(count)d matters are on the meeting's agenda; complete the meeting here.")
        % {"count": meeting.requests.count()},
    )
    return redirect("casebook:meeting-edit", pk=meeting.pk)


# --- A member's handover (links and requests together) --------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a member's households and open requests to others in one step."""
    member = access.member_for(request.user, pk)
    access.require(access.can_manage_village(request.user, member.village_id))
    others = member_selectors.members_with_load(member.village).exclude(pk=member.pk)
    form = HandoverForm(request.POST or None, members=others)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.member_handover(
                member=member,
                to_member=form.cleaned_data["to_member"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except (services.CasebookError, MembersError, ProposalInfeasible) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _(
                    "Handed over %(households)d households and %(requests)d open requests; "
                    "their cards need reprinting."
                )
                % moved,
            )
            return redirect("members:detail", pk=member.pk)
    return render(request, "casebook/member_handover.html", {"member": member, "form": form})
