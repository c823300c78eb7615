"""The notebook, requests, pavilions and meetings the user may see and act on.

The scope and the querysets of the floors below (households.access, members.access) are
handed on here so that a casebook view reads every queryset it needs from one module.
"""

from django.db.models import Q, QuerySet

from casebook.models import Meeting, Pavilion, Request, RequestEvent, Visit, VoiceNote
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
from members.access import assignments, member_for, members

# The floors' scope and querysets are handed on to the casebook views with this module's own.
__all__ = [
    "ANONYMOUS",
    "MEMBER_REQUEST_ACTIONS",
    "NOTHING",
    "AnyUser",
    "Scope",
    "assignments",
    "can_act_on_request",
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
    "managed_villages",
    "meetings",
    "member_for",
    "members",
    "notebook_visits",
    "open_links",
    "overseen_villages",
    "pavilions",
    "recordable_households",
    "request_events",
    "request_for",
    "requests",
    "require",
    "restrict",
    "scope_for",
    "townships",
    "village_for",
    "villages",
    "visits",
    "voice_for",
]


def visits(user: AnyUser) -> QuerySet[Visit]:
    scope = scope_for(user)
    q = scope.village_q("household__village")
    if scope.member_id:
        q |= Q(member_id=scope.member_id) | linked_to_member(scope.member_id, "household")
    return restrict(Visit.objects.all(), scope, q)


def notebook_visits(user: AnyUser) -> QuerySet[Visit]:
    """The entries a user answers for: a member's own; staff, their villages' entries."""
    scope = scope_for(user)
    if scope.is_member and not scope.is_staff_level:
        return visits(user).filter(member_id=scope.member_id)
    return visits(user)


def requests(user: AnyUser) -> QuerySet[Request]:
    scope = scope_for(user)
    q = scope.village_q("village")
    if scope.member_id:
        q |= Q(owner_id=user.pk) | linked_to_member(scope.member_id, "household")
    return restrict(Request.objects.all(), scope, q)


def request_events(user: AnyUser) -> QuerySet[RequestEvent]:
    return RequestEvent.objects.filter(request__in=requests(user))


def pavilions(user: AnyUser) -> QuerySet[Pavilion]:
    return Pavilion.objects.filter(village__in=villages(user))


def meetings(user: AnyUser) -> QuerySet[Meeting]:
    scope = scope_for(user)
    q = scope.village_q("village")
    if scope.member_id:
        q |= Q(convener_id=scope.member_id) | Q(attendee_members__id=scope.member_id)
        return restrict(Meeting.objects.all(), scope, q).distinct()
    return restrict(Meeting.objects.all(), scope, q)


def request_for(user: AnyUser, pk: int) -> Request:
    found: Request = get_or_404(
        requests(user).select_related("household", "village", "category", "owner"), pk=pk
    )
    return found


def voice_for(user: AnyUser, pk: int) -> VoiceNote:
    """A voice message of a request the user may see (else 404)."""
    found: VoiceNote = get_or_404(
        VoiceNote.objects.filter(request__in=requests(user).values("pk")), pk=pk
    )
    return found


MEMBER_REQUEST_ACTIONS = frozenset({"accept", "note", "escalate", "reply", "reopen"})


def can_act_on_request(user: AnyUser, request: Request, action: str) -> bool:
    """Staff of the village act on any of its requests; a member on their households' requests
    (or the ones they own); a county role on none."""
    scope = scope_for(user)
    if scope.manages(request.village_id):
        return True
    if scope.member_id is None or action not in MEMBER_REQUEST_ACTIONS:
        return False
    # A member who also oversees a county sees its requests: they act on their own only.
    return (
        request.owner_id == user.pk
        or Request.objects.filter(pk=request.pk)
        .filter(linked_to_member(scope.member_id, "household"))
        .exists()
    )
