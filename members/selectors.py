"""Reads for the member pages: one query per list whatever the page size."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, FilteredRelation, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from base.aggregates import subquery_count
from base.normalize import normalize_text
from households.models import Household, Village
from households.selectors import households_annotated
from members import hooks
from members.models import Assignment, PartyMember


def open_links() -> QuerySet[Assignment]:
    """Every open member-household link: the one read of "a household's open link", here
    and, through households.hooks, on the floor below (at most one a household, a
    constraint says so)."""
    return Assignment.objects.filter(ended_on__isnull=True)


def with_linked_member(households: QuerySet[Household]) -> QuerySet[Household]:
    """These households with `member_name` and `member_phone`, their open link's member
    (None: nobody), through one join on the open link: the same link as open_links(), for
    pages that list a whole village (a subquery a row cost the card sheet four times the
    time)."""
    return households.annotate(
        open_link=FilteredRelation("assignments", condition=Q(assignments__ended_on__isnull=True)),
        member_name=F("open_link__member__name"),
        member_phone=F("open_link__member__phone"),
    )


def linked_member(household_id: int) -> PartyMember | None:
    """The member linked to the household now, with their login (None: nobody)."""
    link = open_links().filter(household_id=household_id).select_related("member__user").first()
    return link.member if link else None


def member_of(user_id: int) -> tuple[int, int] | None:
    """The active member a login is, as (member id, village id); None if it is none."""
    return (
        PartyMember.objects.filter(user_id=user_id, is_active=True)
        .values_list("id", "village_id")
        .first()
    )


def household_links(household: Household) -> dict[str, Any]:
    """The household page's links: the open one (`current`) and all of them, newest first."""
    assignments = list(
        household.assignments.select_related("member", "assigned_by", "ended_by").order_by(
            "-started_on", "-id"
        )
    )
    current = next((a for a in assignments if a.ended_on is None), None)
    return {"current": current, "assignments": assignments}


def member_load() -> Coalesce:
    """How many households the member links now (open assignments), as a column."""
    return subquery_count(open_links().filter(member_id=OuterRef("pk")))


def members_with_load(village: Village) -> QuerySet[PartyMember]:
    """The village's active members with their load (open links), for choosing one."""
    return (
        PartyMember.objects.filter(village=village, is_active=True)
        .annotate(load=member_load())
        .order_by("name", "pk")
    )


def members_annotated(members: QuerySet[PartyMember]) -> QuerySet[PartyMember]:
    """Members with their load and the roster's figures the floor above counts (visits
    this month, open requests of their households: members.hooks)."""
    return members.select_related("village", "group").annotate(
        load=member_load(), **hooks.roster_columns()
    )


def member_households(member: PartyMember, households: QuerySet[Household]) -> QuerySet[Household]:
    """The member's linked households (within the viewer's scope), priority first."""
    linked = households.filter(pk__in=open_links().filter(member=member).values("household_id"))
    annotated = households_annotated(linked)
    # The stubs' plugin checks names against the model's columns only: it cannot see the
    # annotations households_annotated() adds (visited_now).
    return annotated.order_by("visited_now", "-is_priority", "number")  # type: ignore[misc]


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


def board_rows(village: Village) -> list[BoardRow]:
    """Every active household of the village with its member, by group and number, in one
    query of plain values: the board pages them, and picks the ones without a member
    (`board_unassigned`) from the same rows instead of asking again."""
    # The stubs' plugin checks names against the model's columns only: it cannot see the
    # annotations with_linked_member() adds (member_name).
    rows = (
        with_linked_member(village.households.filter(status="active"))  # type: ignore[misc]
        .order_by("group__number", "number")
        .values_list(
            "pk",
            "number",
            "head_name",
            "is_priority",
            "group_id",
            "group__name",
            "member_name",
        )
    )
    return [BoardRow(*row) for row in rows]


def board_unassigned(rows: list[BoardRow]) -> list[BoardRow]:
    """The rows without a member, priority households first (then by group and number)."""
    return sorted(
        (row for row in rows if row.member_name is None), key=lambda row: not row.is_priority
    )


def household_labels(households: QuerySet[Household], ids: Iterable[int]) -> dict[int, str]:
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
