"""Automatic four-neighbour proposals: a capacitated assignment solved as a bipartite matching.

Each active member is expanded into `capacity` slots; each household needing a member is a
row. An edge joins a household to every slot of its K nearest members of the same village;
its weight is the walking distance plus a small, growing cost for each further slot of the
same member, so that loads stay balanced when distances are close. SciPy's sparse
min_weight_full_bipartite_matching (LAPJVsp) then finds the cheapest assignment that gives
every household exactly one slot. When the sparse graph has no full matching, K grows, and
finally every member is joined (still the same exact optimum over all pairs).

Existing links are kept unless they break a rule (member retired or over capacity, another
village, household retired): kept links fill their member's slots first.
Where a household has no coordinates, its group's centre (then the village's) stands in,
nudged along the group by door number.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching
from scipy.spatial import cKDTree

from households.models import Household, HouseholdStatus, Village
from members.models import Assignment, PartyMember

KM_PER_DEG_LAT = 111.0
BALANCE_METRES_PER_SLOT = 60.0  # the k-th household of one member costs k × 60 m more
NEAREST_MEMBERS = 12
DOOR_STEP_METRES = 15.0


class ProposalInfeasible(Exception):
    """The village cannot be fully linked as it stands; the message says what to change."""


@dataclass
class Change:
    household: Household
    old_member: PartyMember | None
    new_member: PartyMember
    old_distance: float | None
    new_distance: float

    @property
    def key(self) -> str:
        return f"{self.household.pk}:{self.new_member.pk}"


@dataclass
class Proposal:
    village: Village
    changes: list[Change] = field(default_factory=list)
    kept: int = 0
    total_before: float = 0.0  # metres, over the links that exist now
    total_after: float = 0.0  # metres, over all links after the proposal
    loads_before: dict[int, int] = field(default_factory=dict)
    loads_after: dict[int, int] = field(default_factory=dict)
    members: dict[int, PartyMember] = field(default_factory=dict)

    @property
    def load_range_before(self) -> tuple[int, int]:
        values = list(self.loads_before.values()) or [0]
        return min(values), max(values)

    @property
    def load_range_after(self) -> tuple[int, int]:
        values = list(self.loads_after.values()) or [0]
        return min(values), max(values)


def _xy(lat, lng, lat0) -> tuple[float, float]:
    """Metres east and north on a local flat projection (fine within a township)."""
    x = float(lng) * KM_PER_DEG_LAT * 1000 * math.cos(math.radians(lat0))
    y = float(lat) * KM_PER_DEG_LAT * 1000
    return x, y


def _positions(households: list[Household], village: Village, lat0: float) -> np.ndarray:
    """Each household's position; missing coordinates from its group's centre and door order."""
    known = defaultdict(list)
    for h in households:
        if h.latitude is not None and h.longitude is not None:
            known[h.group_id].append(_xy(h.latitude, h.longitude, lat0))
    every = [p for points in known.values() for p in points]
    if village.latitude is not None and village.longitude is not None:
        village_centre = _xy(village.latitude, village.longitude, lat0)
    elif every:
        village_centre = tuple(np.mean(every, axis=0))
    else:
        village_centre = (0.0, 0.0)
    centres = {g: tuple(np.mean(points, axis=0)) for g, points in known.items()}
    result = np.zeros((len(households), 2))
    for i, h in enumerate(households):
        if h.latitude is not None and h.longitude is not None:
            result[i] = _xy(h.latitude, h.longitude, lat0)
        else:
            cx, cy = centres.get(h.group_id, village_centre)
            door = int("".join(ch for ch in (h.door_no or h.number) if ch.isdigit()) or 0)
            result[i] = (cx + DOOR_STEP_METRES * (door % 200), cy)
    return result


def _member_positions(members: list[PartyMember], household_xy, households, lat0) -> np.ndarray:
    """A member's home; without coordinates, the middle of the households of their group."""
    result = np.zeros((len(members), 2))
    by_group = defaultdict(list)
    for i, h in enumerate(households):
        by_group[h.group_id].append(household_xy[i])
    fallback = household_xy.mean(axis=0) if len(household_xy) else np.zeros(2)
    for i, m in enumerate(members):
        if m.latitude is not None and m.longitude is not None:
            result[i] = _xy(m.latitude, m.longitude, lat0)
        elif by_group.get(m.group_id):
            result[i] = np.mean(by_group[m.group_id], axis=0)
        else:
            result[i] = fallback
    return result


