"""Changes to members and their links. Each function is one transaction."""

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.models import Household, HouseholdStatus, Village
from households.services import HOUSEHOLD_RETIRED, RETIRED_STATUSES
from infra import audit, cache
from infra.registry import register_access_action, register_audit_action
from members.models import Assignment, PartyMember
from members.selectors import open_links

# What the audit log records of links (made, ended, moved).
LINK_CHANGED = register_audit_action("link_changed", gettext_lazy("Household link changed"))
# What the access log records of the member roster leaving the system.
EXPORTED_MEMBERS = register_access_action("export_members", gettext_lazy("Exported members"))
# What it records of members: taken off active duty, or back on it (the admin's "active").
MEMBER_RETIRED = register_audit_action("member_retired", gettext_lazy("Member retired"))
MEMBER_REINSTATED = register_audit_action(
    "member_reinstated", gettext_lazy("Member back on active duty")
)

ANY_MEMBER = object()  # assignment_assign: no expectation about the current link


class MembersError(Exception):
    """A change to members or links that breaks a rule; the message is fit to show the user."""


@transaction.atomic
def member_save(*, member: PartyMember, by: User) -> PartyMember:
    """Create or update a member after validating every field."""
    member.full_clean()
    left = None
    if not member._state.adding:
        left = PartyMember.objects.filter(pk=member.pk).values_list("village_id", flat=True).get()
    member.save()
    cache.touch([member.village_id, left])
    return member


@transaction.atomic
def assignments_end(
    *, assignments: QuerySet[Assignment], on: datetime.date, reason: str, by: User
) -> int:
    """End open assignments on a day with a reason; history stays, nothing is deleted.

    The households' printed cards become stale (they name the member).
    """
    ended = []
    ending = (
        assignments.select_for_update(of=("self",))
        .filter(ended_on__isnull=True)
        .select_related("household", "member")
    )
    for assignment in ending:
        assignment.ended_on = max(on, assignment.started_on)
        assignment.end_reason = reason[:200]
        assignment.ended_by = by
        assignment.save(update_fields=["ended_on", "end_reason", "ended_by"])
        ended.append(assignment.household_id)
        # Every way a link ends (by hand, a retirement, a handover, a proposal) comes here.
        audit.record(
            LINK_CHANGED,
            user=by,
            target=str(assignment.household),
            detail=_("Link with %(member)s ended: %(reason)s")
            % {"member": assignment.member, "reason": reason},
        )
    # The printed cards name the member: they are out of date now.
    households = Household.objects.filter(pk__in=ended)
    households.update(card_version=F("card_version") + 1)
    cache.touch(households.values_list("village_id", flat=True).distinct())
    return len(ended)


def _retire(
    row: Household | PartyMember,
    *,
    on: datetime.date,
    reason: str,
    ended: str,
    by: User,
    action: str,
    detail: str,
) -> None:
    """What retiring a household and a member share, in the caller's transaction: the day and
    the reason kept, the row validated and saved, the village's figures touched, the audit
    record (`action`, by whom, `detail`), and its open links ended with `ended` (a translated
    text with %(reason)s), so that loads drop and the history says why."""
    row.retired_on = on
    row.retired_reason = reason
    try:
        row.full_clean()
    except ValidationError as error:
        raise MembersError("; ".join(error.messages)) from error
    row.save()
    cache.touch([row.village_id])
    audit.record(action, user=by, target=str(row), detail=detail)
    assignments_end(
        assignments=row.assignments.all(), on=on, reason=ended % {"reason": reason}, by=by
    )


@transaction.atomic
def household_retire(
    *, household: Household, status: str, on: datetime.date, reason: str, by: User
) -> Household:
    """Retire a household (moved out, merged, inactive): never deleted, its link ended.

    Its open assignment ends on the same day with the reason, so the member's load drops and
    the history shows why.
    """
    if status not in RETIRED_STATUSES:
        raise MembersError(_("Choose moved out, merged or inactive."))
    if not reason.strip():
        raise MembersError(_("Give a reason for retiring."))
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status != HouseholdStatus.ACTIVE:
        raise MembersError(_("This household is already retired."))
    household.status = status
    _retire(
        household,
        on=on,
        reason=reason.strip(),
        ended=_("Household retired: %(reason)s"),
        by=by,
        action=HOUSEHOLD_RETIRED,
        detail=f"{household.get_status_display()}: {reason.strip()}",
    )
    return household


@transaction.atomic
def member_retire(
    *, member: PartyMember, on: datetime.date | None = None, reason: str, by: User
) -> PartyMember:
    """Take a member off active duty: their open links end with the reason, in one step."""
    if not reason.strip():
        raise MembersError(_("Give a reason for retiring."))
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    if not member.is_active:
        raise MembersError(_("This member is already retired."))
    on = on or timezone.localdate()
    member.is_active = False
    _retire(
        member,
        on=on,
        reason=reason.strip(),
        ended=_("Member retired: %(reason)s"),
        by=by,
        action=MEMBER_RETIRED,
        detail=reason.strip(),
    )
    return member


def member_active_changed(*, member: PartyMember, by: User) -> None:
    """An administrator ticked or cleared a member's "active" box in the admin (around
    member_retire: the links stay as they are): the audit log records it as the roster's
    own steps are recorded."""
    if member.is_active:
        audit.record(MEMBER_REINSTATED, user=by, target=str(member))
    else:
        audit.record(MEMBER_RETIRED, user=by, target=str(member), detail=member.retired_reason)


