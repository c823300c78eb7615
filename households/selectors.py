"""Reads for the registry pages: one query per list whatever the page size."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    JSONField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import JSONObject
from django.utils.functional import Promise

from base.dates import month_start, next_month_start
from households import hooks
from households.models import Household, HouseholdStatus
from notify.selectors import opted_out

# A translated text, read in the language of whoever reads it.
Label = str | Promise


def open_links() -> QuerySet[Model]:
    """Open member-household links. They live a floor up (members.Assignment), which lends
    them here (households.hooks); the registry reads them, for display and scoping, and
    never changes them (so it knows their rows as models, not by their class)."""
    return hooks.links().open_links()


def open_assignment(household_ref: str = "pk") -> QuerySet[Model]:
    """The open link of the household at `household_ref`, for subqueries."""
    return open_links().filter(household_id=OuterRef(household_ref))


def households_annotated(households: QuerySet[Household]) -> QuerySet[Household]:
    """Households with their member, last visit and this month's visit, in the same query.

    The last visit is the maintained `last_visited_on` column (casebook.services). The member
    is read by subqueries on the household's one open link, evaluated only for the rows a
    page shows; a LEFT JOIN instead would be kept in the paginator's COUNT(*) as well and,
    at the scale of a prefecture, hash every open link to count one township's households.
    """
    link = open_assignment()
    # is_assigned is for filters only (has a member: yes/no): not in the SELECT, where it
    # cost a scan of every open link to answer 50 rows.
    return with_assigned(households.select_related("village", "group")).annotate(
        member_id=Subquery(link.values("member_id")[:1]),
        member_name=Subquery(link.values("member__name")[:1]),
        last_visit=F("last_visited_on"),
        # CASE, not a bare comparison: never visited (NULL) must read as False.
        visited_now=Case(
            When(visited_this_month_q(), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def households_listed(households: QuerySet[Household]) -> QuerySet[Household]:
    """The household list's and its export's rows: village, group, the member as
    `linked_member` ({"id", "name"}, or None), the last visit (`last_visit`).

    Lighter than households_annotated: the member's id and name come from one subquery on
    the open link (a JSON object), and "visited this month" is told from the last visit
    (`list_rows`); the filters add what they filter on (`with_assigned`,
    `visited_this_month_q`).
    """
    member = open_assignment().values(m=JSONObject(id=F("member_id"), name=F("member__name")))
    return households.select_related("village", "group").annotate(
        linked_member=Subquery(member[:1], output_field=JSONField()),
        last_visit=F("last_visited_on"),
    )


def with_assigned(households: QuerySet[Household]) -> QuerySet[Household]:
    """`is_assigned` (has an open link) to filter on."""
    return households.alias(is_assigned=Exists(open_assignment()))


def visited_this_month_q() -> Q:
    start = month_start()
    return Q(last_visited_on__gte=start, last_visited_on__lt=next_month_start(start))


# What a list row shows (households/jinja2/households/_list_rows.html): the page reads these
# values only, as plain rows (`list_rows`): the other fifteen columns (card token, address,
# timestamps…) and three model instances a row cost their transfer and construction on
# every row of every list page, for nothing.
LIST_ROW_VALUES = (
    "pk",
    "number",
    "head_name",
    "phone",
    "status",
    *Household.PRIORITY_FLAGS,
    "is_priority",
    "last_visit",
    "village__name",
    "group__name",
    "linked_member",
)


def _flag_label(flag: str) -> Label:
    field = Household._meta.get_field(flag)
    label: Label = getattr(field, "verbose_name", flag)  # the flags are columns: their name
    return label


@dataclass(frozen=True, slots=True)
class ListRow:
    """One row of the household list, as households_listed(...).values(*LIST_ROW_VALUES)
    gives it, with the labels it shows."""

    pk: int
    number: str
    head_name: str
    phone: str
    status: str
    status_label: Label
    is_priority: bool
    flag_labels: list[Label]
    village_name: str
    group_name: str
    linked_member: dict[str, Any] | None  # {"id", "name"} of the open link's member
    last_visit: datetime.date | None
    visited_this_month: bool


def list_rows(values: Iterable[dict[str, Any]]) -> list[ListRow]:
    """The household list's rows from `LIST_ROW_VALUES` dicts (today's month read once)."""
    start = month_start()
    end = next_month_start(start)
    flags = [(f, _flag_label(f)) for f in Household.PRIORITY_FLAGS]
    statuses: dict[str, Label] = dict(HouseholdStatus.choices)
    return [
        ListRow(
            pk=v["pk"],
            number=v["number"],
            head_name=v["head_name"],
            phone=v["phone"],
            status=v["status"],
            status_label=statuses.get(v["status"], v["status"]),
            is_priority=v["is_priority"],
            flag_labels=[label for flag, label in flags if v[flag]],
            village_name=v["village__name"],
            group_name=v["group__name"],
            linked_member=v["linked_member"],
            last_visit=v["last_visit"],
            visited_this_month=v["last_visit"] is not None and start <= v["last_visit"] < end,
        )
        for v in values
    ]


def household_page(household: Household) -> dict[str, Any]:
    """Everything the household page shows, in a fixed number of queries.

    The links, notebook entries, requests and meetings live on the floors above: each
    lends its section of the page (households.hooks); whoever may see the household may
    see all of them.
    """
    page: dict[str, Any] = {
        "consent_changes": list(household.consent_changes.select_related("by")[:5]),
        # Asked only of a household that agreed: did its number reply 退订 since?
        "sms_opted_out": household.sms_consent and opted_out(household.phone),
    }
    for section in hooks.household_page_sections():
        page.update(section(household))
    return page


def household_wants_texts(household_id: str, phone: str) -> bool:
    """The household still agrees to text messages, at this number (asked again by the
    worker at sending time: a withdrawal or a new number since the text was queued wins)."""
    row = (
        Household.objects.filter(pk=int(household_id) if household_id.isdigit() else 0)
        .values_list("sms_consent_at", "phone")
        .first()
    )
    return row is None or (row[0] is not None and row[1] == phone)
