"""Changes to members and their links. Each function is one transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casebook.models import OPEN_STATUSES, Request
from casebook.services import request_assign, role_user
from households.models import Household
from liaison.models import RoleKind
from members.models import Assignment, PartyMember
from members.proposal import propose

ANY_MEMBER = object()  # assignment_assign: no expectation about the current link


class MembersError(Exception):
    """A change to members or links that breaks a rule; the message is fit to show the user."""


@transaction.atomic
def member_save(*, member: PartyMember, by) -> PartyMember:
    """Create or update a member after validating every field."""
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def assignments_end(
    *, assignments: QuerySet[Assignment], on: datetime.date, reason: str, by
) -> int:
    """End open assignments on a day with a reason; history stays, nothing is deleted.

    The households' printed cards become stale (they name the member).
    """
    ended = []
    for assignment in assignments.select_for_update().filter(ended_on__isnull=True):
        assignment.ended_on = max(on, assignment.started_on)
        assignment.end_reason = reason[:200]
        assignment.ended_by = by
        assignment.save(update_fields=["ended_on", "end_reason", "ended_by"])
        ended.append(assignment.household_id)
    # The printed cards name the member: they are out of date now.
    Household.objects.filter(pk__in=ended).update(card_version=F("card_version") + 1)
    return len(ended)


@transaction.atomic
def member_retire(
    *, member: PartyMember, on: datetime.date | None = None, reason: str, by
) -> PartyMember:
    """Take a member off active duty: their open links end with the reason, in one step."""
    if not reason.strip():
        raise MembersError(_("Give a reason for retiring."))
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    if not member.is_active:
        raise MembersError(_("This member is already retired."))
    on = on or timezone.localdate()
    member.is_active = False
    member.retired_on = on
    member.retired_reason = reason.strip()
    try:
        member.full_clean()
    except ValidationError as error:
        raise MembersError("; ".join(error.messages)) from error
    member.save()
    assignments_end(
        assignments=member.assignments.all(),
        on=on,
        reason=_("Member retired: %(reason)s") % {"reason": member.retired_reason},
        by=by,
    )
    return member


@transaction.atomic
def assignment_assign(
    *,
    household: Household,
    member: PartyMember,
    by,
    note: str = "",
    capacity_override: bool = False,
    on: datetime.date | None = None,
    expected_member_id: int | None | object = ANY_MEMBER,
) -> Assignment:
    """Link a household to a member: the old link (if any) ends, a new one opens. History stays.

    Refuses another village's member, a retired member or household, and a member at
    capacity unless staff override it with a note. Two staff linking the same household at
    once: the second gets a clear message, never a second open link.
    """
    on = on or timezone.localdate()
    household = Household.objects.select_for_update().get(pk=household.pk)
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    if not household.is_active:
        raise MembersError(_("This household is no longer on the roster."))
    if not member.is_active:
        raise MembersError(_("%(member)s is retired.") % {"member": member})
    if member.village_id != household.village_id:
        raise MembersError(_("A household is linked to a member of its own village."))
    current = household.assignments.filter(ended_on__isnull=True).select_related("member").first()
    if (
        expected_member_id is not ANY_MEMBER
        and (current.member_id if current else None) != expected_member_id
    ):
        # The form was filled in while someone else changed this household's link.
        raise MembersError(
            _("Someone else has just linked this household. Reload the board to see it.")
        )
    if current and current.member_id == member.pk:
        raise MembersError(
            _("%(household)s is already linked to %(member)s.")
            % {"household": household.head_name, "member": member}
        )
    load = member.assignments.filter(ended_on__isnull=True).count()
    if load >= member.capacity and not capacity_override:
        raise MembersError(
            _("%(member)s already has %(load)d of %(capacity)d households.")
            % {"member": member, "load": load, "capacity": member.capacity}
        )
    if capacity_override and not note.strip():
        raise MembersError(_("Say why this member may take more than their capacity."))
    if current:
        assignments_end(
            assignments=Assignment.objects.filter(pk=current.pk),
            on=on,
            reason=_("Now linked to %(member)s") % {"member": member},
            by=by,
        )
    try:
        with transaction.atomic():
            link = Assignment.objects.create(
                member=member,
                household=household,
                started_on=on,
                assigned_by=by,
                note=note.strip()[:200],
                capacity_override=capacity_override and load >= member.capacity,
            )
    except IntegrityError as error:
        raise MembersError(
            _("Someone else has just linked this household. Reload the board to see it.")
        ) from error
    Household.objects.filter(pk=household.pk).update(card_version=F("card_version") + 1)
    return link


@transaction.atomic
def assignment_end(*, household: Household, by, reason: str) -> int:
    """End a household's link with a reason (it then shows as unassigned)."""
    if not reason.strip():
        raise MembersError(_("Give a reason for ending the link."))
    return assignments_end(
        assignments=household.assignments.all(),
        on=timezone.localdate(),
        reason=reason.strip(),
        by=by,
    )


