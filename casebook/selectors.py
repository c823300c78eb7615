"""Reads for the notebook and the inbox: bounded queries whatever the data size."""

from django.db.models import OuterRef, QuerySet, Subquery

from casebook.models import Request, RequestEvent, overdue_q
from households.models import Household, HouseholdStatus
from households.selectors import households_annotated, open_assignment


def households_due(households: QuerySet[Household]) -> QuerySet[Household]:
    """Linked, active households not yet visited this calendar month; priority first."""
    return (
        households_annotated(households.filter(status=HouseholdStatus.ACTIVE))
        .filter(is_assigned=True, visited_now=False)
        .annotate(member_user_id=Subquery(open_assignment().values("member__user_id")[:1]))
        .order_by("member_name", "member_id", "-is_priority", "last_visit", "number")
    )


def inbox(requests: QuerySet[Request]) -> QuerySet[Request]:
    return requests.select_related("household", "village", "category", "owner").order_by(
        "-created_at", "-id"
    )


def overdue(requests: QuerySet[Request]) -> QuerySet[Request]:
    return requests.filter(overdue_q())


def timeline(request: Request) -> QuerySet[RequestEvent]:
    return request.events.select_related("actor").order_by("at", "id")


def last_event_at(requests: QuerySet[Request]) -> QuerySet[Request]:
    latest = RequestEvent.objects.filter(request_id=OuterRef("pk")).order_by("-at")
    return requests.annotate(last_event_at=Subquery(latest.values("at")[:1]))
