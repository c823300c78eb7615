"""Changes to members and their links. Each function is one transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household
from members.models import Assignment, PartyMember


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
