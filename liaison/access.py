"""The one place that answers "what may this user see, and what may they change".

Every view takes its querysets from here. An object outside the user's scope is answered
with Http404, so that nobody learns that it exists.

Scopes (DESIGN.md): a superuser sees everything; township staff see every village of their
township; a village secretary sees their village; a party member sees the households linked
to them by an open assignment, and their own entries. Roles add up.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from casebook.models import Meeting, Pavilion, Request, RequestEvent, Visit
from households.models import Household, Village, VillageGroup
from liaison.models import Role, RoleKind
from members.models import Assignment, PartyMember

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    is_admin: bool = False
    township_ids: frozenset[int] = frozenset()
    village_ids: frozenset[int] = frozenset()
    member_id: int | None = None
    member_village_id: int | None = None
    # Every village a staff scope covers: the villages of its townships and its own villages.
    staff_village_ids: frozenset[int] = frozenset()

    @property
    def is_staff_level(self) -> bool:
        """May see whole villages (township staff, secretaries, admins)."""
        return self.is_admin or bool(self.township_ids or self.village_ids)

    @property
    def is_township_level(self) -> bool:
        return self.is_admin or bool(self.township_ids)

    @property
    def is_member(self) -> bool:
        return self.member_id is not None

    def village_q(self, village_path: str) -> Q:
        """Rows whose village (reached by `village_path`) lies in a staff scope.

        A list of village ids, not a join to the township: the database then walks each
        table's (village, …) index for those villages only, whatever the size of the
        prefecture around them.
        """
        if not self.staff_village_ids:
            return NOTHING
        return Q(**{f"{village_path}_id__in": sorted(self.staff_village_ids)})


ANONYMOUS = Scope()


def scope_for(user) -> Scope:
    """The user's scope, read once per request (two or three small queries), kept on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_liaison_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(is_admin=True)
    else:
        townships, villages = set(), set()
        for kind, township_id, village_id in Role.objects.filter(user=user).values_list(
            "kind", "township_id", "village_id"
        ):
            if kind == RoleKind.TOWNSHIP:
                townships.add(township_id)
            else:
                villages.add(village_id)
        member = (
            PartyMember.objects.filter(user=user, is_active=True)
            .values_list("id", "village_id")
            .first()
        )
        staff_villages = set(villages)
        if townships:
            staff_villages.update(
                Village.objects.filter(township_id__in=townships).values_list("id", flat=True)
            )
        scope = Scope(
            township_ids=frozenset(townships),
            village_ids=frozenset(villages),
            member_id=member[0] if member else None,
            member_village_id=member[1] if member else None,
            staff_village_ids=frozenset(staff_villages),
        )
    user._liaison_scope = scope
    return scope


def _linked_to_member(member_id: int, household_path: str = "") -> Q:
    """Households (reached by `household_path`) with an open assignment to the member."""
    household_ref = OuterRef(f"{household_path}_id" if household_path else "pk")
    open_link = Assignment.objects.filter(
        household_id=household_ref,
        member_id=member_id,
        ended_on__isnull=True,
    )
    return Q(Exists(open_link))


def _filter(qs: QuerySet, scope: Scope, q: Q) -> QuerySet:
    if scope.is_admin:
        return qs
    return qs.filter(q)


# --- Querysets ------------------------------------------------------------------------------


def _managed_village_q(scope: Scope) -> Q:
    q = NOTHING
    if scope.township_ids:
        q |= Q(township_id__in=scope.township_ids)
    if scope.village_ids:
        q |= Q(id__in=scope.village_ids)
    return q


def villages(user) -> QuerySet[Village]:
    """Villages the user sees: those they manage, and a member's own village."""
    scope = scope_for(user)
    q = _managed_village_q(scope)
    if scope.member_village_id:
        q |= Q(id=scope.member_village_id)
    return _filter(Village.objects.select_related("township"), scope, q)


