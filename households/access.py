"""Who may see and change what: the user's scope, and the registry's scoped querysets.

Every view takes its querysets from the access module of its feature (this one for
villages and households, members.access for members and links, casebook.access for the
notebook, requests and meetings); all of them start from `scope_for()` below. An object
outside the user's scope is answered with Http404, so that nobody learns that it exists.

Scopes: a superuser sees everything; county staff see every village of their county's
townships and change nothing there; township staff see every village of their township;
a village secretary sees their village; a party member sees the households linked to them
by an open assignment, and their own entries. Roles add up (a member in one village may be
the secretary of another).

Seeing and changing are kept apart: `village_q` (what a list shows) covers the villages a
county oversees, `manages` (what may change) never does.
"""

from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from households import hooks
from households.models import County, Household, Role, RoleKind, Township, Village, VillageGroup
from households.selectors import open_links

NOTHING = Q(pk__in=[])

# Who asks: a login, or a visitor who has not logged in (request.user is either).
AnyUser = User | AnonymousUser

_Row = TypeVar("_Row", bound=Model)

# Where scope_for() keeps the scope on the user object, for the rest of the request.
_SCOPE_ATTRIBUTE = "_liaison_scope"


@dataclass(frozen=True)
class Scope:
    is_admin: bool = False
    township_ids: frozenset[int] = frozenset()
    village_ids: frozenset[int] = frozenset()
    member_id: int | None = None
    member_village_id: int | None = None
    # Every village a staff scope covers: the villages of its townships and its own villages.
    staff_village_ids: frozenset[int] = frozenset()
    county_ids: frozenset[int] = frozenset()
    # The villages of the counties' townships: seen, never changed (county staff oversee).
    overseen_village_ids: frozenset[int] = frozenset()

    @property
    def is_staff_level(self) -> bool:
        """May see whole villages (county and township staff, secretaries, admins)."""
        return self.is_admin or bool(self.township_ids or self.village_ids or self.county_ids)

    @property
    def is_township_level(self) -> bool:
        """May change the rosters of whole townships (township staff, admins)."""
        return self.is_admin or bool(self.township_ids)

    @property
    def is_county_level(self) -> bool:
        """Sees whole counties (county staff, admins)."""
        return self.is_admin or bool(self.county_ids)

    @property
    def may_write(self) -> bool:
        """May record notebook entries and requests: staff of a village, a member, admins
        (not a county role alone: the county oversees)."""
        return self.is_admin or bool(self.staff_village_ids) or self.is_member

    @property
    def seen_village_ids(self) -> frozenset[int]:
        """The villages whose rows lists show: managed ones and overseen ones."""
        return self.staff_village_ids | self.overseen_village_ids

    @property
    def is_member(self) -> bool:
        return self.member_id is not None

    def village_q(self, village_path: str) -> Q:
        """Rows whose village (reached by `village_path`) lies in a staff scope.

        A list of village ids, not a join to the township: the database then walks each
        table's (village, …) index for those villages only, whatever the size of the
        prefecture around them.
        """
        seen = self.seen_village_ids
        if not seen:
            return NOTHING
        return Q(**{f"{village_path}_id__in": sorted(seen)})

    def manages(self, village_id: int | None) -> bool:
        """Requests, meetings and links of this village are the user's to change (never
        through a county role: the county oversees)."""
        return self.is_admin or village_id in self.staff_village_ids

    def oversees(self, village_id: int | None) -> bool:
        """The village's dashboard and figures are the user's to read."""
        return self.is_admin or village_id in self.seen_village_ids


ANONYMOUS = Scope()


def scope_for(user: AnyUser) -> Scope:
    """The user's scope, read once per request (two or three small queries), kept on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached: Scope | None = getattr(user, _SCOPE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(is_admin=True)
    else:
        counties: set[int] = set()
        townships: set[int] = set()
        villages: set[int] = set()
        for kind, county_id, township_id, village_id in Role.objects.filter(user=user).values_list(
            "kind", "county_id", "township_id", "village_id"
        ):
            if kind == RoleKind.COUNTY:
                counties.add(county_id)
            elif kind == RoleKind.TOWNSHIP:
                townships.add(township_id)
            elif kind == RoleKind.SECRETARY:
                villages.add(village_id)
        # The member's record lives a floor up (members.PartyMember), which lends it here.
        member = hooks.links().member_of(user.pk)
        staff_villages = set(villages)
        if townships:
            staff_villages.update(
                Village.objects.filter(township_id__in=townships).values_list("id", flat=True)
            )
        overseen = (
            set(
                Village.objects.filter(township__county_id__in=counties).values_list(
                    "id", flat=True
                )
            )
            if counties
            else set()
        )
        scope = Scope(
            township_ids=frozenset(townships),
            village_ids=frozenset(villages),
            member_id=member[0] if member else None,
            member_village_id=member[1] if member else None,
            staff_village_ids=frozenset(staff_villages),
            county_ids=frozenset(counties),
            overseen_village_ids=frozenset(overseen - staff_villages),
        )
    setattr(user, _SCOPE_ATTRIBUTE, scope)
    return scope


def restrict(qs: QuerySet[_Row], scope: Scope, q: Q) -> QuerySet[_Row]:
    """The rows of `qs` that `q` lets this scope see (everything for an admin)."""
    if scope.is_admin:
        return qs
    return qs.filter(q)


def linked_to_member(member_id: int | None, household_path: str = "") -> Q:
    """Households (reached by `household_path`) with an open assignment to the member (none
    for no member: every link has one)."""
    household_ref = OuterRef(f"{household_path}_id" if household_path else "pk")
    return Q(Exists(open_links().filter(household_id=household_ref, member_id=member_id)))


# --- Querysets ------------------------------------------------------------------------------


def _managed_village_q(scope: Scope) -> Q:
    if not scope.staff_village_ids:
        return NOTHING
    return Q(id__in=sorted(scope.staff_village_ids))


def _overseen_village_q(scope: Scope) -> Q:
    seen = scope.seen_village_ids
    if not seen:
        return NOTHING
    return Q(id__in=sorted(seen))


def villages(user: AnyUser) -> QuerySet[Village]:
    """Villages the user sees: those they manage or oversee, and a member's own village."""
    scope = scope_for(user)
    q = _overseen_village_q(scope)
    if scope.member_village_id:
        q |= Q(id=scope.member_village_id)
    return restrict(Village.objects.select_related("township"), scope, q)