@transaction.atomic
def proposal_apply(*, village, pairs: list[tuple[int, int]], by) -> int:
    """Apply accepted proposal lines (household id, member id) all together, or none."""
    households = Household.objects.in_bulk([h for h, _m in pairs])
    members = PartyMember.objects.in_bulk([m for _h, m in pairs])
    # End the links that change first, so that members freed by one line can take another.
    for household_id, member_id in pairs:
        household = households.get(household_id)
        if household is None or household.village_id != village.pk or member_id not in members:
            raise MembersError(_("The proposal is out of date; run it again."))
        current = household.assignments.filter(ended_on__isnull=True).first()
        if current and current.member_id != member_id:
            assignments_end(
                assignments=Assignment.objects.filter(pk=current.pk),
                on=timezone.localdate(),
                reason=_("Automatic proposal"),
                by=by,
            )
    for household_id, member_id in pairs:
        assignment_assign(
            household=households[household_id],
            member=members[member_id],
            by=by,
            note=_("Automatic proposal"),
        )
    return len(pairs)


@transaction.atomic
def member_handover(
    *, member: PartyMember, by, reason: str, to_member: PartyMember | None = None
) -> dict:
    """Move everything a member holds: their households (to one member, or by the automatic
    proposal) and the open requests they own; the cards become stale. One transaction."""
    if not reason.strip():
        raise MembersError(_("Give a reason for the handover."))
    households = list(
        Household.objects.filter(assignments__member=member, assignments__ended_on__isnull=True)
    )
    assignments_end(
        assignments=member.assignments.all(),
        on=timezone.localdate(),
        reason=_("Handover: %(reason)s") % {"reason": reason.strip()},
        by=by,
    )
    if to_member is not None:
        if to_member.pk == member.pk:
            raise MembersError(_("Choose another member to hand over to."))
        for household in households:
            assignment_assign(
                household=household,
                member=to_member,
                by=by,
                note=_("Handover from %(member)s") % {"member": member},
            )
        new_owner_for = {h.pk: to_member.user for h in households}
    else:
        PartyMember.objects.filter(pk=member.pk).update(is_active=False)  # out of the proposal
        try:
            proposal = propose(member.village)
        finally:
            PartyMember.objects.filter(pk=member.pk).update(is_active=member.is_active)
        chosen = [c for c in proposal.changes if c.household.pk in {h.pk for h in households}]
        for change in chosen:
            assignment_assign(
                household=change.household,
                member=change.new_member,
                by=by,
                note=_("Handover from %(member)s") % {"member": member},
            )
        new_owner_for = {c.household.pk: c.new_member.user for c in chosen}
    moved_requests = 0
    if member.user_id:
        for request in Request.objects.filter(owner_id=member.user_id, status__in=OPEN_STATUSES):
            new_owner = new_owner_for.get(request.household_id) or role_user(
                RoleKind.SECRETARY, village=member.village
            )
            if new_owner is None or new_owner.pk == member.user_id:
                continue
            request_assign(
                request=request,
                owner=new_owner,
                by=by,
                expected_version=None,
                text=_("Handover from %(member)s") % {"member": member},
            )
            moved_requests += 1
    return {"households": len(households), "requests": moved_requests}
