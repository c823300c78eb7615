"""Reads for the home page: counts within the user's scope."""

from dataclasses import dataclass

from base.dates import month_start, next_month_start
from casebook import access
from casebook.models import OPEN_STATUSES
from households.models import HouseholdStatus


@dataclass(frozen=True)
class HomeFigures:
    households: int
    members: int
    visits_this_month: int
    open_requests: int


def home_figures(user) -> HomeFigures:
    """Four headline counts over what the user may see; one query each."""
    start = month_start()
    return HomeFigures(
        households=access.households(user).filter(status=HouseholdStatus.ACTIVE).count(),
        members=access.members(user).filter(is_active=True).count(),
        visits_this_month=access.visits(user)
        .filter(visited_on__gte=start, visited_on__lt=next_month_start(start))
        .count(),
        open_requests=access.requests(user).filter(status__in=OPEN_STATUSES).count(),
    )
