"""A member's handover: their households and open requests moved to others at once.

It lives in the casebook, the floor that knows both links and requests.
"""

from typing import TypedDict

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casebook.models import (
    OPEN_STATUSES,
    Request,
)
from casebook.services.common import CasebookError, role_user
from casebook.services.requests import request_assign
from households.models import Household, RoleKind
from members import services as members
from members.models import PartyMember
from members.proposal import propose
from members.selectors import open_links


class HandedOver(TypedDict):
    """How much a handover moved, for the message that says so."""

    households: int
    requests: int


@transaction.atomic
def member_handover(
    *, member: PartyMember, by: User, reason: str, to_member: PartyMember | None = None
) -> HandedOver:
    """Move everything a member holds: their households (to one member, or by the automatic
    proposal) and the open requests they own; the cards become stale. One transaction.

    It lives in the casebook, the floor that knows both links and requests.
    """
    if not reason.strip():
        raise CasebookError(_("Give a reason for the handover."))
    households = list(
        Household.objects.filter(pk__in=open_links().filter(member=member).values("household_id"))
    )
    members.assignments_end(
        assignments=member.assignments.all(),
        on=timezone.localdate(),
        reason=_("Handover: %(reason)s") % {"reason": reason.strip()},
        by=by,
    )
    if to_member is not None:
        if to_member.pk == member.pk:
            raise CasebookError(_("Choose another member to hand over to."))
        for household in households:
            members.assignment_assign(
                household=household,
                member=to_member,
                by=by,
                note=_("Handover from %(member)s") % {"member": member},
            )
        new_owner_for = {h.pk: to_member.user for h in households}
    else:
        PartyMember.objects.filter(pk=member.pk).update(is_active=False)  # out of the proposal
        try:
            proposal = propose(member.village, keep_existing=True)
        finally:
            PartyMember.objects.filter(pk=member.pk).update(is_active=member.is_active)
        chosen = [c for c in proposal.changes if c.household.pk in {h.pk for h in households}]
        for change in chosen:
            members.assignment_assign(
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
