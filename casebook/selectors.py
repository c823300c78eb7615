"""Reads for the notebook and the inbox: bounded queries whatever the data size."""

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Exists, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from base.aggregates import subquery_count
from base.dates import month_start, next_month_start
from casebook.models import (
    Meeting,
    MeetingKind,
    MeetingStatus,
    Request,
    RequestEvent,
    RequestSource,
    RequestStatus,
    Visit,
)
from casebook.texts import TextLine, waiting_texts
from households.models import Household, HouseholdStatus, Village
from households.selectors import households_annotated, open_assignment
from members.selectors import open_links
from notify.selectors import capped, messages_about

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class DueAnnotations(TypedDict):
    """What households_annotated adds to each household, which households_due reads."""

    is_assigned: bool
    visited_now: bool
    member_name: str | None
    member_id: int | None
    last_visit: datetime.date | None


def household_casebook(household: Household) -> dict[str, Sequence[Model]]:
    """The household page's notebook entries, requests and meetings (casebook lends them to
    the registry's page: households.hooks), newest first, in a fixed number of queries."""
    visits = list(
        household.visits.select_related("member")
        .prefetch_related("duties")
        .order_by("-visited_on", "-id")[:20]
    )
    requests = list(
        household.requests.select_related("category", "owner").order_by("-created_at")[:50]
    )
    meetings = list(
        household.meetings_attended.select_related("pavilion").order_by("-held_at")[:20]
    )
    return {"visits": visits, "requests": requests, "meetings": meetings}


def roster_columns() -> dict[str, Coalesce]:
    """The member roster's figures counted here (casebook lends them to the roster:
    members.hooks): the member's notebook entries this month, and the open requests of
    the households linked to them."""
    start = month_start()
    return {
        "visits_now": subquery_count(
            Visit.objects.filter(
                member_id=OuterRef("pk"),
                visited_on__gte=start,
                visited_on__lt=next_month_start(start),
            )
        ),
        "open_requests": subquery_count(
            Request.objects.open().filter(
                household_id__in=open_links()
                .filter(member_id=OuterRef(OuterRef("pk")))
                .values("household_id")
            )
        ),
    }


def households_due(households: QuerySet[Household]) -> QuerySet[Household]:
    """Linked, active households not yet visited this calendar month; priority first."""
    annotated = cast(
        "QuerySet[WithAnnotations[Household, DueAnnotations]]",
        households_annotated(households.filter(status=HouseholdStatus.ACTIVE)),
    )
    return (
        annotated.filter(is_assigned=True, visited_now=False)
        .annotate(member_user_id=Subquery(open_assignment().values("member__user_id")[:1]))
        .order_by("member_name", "member_id", "-is_priority", "last_visit", "number")
    )


# What an inbox row shows (casebook/jinja2/casebook/_inbox_rows.html): the page reads these
# columns only, not the household's whole record or the owner's password hash.
INBOX_ROW_FIELDS = (
    "status",
    "satisfaction",
    "source",
    "description",
    "created_at",
    "accept_due_on",
    "due_on",
    "household__head_name",
    "village__name",
    "category__name",
    "category__name_en",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


def inbox_labels() -> dict[str, dict[str, str]]:
    """The status and source labels the inbox's rows show, translated once per page (a
    model's get_FOO_display() rebuilds its choices, translating every label, on every call:
    760 translations a page of 50 rows)."""
    return {
        "status": {value: str(label) for value, label in RequestStatus.choices},
        "source": {value: str(label) for value, label in RequestSource.choices},
    }


def inbox(requests: QuerySet[Request]) -> QuerySet[Request]:
    return (
        requests.select_related("household", "village", "category", "owner")
        .only(*INBOX_ROW_FIELDS)
        .order_by("-created_at", "-id")
    )


def timeline(request: Request) -> QuerySet[RequestEvent]:
    """The request's lines in order, each with its voice message's id (not its bytes)."""
    return request.events.select_related("actor", "voice").defer("voice__data").order_by("at", "id")


def texts_capped(villages: QuerySet[Village]) -> bool:
    """Whether a township of these villages sent its day's text messages: the rest wait for
    tomorrow morning, and staff should phone what cannot wait."""
    return capped(villages.values("township_id"))


def timeline_with_texts(
    request: Request, events: list[RequestEvent]
) -> list[RequestEvent | TextLine]:
    """The request's lines with its text messages among them, by time: staff see whether
    the household was told ("已短信告知农户") or, when a text failed, that they must phone."""
    texts = messages_about([f"request:{request.pk}"]).get(f"request:{request.pk}", [])
    waiting = waiting_texts(request, events, texts)  # the poll has yet to pass
    lines: list[RequestEvent | TextLine] = [*events, *map(TextLine.of, texts), *waiting]
    return sorted(lines, key=lambda line: line.at)


class Signatories(TypedDict):
    """Who signs a mediation agreement, for casebook/mediation_agreement.html."""

    parties: list[Household | None]
    witnesses: list[str]
    copies: int


def mediation_signatories(meeting: Meeting) -> Signatories:
    """Who signs a mediation agreement: each party, the mediator, and the witnesses.

    The witnesses are the members present other than the mediator; two blank lines when
    none was recorded (people present sign by hand). So are the parties, when none is
    recorded yet.
    """
    parties: list[Household | None] = list(
        meeting.parties.select_related("group").order_by("group__number", "number")
    )
    witnesses = [
        m.name for m in meeting.attendee_members.order_by("name") if m.pk != meeting.convener_id
    ][:4]
    parties = parties or [None, None]  # not recorded yet: two blank parties to fill by hand
    return {
        "parties": parties,
        "witnesses": witnesses or ["", ""],
        "copies": len(parties) + 1,
    }


def mediation_follow_ups(meetings: QuerySet[Meeting], *, until: datetime.date) -> QuerySet[Meeting]:
    """Mediations whose follow-up visit is due by `until` and not yet made.

    Made means: the responsible member visited one of the parties on or after the date.
    """
    done = Visit.objects.filter(
        member_id=OuterRef("follow_up_member_id"),
        household__mediations=OuterRef("pk"),
        visited_on__gte=OuterRef("follow_up_on"),
    )
    return (
        meetings.filter(kind=MeetingKind.MEDIATION, follow_up_on__lte=until)
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(~Exists(done))
        .select_related("follow_up_member")
        .prefetch_related("parties")
        .order_by("follow_up_on")
    )