def managed_villages(user) -> QuerySet[Village]:
    """Villages whose rosters, requests and meetings the user may change (staff level)."""
    scope = scope_for(user)
    return _filter(Village.objects.select_related("township"), scope, _managed_village_q(scope))


def groups(user) -> QuerySet[VillageGroup]:
    return VillageGroup.objects.filter(village__in=villages(user))


def households(user) -> QuerySet[Household]:
    scope = scope_for(user)
    q = scope.village_q("village")
    if scope.member_id:
        q |= _linked_to_member(scope.member_id)
    return _filter(Household.objects.all(), scope, q)


def members(user) -> QuerySet[PartyMember]:
    scope = scope_for(user)
    q = scope.village_q("village")
    if scope.member_id:
        q |= Q(id=scope.member_id)
    return _filter(PartyMember.objects.all(), scope, q)


def assignments(user) -> QuerySet[Assignment]:
    scope = scope_for(user)
    q = scope.village_q("household__village")
    if scope.member_id:
        q |= Q(member_id=scope.member_id)
    return _filter(Assignment.objects.all(), scope, q)


def visits(user) -> QuerySet[Visit]:
    scope = scope_for(user)
    q = scope.village_q("household__village")
    if scope.member_id:
        q |= Q(member_id=scope.member_id) | _linked_to_member(scope.member_id, "household")
    return _filter(Visit.objects.all(), scope, q)


def requests(user) -> QuerySet[Request]:
    scope = scope_for(user)
    q = scope.village_q("village")
    if scope.member_id:
        q |= Q(owner_id=user.pk) | _linked_to_member(scope.member_id, "household")
    return _filter(Request.objects.all(), scope, q)


def request_events(user) -> QuerySet[RequestEvent]:
    return RequestEvent.objects.filter(request__in=requests(user))


def pavilions(user) -> QuerySet[Pavilion]:
    return Pavilion.objects.filter(village__in=villages(user))


def meetings(user) -> QuerySet[Meeting]:
    scope = scope_for(user)
    q = scope.village_q("village")
    if scope.member_id:
        q |= Q(convener_id=scope.member_id) | Q(attendee_members__id=scope.member_id)
        return _filter(Meeting.objects.all(), scope, q).distinct()
    return _filter(Meeting.objects.all(), scope, q)


# --- One object or 404 ----------------------------------------------------------------------


def get_or_404(queryset: QuerySet, **lookup):
    """The object if the scoped queryset holds it; Http404 otherwise, GET or POST alike."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def household_for(user, pk) -> Household:
    return get_or_404(households(user).select_related("village__township", "group"), pk=pk)


def member_for(user, pk) -> PartyMember:
    return get_or_404(members(user).select_related("village__township", "group", "user"), pk=pk)


def request_for(user, pk) -> Request:
    return get_or_404(
        requests(user).select_related("household", "village", "category", "owner"), pk=pk
    )


def village_for(user, pk) -> Village:
    return get_or_404(villages(user), pk=pk)


# --- What may change ------------------------------------------------------------------------


def can_manage_rosters(user) -> bool:
    """Household and member rosters, imports and exports: township staff and admins."""
    return scope_for(user).is_township_level


def can_manage_village(user, village_id: int) -> bool:
    """Requests, meetings and assignments of a village: its secretary, township staff, admins."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    if village_id in scope.village_ids:
        return True
    if scope.township_ids:
        return Village.objects.filter(pk=village_id, township_id__in=scope.township_ids).exists()
    return False


MEMBER_REQUEST_ACTIONS = frozenset({"accept", "note", "escalate", "reply", "reopen"})


def can_act_on_request(user, request, action: str) -> bool:
    """Staff of the village act on any of its requests; a member on their households' requests.

    The request must already come from requests(user): a member sees only their own.
    """
    if can_manage_village(user, request.village_id):
        return True
    return scope_for(user).is_member and action in MEMBER_REQUEST_ACTIONS


def require(condition: bool) -> None:
    """Refuse an action outside the user's rights with 404, the same answer as out of scope."""
    if not condition:
        raise Http404
