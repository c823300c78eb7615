"""Members and links the user may see.

The scope itself and the registry's querysets are households.access; they are handed on
here so that a members view reads every queryset it needs from one module.
"""

from django.db.models import Q, QuerySet

from households.access import (  # noqa: F401 -- handed on to the members views
    ANONYMOUS,
    NOTHING,
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
    managed_villages,
    open_links,
    overseen_villages,
    recordable_households,
    require,
    restrict,
    scope_for,
    townships,
    village_for,
    villages,
)
from members.models import Assignment, PartyMember


def members(user) -> QuerySet[PartyMember]:
    scope = scope_for(user)
    q = scope.village_q("village")
    if scope.member_id:
        q |= Q(id=scope.member_id)
    return restrict(PartyMember.objects.all(), scope, q)


def assignments(user) -> QuerySet[Assignment]:
    scope = scope_for(user)
    q = scope.village_q("household__village")
    if scope.member_id:
        q |= Q(member_id=scope.member_id)
    return restrict(Assignment.objects.all(), scope, q)


def member_for(user, pk) -> PartyMember:
    return get_or_404(members(user).select_related("village__township", "group", "user"), pk=pk)