@transaction.atomic
def assignment_assign(
    *,
    household: Household,
    member: PartyMember,
    by: User,
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
    return _assign(
        household=Household.objects.select_for_update().get(pk=household.pk),
        member=PartyMember.objects.select_for_update().get(pk=member.pk),
        by=by,
        note=note,
        capacity_override=capacity_override,
        on=on or timezone.localdate(),
        expected_member_id=expected_member_id,
    )


def _assign(
    *,
    household: Household,
    member: PartyMember,
    by: User,
    note: str,
    capacity_override: bool,
    on: datetime.date,
    expected_member_id: int | None | object,
) -> Assignment:
    """assignment_assign() on rows the caller has locked (and read) in this transaction."""
    if not household.is_active:
        raise MembersError(_("This household is no longer on the roster."))
    if not member.is_active:
        raise MembersError(_("%(member)s is retired.") % {"member": member})
    if member.village_id != household.village_id:
        raise MembersError(_("A household is linked to a member of its own village."))
    current = open_links().filter(household=household).select_related("member").first()
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
    load = open_links().filter(member=member).count()
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
    cache.touch([household.village_id])
    audit.record(
        LINK_CHANGED,
        user=by,
        target=str(household),
        detail=_("Linked to %(member)s") % {"member": member},
    )
    return link


@transaction.atomic
def assignment_end(*, household: Household, by: User, reason: str) -> int:
    """End a household's link with a reason (it then shows as unassigned)."""
    if not reason.strip():
        raise MembersError(_("Give a reason for ending the link."))
    return assignments_end(
        assignments=household.assignments.all(),
        on=timezone.localdate(),
        reason=reason.strip(),
        by=by,
    )


class GroupsRefused(MembersError):
    """Some ticked groups cannot be applied; nothing was. `refused`: (index, reason) pairs."""

    def __init__(self, refused: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(reason for _index, reason in refused))
        self.refused = refused


@transaction.atomic
def proposal_apply(
    *,
    village: Village,
    pairs: list[tuple[int, int]],
    by: User,
    expected: dict[int, int | None] | None = None,
) -> int:
    """Apply one group of proposal moves (household id, member id): all of them, or none.

    `expected` gives, per household, the member it had when the proposal was made (None:
    none); a household whose link has changed since refuses the group, so staff never apply
    a move worked out for another state. Rows are locked in id order (households, then
    members), so two staff applying overlapping groups wait for each other instead of
    deadlocking. The moved households' cards become stale (they name the member).
    """
    households, members = _locked([h for h, _m in pairs], [m for _h, m in pairs])
    return _apply_group(
        village=village,
        pairs=pairs,
        by=by,
        expected=expected,
        households=households,
        members=members,
    )


def _locked(
    household_ids: list[int], member_ids: list[int]
) -> tuple[dict[int, Household], dict[int, PartyMember]]:
    """The households and members named, each locked once (one statement a table, in id
    order: two staff applying overlapping groups wait for each other, never deadlock)."""
    households = Household.objects.select_for_update().order_by("pk").in_bulk(set(household_ids))
    members = PartyMember.objects.select_for_update().order_by("pk").in_bulk(set(member_ids))
    return households, members


def _apply_group(
    *,
    village: Village,
    pairs: list[tuple[int, int]],
    by: User,
    expected: dict[int, int | None] | None,
    households: dict[int, Household],
    members: dict[int, PartyMember],
) -> int:
    """proposal_apply() on rows the caller has locked (`_locked`) in this transaction."""
    household_ids = sorted({h for h, _m in pairs})
    if len(household_ids) != len(pairs):
        raise MembersError(_("The proposal is out of date; run it again."))
    current = dict(
        open_links().filter(household_id__in=household_ids).values_list("household_id", "member_id")
    )
    for household_id, member_id in pairs:
        household = households.get(household_id)
        if household is None or household.village_id != village.pk or member_id not in members:
            raise MembersError(_("The proposal is out of date; run it again."))
        if expected is not None and current.get(household_id) != expected.get(household_id):
            raise MembersError(
                _(
                    "The link of %(household)s (%(number)s) has changed since the proposal was "
                    "made; run the proposal again."
                )
                % {"household": household.head_name, "number": household.number}
            )
    # End the links that change first, so that members freed by one line can take another.
    changing = [h for h, m in pairs if current.get(h) is not None and current[h] != m]
    if changing:
        assignments_end(
            assignments=open_links().filter(household_id__in=changing),
            on=timezone.localdate(),
            reason=_("Automatic proposal"),
            by=by,
        )
    for household_id, member_id in pairs:
        _assign(
            household=households[household_id],
            member=members[member_id],
            by=by,
            note=_("Automatic proposal"),
            capacity_override=False,
            on=timezone.localdate(),
            expected_member_id=ANY_MEMBER,
        )
    return len(pairs)


@transaction.atomic
def proposal_apply_groups(
    *, village: Village, groups: list[list[tuple[int, int | None, int]]], by: User
) -> int:
    """Apply the groups staff ticked (each a list of (household, old member, new member)):
    every one of them, or none.

    Each group is applied alone (`proposal_apply`, its own savepoint) so that every refused
    group is found and named with its reason; if any is refused nothing stays applied and
    GroupsRefused lists them. Returns the number of households moved.
    """
    every = [move for group in groups for move in group]
    # Lock every row the groups touch up front, once, in id order, before any group runs;
    # each group reads its rows from these.
    households, members = _locked([h for h, _o, _n in every], [n for _h, _o, n in every])
    refused = []
    for index, group in enumerate(groups):
        try:
            with transaction.atomic():
                _apply_group(
                    village=village,
                    pairs=[(h, new) for h, _old, new in group],
                    by=by,
                    expected={h: old for h, old, _new in group},
                    households=households,
                    members=members,
                )
        except MembersError as error:
            refused.append((index, str(error)))
    if refused:
        raise GroupsRefused(refused)
    return len(every)
