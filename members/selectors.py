"""Reads for the member pages: one query per list whatever the page size."""

from dataclasses import dataclass

from django.db.models import F, FilteredRelation, OuterRef, Q, QuerySet

from base.aggregates import subquery_count
from base.dates import month_start, next_month_start
from base.normalize import normalize_text
from households.models import Household
from households.selectors import households_annotated
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


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One active household on the board (members/jinja2/members/_board_rows.html,
    _board_unassigned.html): its number, head, group and member (None: no member)."""

    pk: int
    number: str
    head_name: str
    is_priority: bool
    group_id: int
    group_name: str
    member_name: str | None


def board_rows(village) -> list[BoardRow]:
    """Every active household of the village with its member, by group and number, in one
    query of plain values: the board pages them, and picks the ones without a member
    (`board_unassigned`) from the same rows instead of asking again."""
    rows = (
        village.households.filter(status="active")
        .annotate(
            open_link=FilteredRelation(
                "assignments", condition=Q(assignments__ended_on__isnull=True)
            )
        )
        .order_by("group__number", "number")
        .values_list(
            "pk",
            "number",
            "head_name",
            "is_priority",
            "group_id",
            "group__name",
            "open_link__member__name",
        )
    )
    return [BoardRow(*row) for row in rows]


def board_unassigned(rows: list[BoardRow]) -> list[BoardRow]:
    """The rows without a member, priority households first (then by group and number)."""
    return sorted(
        (row for row in rows if row.member_name is None), key=lambda row: not row.is_priority
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
