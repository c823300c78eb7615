"""What the floor above adds to the member roster, registering here from its AppConfig.ready().

The roster (the member list and its export) shows figures counted from rows that live a
floor up. casebook registers them (`register_roster_columns`): `visits_now`, the member's
notebook entries this month, and `open_requests`, the open requests of the households linked
to the member, as expressions over a PartyMember queryset (`OuterRef("pk")`: the member).
"""

from collections.abc import Callable
from typing import Any

# Column name -> expression to annotate a PartyMember queryset with.
RosterColumns = Callable[[], dict[str, Any]]

_roster_columns: list[RosterColumns] = []


def register_roster_columns(columns: RosterColumns) -> None:
    if columns not in _roster_columns:
        _roster_columns.append(columns)


def roster_columns() -> dict[str, Any]:
    """Every registered column, built afresh (a column may read today's month)."""
    built: dict[str, Any] = {}
    for columns in _roster_columns:
        built.update(columns())
    return built
