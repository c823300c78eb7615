"""Members and links the user may see.

The scope itself and the registry's querysets are households.access; they are handed on
here so that a members view reads every queryset it needs from one module.
"""

from django.db.models import Q, QuerySet

from households.access import (
    ANONYMOUS,
    NOTHING,
    AnyUser,
    Scope,
    can_manage_rosters,
    can_manage_village,
    can_oversee_village,
    counties,
    get_or_404,
    groups,
    household_for,
    households,
    linked_to_member,
    managed_household_for,
    managed_households,
    managed_villages,
    overseen_villages,
    recordable_households,
    require,
    restrict,
    scope_for,
    townships,
    village_for,
    villages,
)
from households.selectors import open_links
from members.models import Assignment, PartyMember

# Handed on to the members views (and, through casebook.access, to the floor above).
__all__ = [
    "ANONYMOUS",
    "NOTHING",
    "AnyUser",
    "Scope",
    "assignments",
    "can_manage_rosters",
    "can_manage_village",
    "can_oversee_village",
    "counties",
    "get_or_404",
    "groups",
    "household_for",
    "households",
    "linked_to_member",
    "managed_household_for",
    "managed_households",
    "managed_member_for",
    "managed_members",
    "managed_villages",
    "member_for",
    "members",
    "open_links",
    "overseen_villages",
    "recordable_households",
    "require",
    "restrict",
    "scope_for",
    "townships",
    "village_for",
    "villages",
]


def members(user: AnyUser) -> QuerySet[PartyMember]:
    scope = scope_for(user)
    q = scope.village_q("village")
    if scope.member_id:
        q |= Q(id=scope.member_id)
    return restrict(PartyMember.objects.all(), scope, q)


def assignments(user: AnyUser) -> QuerySet[Assignment]:
    scope = scope_for(user)
    q = scope.village_q("household__village")
    if scope.member_id:
        q |= Q(member_id=scope.member_id)
    return restrict(Assignment.objects.all(), scope, q)


def member_for(user: AnyUser, pk: object) -> PartyMember:
    return get_or_404(members(user).select_related("village__township", "group", "user"), pk=pk)


def managed_members(user: AnyUser) -> QuerySet[PartyMember]:
    """Members of the villages the user manages: roster changes and exports act on these."""
    scope = scope_for(user)
    q = Q(village_id__in=sorted(scope.staff_village_ids)) if scope.staff_village_ids else NOTHING
    return restrict(PartyMember.objects.all(), scope, q)


def managed_member_for(user: AnyUser, pk: object) -> PartyMember:
    """A member the user may change as a roster entry (else 404)."""
    return get_or_404(
        managed_members(user).select_related("village__township", "group", "user"), pk=pk
    )
