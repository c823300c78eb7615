"""Reads for the home page: counts within the user's scope, and a member's work today."""

from dataclasses import dataclass

from django.db.models import F

from base.dates import month_start, next_month_start
from casebook import access
from casebook import selectors as casebook_selectors
from casebook.models import OPEN_STATUSES, Request
from households.models import Household, HouseholdStatus
from members import access as roster


@dataclass(frozen=True)
class HomeFigures:
    households: int
    members: int
    visits_this_month: int
    open_requests: int


def home_figures(user: roster.AnyUser) -> HomeFigures:
    """Four headline counts over what the user may see; one query each."""
    start = month_start()
    return HomeFigures(
        households=roster.households(user).filter(status=HouseholdStatus.ACTIVE).count(),
        members=roster.members(user).filter(is_active=True).count(),
        visits_this_month=access.visits(user)
        .filter(visited_on__gte=start, visited_on__lt=next_month_start(start))
        .count(),
        open_requests=access.requests(user).filter(status__in=OPEN_STATUSES).count(),
    )


# Enough for any member's open requests (a few at a time); more link to the inbox.
TODAY_REQUESTS = 30


@dataclass(frozen=True)
class Today:
    """A member's work today: who is still due this month, and the open requests."""

    due: list[Household]
    linked: int
    requests: list[Request]
    open_requests: int

    @property
    def visited(self) -> int:
        return self.linked - len(self.due)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.requests if r.is_overdue)


def member_today(user: roster.AnyUser) -> Today:
    """The member's linked households not yet visited this month (priority households
    first), and the open requests they answer for (their households' and those they own),
    soonest reply date first. Five queries whatever the numbers."""
    member_id = roster.scope_for(user).member_id
    mine = roster.households(user).filter(
        roster.linked_to_member(member_id), status=HouseholdStatus.ACTIVE
    )
    due = list(
        casebook_selectors.households_due(mine).order_by(
            "-is_priority", F("last_visit").asc(nulls_first=True), "number"
        )
    )
    requests = access.requests(user).filter(status__in=OPEN_STATUSES)
    shown = list(
        requests.select_related("household", "category").order_by(
            F("due_on").asc(nulls_last=True), "id"
        )[:TODAY_REQUESTS]
    )
    return Today(
        due=due,
        linked=mine.count(),
        requests=shown,
        open_requests=len(shown) if len(shown) < TODAY_REQUESTS else requests.count(),
    )