def managed_villages(user: AnyUser) -> QuerySet[Village]:
    """Villages whose rosters, requests and meetings the user may change (staff level)."""
    scope = scope_for(user)
    return restrict(Village.objects.select_related("township"), scope, _managed_village_q(scope))


def overseen_villages(user: AnyUser) -> QuerySet[Village]:
    """Villages whose dashboards, reports and trends the user reads: those they manage and
    those of their counties (county staff)."""
    scope = scope_for(user)
    return restrict(Village.objects.select_related("township"), scope, _overseen_village_q(scope))


def townships(user: AnyUser) -> QuerySet[Township]:
    """Townships with a village the user oversees (all of them for an admin)."""
    scope = scope_for(user)
    q = Q(villages__id__in=sorted(scope.seen_village_ids)) if scope.seen_village_ids else NOTHING
    return restrict(Township.objects.select_related("county"), scope, q).distinct()


def counties(user: AnyUser) -> QuerySet[County]:
    """Counties the user oversees as a whole (county staff; every county for an admin)."""
    scope = scope_for(user)
    q = Q(id__in=sorted(scope.county_ids)) if scope.county_ids else NOTHING
    return restrict(County.objects.all(), scope, q)


def groups(user: AnyUser) -> QuerySet[VillageGroup]:
    return VillageGroup.objects.filter(village__in=villages(user))


def households(user: AnyUser) -> QuerySet[Household]:
    scope = scope_for(user)
    q = scope.village_q("village")
    if scope.member_id:
        q |= linked_to_member(scope.member_id)
    return restrict(Household.objects.all(), scope, q)


def recordable_households(user: AnyUser) -> QuerySet[Household]:
    """Households the user may write for (notebook entries, requests): those of the villages
    they manage and a member's linked ones; never those a county role only oversees."""
    scope = scope_for(user)
    q = _managed_household_q(scope)
    if scope.member_id:
        q |= linked_to_member(scope.member_id)
    return restrict(Household.objects.all(), scope, q)


def managed_households(user: AnyUser) -> QuerySet[Household]:
    """Households of the villages the user manages (roster changes, exports, cards act on
    these only: never on households a county role oversees or a member is linked to)."""
    scope = scope_for(user)
    return restrict(Household.objects.all(), scope, _managed_household_q(scope))


def managed_household_for(user: AnyUser, pk: object) -> Household:
    """A household the user may change as a roster entry (else 404)."""
    return get_or_404(managed_households(user).select_related("village__township", "group"), pk=pk)


def _managed_household_q(scope: Scope) -> Q:
    if not scope.staff_village_ids:
        return NOTHING
    return Q(village_id__in=sorted(scope.staff_village_ids))


# --- One object or 404 ----------------------------------------------------------------------


def get_or_404(queryset: QuerySet[_Row], *, pk: object) -> _Row:
    """The object if the scoped queryset holds it; Http404 otherwise, GET or POST alike."""
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def household_for(user: AnyUser, pk: object) -> Household:
    return get_or_404(households(user).select_related("village__township", "group"), pk=pk)


def village_for(user: AnyUser, pk: object) -> Village:
    return get_or_404(villages(user), pk=pk)


# --- What may change ------------------------------------------------------------------------


def can_manage_rosters(user: AnyUser) -> bool:
    """Household and member rosters, imports and exports: township staff and admins."""
    return scope_for(user).is_township_level


def can_manage_village(user: AnyUser, village_id: int) -> bool:
    """Requests, meetings and assignments of a village: its secretary, township staff, admins."""
    return scope_for(user).manages(village_id)


def can_oversee_village(user: AnyUser, village_id: int) -> bool:
    """A village's dashboard: who manages it, and county staff of its county."""
    return scope_for(user).oversees(village_id)


def require(condition: bool) -> None:
    """Refuse an action outside the user's rights with 404, the same answer as out of scope."""
    if not condition:
        raise Http404
