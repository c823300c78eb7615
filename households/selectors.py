"""Reads for the registry pages: one query per list whatever the page size."""

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from casebook.models import Visit
from households.models import Household
from liaison.dates import month_start, next_month_start
from members.models import Assignment


def open_assignment(household_ref: str = "pk") -> QuerySet[Assignment]:
    return Assignment.objects.filter(household_id=OuterRef(household_ref), ended_on__isnull=True)


def visited_this_month(household_ref: str = "pk") -> Exists:
    start = month_start()
    return Exists(
        Visit.objects.filter(
            household_id=OuterRef(household_ref),
            visited_on__gte=start,
            visited_on__lt=next_month_start(start),
        )
    )


def households_annotated(households: QuerySet[Household]) -> QuerySet[Household]:
    """Households with their member, last visit and this month's visit, in the same query.

    The member comes from a join on the household's open link (a partial unique index allows
    at most one per household); the last visit is the maintained `last_visited_on` column
    (casebook.signals), so a page of households costs no subquery per row.
    """
    start = month_start()
    return (
        households.alias(
            link=FilteredRelation("assignments", condition=Q(assignments__ended_on__isnull=True))
        )
        .select_related("village", "group")
        .annotate(
            member_id=F("link__member_id"),
            member_name=F("link__member__name"),
            last_visit=F("last_visited_on"),
            is_assigned=ExpressionWrapper(
                Q(link__member_id__isnull=False), output_field=BooleanField()
            ),
            # CASE, not a bare comparison: never visited (NULL) must read as False.
            visited_now=Case(
                When(
                    Q(last_visited_on__gte=start, last_visited_on__lt=next_month_start(start)),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


def household_page(household: Household, user) -> dict:
    """Everything the household page shows, in a fixed number of queries."""
    from liaison import access

    assignments = list(
        household.assignments.select_related("member", "assigned_by", "ended_by").order_by(
            "-started_on", "-id"
        )
    )
    current = next((a for a in assignments if a.ended_on is None), None)
    visits = list(
        access.visits(user)
        .filter(household=household)
        .select_related("member")
        .prefetch_related("duties")
        .order_by("-visited_on", "-id")[:20]
    )
    requests = list(
        access.requests(user)
        .filter(household=household)
        .select_related("category", "owner")
        .order_by("-created_at")[:50]
    )
    meetings = list(
        household.meetings_attended.select_related("pavilion").order_by("-held_at")[:20]
    )
    return {
        "current": current,
        "assignments": assignments,
        "visits": visits,
        "requests": requests,
        "meetings": meetings,
    }
