"""Reads for the member pages: one query per list whatever the page size."""

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from base.aggregates import subquery_count
from base.dates import month_start, next_month_start
from base.normalize import normalize_text
from households.models import Household
from households.selectors import households_annotated, open_assignment
from members.models import Assignment, PartyMember


def member_load():
    """How many households the member links now (open assignments), as a column."""
    return subquery_count(
        Assignment.objects.filter(member_id=OuterRef("pk"), ended_on__isnull=True)
    )


def members_with_load(village) -> QuerySet[PartyMember]:
    """The village's active members with their load (open links), for choosing one."""
    return (
        PartyMember.objects.filter(village=village, is_active=True)
        .annotate(load=member_load())
        .order_by("name", "pk")
    )


def members_annotated(members: QuerySet[PartyMember]) -> QuerySet[PartyMember]:
    """Members with their load, visits this month and open requests of their households.

    The notebook and the requests live a floor up (casebook): read through the relations'
    names, as a ForeignKey("app.Model") does.
    """
    visit = PartyMember._meta.get_field("visits").related_model
    request = Household._meta.get_field("requests").related_model
    start = month_start()
    return members.select_related("village", "group").annotate(
        load=member_load(),
        visits_now=subquery_count(
            visit.objects.filter(
                member_id=OuterRef("pk"),
                visited_on__gte=start,
                visited_on__lt=next_month_start(start),
            )
        ),
        open_requests=subquery_count(
            request.objects.open().filter(
                household__assignments__member_id=OuterRef("pk"),
                household__assignments__ended_on__isnull=True,
            )
        ),
    )


def member_households(member: PartyMember, households: QuerySet) -> QuerySet:
    """The member's linked households (within the viewer's scope), priority first."""
    linked = households.filter(assignments__member=member, assignments__ended_on__isnull=True)
    return households_annotated(linked).order_by("visited_now", "-is_priority", "number")


def member_search_q(text: str) -> Q:
    text = normalize_text(text)
    if not text:
        return Q()
    q = Q(name__contains=text) | Q(phone__contains=text)
    if text.isascii() and text.replace(" ", "").isalpha():
        q |= Q(search_key__contains=text.lower().replace(" ", ""))
    return q


# The board's rows (templates/jinja2/members/_board_rows.html, _board_unassigned.html) show
# a household's number, head, group and member: they read those columns alone, without the
# list's last-visit and this-month columns.
BOARD_ROW_FIELDS = ("village", "number", "head_name", "is_priority", "group__name")


def board_unassigned(village) -> QuerySet:
    """Active households of the village with no member: priority first."""
    return (
        village.households.filter(status="active")
        .filter(~Exists(open_assignment()))
        .select_related("group")
        .only(*BOARD_ROW_FIELDS)
        .order_by("-is_priority", "group__number", "number")
    )


def board_households(village, *, group=None) -> QuerySet:
    """Every active household of the village with its member, by group and number."""
    households = village.households.filter(status="active")
    if group:
        households = households.filter(group_id=group)
    return (
        households.select_related("group")
        .annotate(member_name=Subquery(open_assignment().values("member__name")[:1]))
        .only(*BOARD_ROW_FIELDS)
        .order_by("group__number", "number")
    )


def household_labels(households: QuerySet[Household], ids) -> dict[int, str]:
    """`户主 (number)` for these households of the user's scope, to name them in a message."""
    return {
        pk: f"{name}（{number}）"
        for pk, name, number in households.filter(pk__in=list(ids)).values_list(
            "pk", "head_name", "number"
        )
    }


def stale_cards(households: QuerySet[Household]) -> int:
    """How many of these households' printed cards are out of date (or were never printed)."""
    return households.filter(
        Q(card_printed_version__isnull=True) | Q(card_printed_version__lt=F("card_version"))
    ).count()