def propose(village: Village, *, keep_existing: bool = True) -> Proposal:
    """The proposal for one village (three queries); raises ProposalInfeasible with advice.

    With keep_existing=False every link is open to change (a fresh plan for the village).
    """
    households = list(
        Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE).order_by("pk")
    )
    members = list(PartyMember.objects.filter(village=village, is_active=True).order_by("pk"))
    links = {
        a.household_id: a
        for a in Assignment.objects.filter(
            household__village=village, ended_on__isnull=True
        ).select_related("member")
    }
    proposal = Proposal(village=village, members={m.pk: m for m in members})
    if not households:
        return proposal
    if not members:
        raise ProposalInfeasible(
            _("%(village)s has no active party member. Add members or bring one back first.")
            % {"village": village.name}
        )
    capacity = sum(m.capacity for m in members)
    if capacity < len(households):
        raise ProposalInfeasible(
            _(
                "%(village)s has %(households)d households but its %(members)d members can take "
                "only %(capacity)d. Raise some members' capacity or add members "
                "(%(missing)d places are missing)."
            )
            % {
                "village": village.name,
                "households": len(households),
                "members": len(members),
                "capacity": capacity,
                "missing": len(households) - capacity,
            }
        )

    lat0 = float(village.latitude) if village.latitude is not None else 36.0
    hxy = _positions(households, village, lat0)
    mxy = _member_positions(members, hxy, households, lat0)
    member_index = {m.pk: j for j, m in enumerate(members)}

    # Keep valid existing links: active member of the same village, within capacity.
    room = np.array([m.capacity for m in members])
    keep = {}
    for i, h in enumerate(households):
        link = links.get(h.pk)
        j = member_index.get(link.member_id) if link else None
        if keep_existing and j is not None and room[j] > 0:
            keep[i] = j
            room[j] -= 1
    for link in links.values():
        j = member_index.get(link.member_id)
        if j is not None:
            proposal.loads_before[link.member_id] = proposal.loads_before.get(link.member_id, 0) + 1
    for m in members:
        proposal.loads_before.setdefault(m.pk, 0)

    todo = [i for i in range(len(households)) if i not in keep]
    assigned = dict(keep)
    if todo:
        used = np.array([m.capacity for m in members]) - room
        assigned.update(_solve(hxy[todo], mxy, room, used, todo))

    distances = np.hypot(*(hxy - mxy[[assigned[i] for i in range(len(households))]]).T)
    proposal.total_after = float(distances.sum())
    proposal.kept = len(keep)
    for i, h in enumerate(households):
        link = links.get(h.pk)
        old_member = link.member if link else None
        old_distance = None
        if old_member is not None and old_member.pk in member_index:
            old_distance = float(np.hypot(*(hxy[i] - mxy[member_index[old_member.pk]])))
        elif old_member is not None and old_member.latitude is not None:
            old_distance = float(
                np.hypot(*(hxy[i] - _xy(old_member.latitude, old_member.longitude, lat0)))
            )
        if old_distance is not None:
            proposal.total_before += old_distance
        new_member = members[assigned[i]]
        proposal.loads_after[new_member.pk] = proposal.loads_after.get(new_member.pk, 0) + 1
        if old_member is None or old_member.pk != new_member.pk:
            proposal.changes.append(
                Change(h, old_member, new_member, old_distance, float(distances[i]))
            )
    for m in members:
        proposal.loads_after.setdefault(m.pk, 0)
    return proposal


def _solve(
    hxy: np.ndarray, mxy: np.ndarray, room: np.ndarray, used: np.ndarray, rows: list[int]
) -> dict[int, int]:
    """Match households (rows) to member slots at least total cost; {row: member index}.

    Slot k of a member (counting the links it keeps) costs its distance + k × the balance term.
    """
    slots_of = np.concatenate([[0], np.cumsum(room)])  # member j owns slots slots_of[j]:[j+1]
    slot_member = np.repeat(np.arange(len(mxy)), room)
    slot_rank = np.concatenate([np.arange(r) for r in room]) + used[slot_member]
    tree = cKDTree(mxy)
    k = min(NEAREST_MEMBERS, len(mxy))
    while True:
        distance, nearest = tree.query(hxy, k=k)
        distance = distance.reshape(len(hxy), k)
        nearest = nearest.reshape(len(hxy), k)
        rows_, cols_, costs_ = [], [], []
        for column in range(k):
            members = nearest[:, column]
            counts = room[members]
            household = np.repeat(np.arange(len(hxy)), counts)
            start = np.repeat(slots_of[members], counts)
            offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            slot = start + offset
            rows_.append(household)
            cols_.append(slot)
            costs_.append(
                np.repeat(distance[:, column], counts)
                + BALANCE_METRES_PER_SLOT * slot_rank[slot]
                + 1.0
            )
        graph = csr_matrix(
            (np.concatenate(costs_), (np.concatenate(rows_), np.concatenate(cols_))),
            shape=(len(hxy), len(slot_member)),
        )
        try:
            row_ind, col_ind = min_weight_full_bipartite_matching(graph)
            break
        except ValueError:
            if k >= len(mxy):
                raise ProposalInfeasible(_("No complete set of links exists.")) from None
            k = min(k * 2, len(mxy))
    return {rows[i]: int(slot_member[j]) for i, j in zip(row_ind, col_ind, strict=True)}


def objective(distances_m, loads) -> float:
    """What the proposal minimises: walking metres plus the balance cost of each member's load."""
    return float(sum(distances_m)) + BALANCE_METRES_PER_SLOT * sum(n * (n - 1) / 2 for n in loads)
