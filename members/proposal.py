"""Automatic four-neighbour proposals: an exact, priced, capacitated assignment, in groups.

The model (what a proposal minimises, in metres):
- each household's walk from its member's home, counted `priority_weight` (k) times for a
  priority household (elderly living alone, disability, hardship: 重点户);
- a balance term: a member's n-th household costs (n − 1) × `balance` metres more than the
  first (default 60 m, `BALANCE_METRES_PER_SLOT`), so loads even out when walks are close;
- a price for every move (`move_price`): a household that changes member needs a new card
  and a new acquaintance. Households without a valid link (none, a retired member, another
  village's member) must move anyway and pay no price.
Rules: every active household gets one active member of its own village; no member goes
over capacity.

The solver: each member is expanded into `capacity` slots (slot r costs r × the balance
term), each household is a row, and SciPy's min_weight_full_bipartite_matching (LAPJVsp)
finds the cheapest full matching on a sparse graph (each household joined to its nearest
members and to its current one). The sparse optimum is then certified over *all* pairs:
potentials from the members' exchange graph (a household moving from member a to member b)
give every missing pair a reduced cost; a negative one joins the graph and the matching
runs again. It stops when no pair could improve the plan, which is the exact optimum of the
model over every assignment (LP duality for min-cost flow with convex load costs), with
distances counted in whole centimetres.

Groups: the difference between the current links and the plan is cut into independent
groups (a chain of moves that makes room, or a swap), each of which applies alone, and in
any combination with the others, without taking any member over capacity (`_groups`). Each
group says what it buys (walks before and after, whose load evens out, which priority
household comes closer) and its gain taken apart (walking + balance − the moves' price). A
group that buys none of these, or a member for a household without one, or room in a member
over capacity (`Group.worth_proposing`), is withheld: the plan shown is the optimum without
such groups, and says how many moves it left out.

Where a household has no coordinates, its group's centre (then the village's) stands in,
nudged along the group by door number.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from base import geo
from households.models import Household, HouseholdStatus, Village
from members.models import PartyMember
from members.selectors import open_links

# The n-th household of one member costs (n − 1) × 60 m more: the largest round weight at
# which no demo village's total walk grows (README, "Why 60 m of balance").
BALANCE_METRES_PER_SLOT = 60.0
MAX_BALANCE = 2_000.0
# A move is worth making when it gains more than this many metres of the model (see README,
# "The automatic proposal"): a new card and a new acquaintance for the household.
MOVE_PRICE_METRES = 300.0
PRIORITY_WEIGHT = 3.0  # a priority household's walk counts three times
MAX_MOVE_PRICE = 100_000.0
MAX_PRIORITY_WEIGHT = 20.0
NEAREST_MEMBERS = 12
DOOR_STEP_METRES = 15.0
CM = 100  # the solver counts in whole centimetres
# What the proposal, its page and its map read (whole rows cost twice the time).
HOUSEHOLD_FIELDS = (
    "village_id", "group_id", "number", "head_name", "door_no", "latitude", "longitude",
    "is_priority", "status",
)  # fmt: skip
MEMBER_FIELDS = ("village_id", "group_id", "name", "capacity", "latitude", "longitude", "is_active")


class ProposalInfeasible(Exception):
    """The village cannot be fully linked as it stands; the message says what to change."""


@dataclass
class Change:
    household: Household
    old_member: PartyMember | None
    new_member: PartyMember
    old_distance: float | None
    new_distance: float
    needed: bool = False  # the household has no valid link now: it must move

    @property
    def key(self) -> str:
        """`household-old member-new member` (old 0: none): what the page posts back."""
        old = self.old_member.pk if self.old_member else 0
        return f"{self.household.pk}-{old}-{self.new_member.pk}"


@dataclass
class Group:
    """Moves that go together: alone, or with any other groups, they keep every capacity."""

    changes: list[Change]
    gain: float  # metres of the model saved by this group applied alone (price paid)
    walk_before: float  # metres, over the households that have a link now
    walk_after: float
    load_range_before: tuple[int, int]
    load_range_after: tuple[int, int]  # the village's, with this group alone applied
    number: int = 0  # 1, 2, … in the order shown
    # The gain, taken apart: weighted walking metres saved, the balance term's metres saved,
    # the price of the moves paid (gain = walk_gain + balance_gain − price).
    walk_gain: float = 0.0
    balance_gain: float = 0.0
    price: float = 0.0
    loads: list = field(default_factory=list)  # (member, households today, with the group)
    evens_loads: bool = False  # the members' loads come closer together (Σ load² falls)
    relieves_capacity: bool = False  # a member over capacity today gives up a household

    @property
    def walk_change(self) -> float:
        """Metres the group adds to its households' walks (negative: it shortens them)."""
        return self.walk_after - self.walk_before

    @property
    def priority_closer(self) -> list[Change]:
        """The priority households whose walk the group shortens."""
        return [
            c
            for c in self.changes
            if c.household.is_priority
            and c.old_distance is not None
            and c.new_distance < c.old_distance - 0.5
        ]

    @property
    def worth_proposing(self) -> bool:
        """What staff can see the group buy: a member for a household without one, shorter
        walks in all, more even loads, a priority household closer, or a member brought back
        within capacity. A group that only lengthens walks buys none of these."""
        return bool(
            self.needed
            or self.walk_saved > 0.5
            or self.evens_loads
            or self.priority_closer
            or self.relieves_capacity
        )

    @property
    def key(self) -> str:
        return ",".join(c.key for c in self.changes)

    @property
    def cards(self) -> int:
        """Cards to print: every household moved gets a card naming its new member."""
        return len(self.changes)

    @property
    def needed(self) -> int:
        """Households in the group that have no valid member now."""
        return sum(c.needed for c in self.changes)

    @property
    def walk_saved(self) -> float:
        return self.walk_before - self.walk_after


@dataclass
class Proposal:
    village: Village
    changes: list[Change] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    kept: int = 0
    total_before: float = 0.0  # metres, over the links that exist now
    total_after: float = 0.0  # metres, over all links after the proposal
    # A priority household's walk, before and after: {household: (metres, metres)}.
    priority_walks: dict[int, tuple[float, float]] = field(default_factory=dict)
    loads_before: dict[int, int] = field(default_factory=dict)
    loads_after: dict[int, int] = field(default_factory=dict)
    members: dict[int, PartyMember] = field(default_factory=dict)
    households: list[Household] = field(default_factory=list)
    assigned: dict[int, int] = field(default_factory=dict)  # household → member, after
    move_price: float = MOVE_PRICE_METRES
    priority_weight: float = PRIORITY_WEIGHT
    balance: float = BALANCE_METRES_PER_SLOT
    cost: float = 0.0  # the model's value of the plan (metres)
    cost_before: float | None = None  # the same of today's links, when every one is valid
    walk_cost: float = 0.0  # the plan's walking term (priority walks weighted), metres
    withheld: int = 0  # moves of the optimum left out: they bought nothing staff can see
    _sorted_loads: list | None = field(default=None, repr=False)

    @property
    def load_range_before(self) -> tuple[int, int]:
        values = list(self.loads_before.values()) or [0]
        return min(values), max(values)

    @property
    def load_range_after(self) -> tuple[int, int]:
        values = list(self.loads_after.values()) or [0]
        return min(values), max(values)

    def untouched_range(self, members) -> tuple[int | None, int | None]:
        """The smallest and largest load today among the members not in `members`."""
        if self._sorted_loads is None:
            self._sorted_loads = sorted((load, pk) for pk, load in self.loads_before.items())
        skip = set(members)
        low = next((load for load, pk in self._sorted_loads if pk not in skip), None)
        high = next((load for load, pk in reversed(self._sorted_loads) if pk not in skip), None)
        return low, high

    @property
    def moves(self) -> int:
        """Changes that move a validly linked household (each pays the move price)."""
        return sum(not c.needed for c in self.changes)

    @property
    def cards(self) -> int:
        return len(self.changes)

    @property
    def priority_before(self) -> list[float]:
        return [before for before, _after in self.priority_walks.values()]

    @property
    def priority_after(self) -> list[float]:
        return [after for _before, after in self.priority_walks.values()]

    @property
    def priority_mean_before(self) -> float | None:
        return float(np.mean(self.priority_before)) if self.priority_walks else None

    @property
    def priority_mean_after(self) -> float | None:
        return float(np.mean(self.priority_after)) if self.priority_walks else None

    @property
    def balance_before(self) -> float:
        """The balance term of today's loads (metres of the model)."""
        return balance_cost(self.loads_before.values(), self.balance)

    @property
    def balance_after(self) -> float:
        return balance_cost(self.loads_after.values(), self.balance)

    @property
    def loads_evened(self) -> list[tuple[PartyMember, int, int]]:
        """(member, households today, after) for each member whose load the plan changes,
        busiest first."""
        changed = [
            (self.members[pk], before, self.loads_after[pk])
            for pk, before in self.loads_before.items()
            if pk in self.loads_after and self.loads_after[pk] != before
        ]
        return sorted(changed, key=lambda row: (-row[1], row[2], row[0].pk))

    @property
    def walk_change(self) -> float:
        """Metres the plan adds to the village's total walk (negative: it shortens it)."""
        return self.total_after - self.total_before

    @property
    def walk_gain(self) -> float:
        """The model's walking metres the plan saves (a priority walk counted k times)."""
        return sum(g.walk_gain for g in self.groups)

    @property
    def balance_gain(self) -> float:
        return self.balance_before - self.balance_after

    @property
    def price(self) -> float:
        """The model's price of the plan's moves (validly linked households moved)."""
        return self.move_price * self.moves

    @property
    def gain(self) -> float:
        return self.walk_gain + self.balance_gain - self.price

    @property
    def needed(self) -> int:
        """Households that get a member because they have no valid one."""
        return sum(c.needed for c in self.changes)

    @property
    def priority_closer(self) -> int:
        """Priority households whose walk the plan shortens."""
        return sum(after < before - 0.5 for before, after in self.priority_walks.values())

    @property
    def priority_farther(self) -> int:
        return sum(after > before + 0.5 for before, after in self.priority_walks.values())


def _positions(households: list[Household], village: Village, lat0: float) -> np.ndarray:
    """Each household's position; missing coordinates from its group's centre and door order."""
    known = defaultdict(list)
    for h in households:
        if h.latitude is not None and h.longitude is not None:
            known[h.group_id].append(geo.xy(h.latitude, h.longitude, lat0))
    every = [p for points in known.values() for p in points]
    if village.latitude is not None and village.longitude is not None:
        village_centre = geo.xy(village.latitude, village.longitude, lat0)
    elif every:
        village_centre = tuple(np.mean(every, axis=0))
    else:
        village_centre = (0.0, 0.0)
    centres = {g: tuple(np.mean(points, axis=0)) for g, points in known.items()}
    result = np.zeros((len(households), 2))
    for i, h in enumerate(households):
        if h.latitude is not None and h.longitude is not None:
            result[i] = geo.xy(h.latitude, h.longitude, lat0)
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
            result[i] = geo.xy(m.latitude, m.longitude, lat0)
        elif by_group.get(m.group_id):
            result[i] = np.mean(by_group[m.group_id], axis=0)
        else:
            result[i] = fallback
    return result


def _check_feasible(village, households, members) -> None:
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


def propose(
    village: Village,
    *,
    move_price: float = MOVE_PRICE_METRES,
    priority_weight: float = PRIORITY_WEIGHT,
    balance: float = BALANCE_METRES_PER_SLOT,
    keep_existing: bool = False,
) -> Proposal:
    """The proposal for one village (three queries, four when a link names a retired member);
    raises ProposalInfeasible with advice.

    `move_price` (metres) is what keeping a household with its member is worth; 0 plans every
    link afresh. With keep_existing=True every valid link stays as it is and only households
    without one are placed (a handover uses it: it links exactly the households it frees).
    """
    move_price = max(0.0, float(move_price))
    priority_weight = max(1.0, float(priority_weight))
    balance = max(0.0, float(balance))
    households = list(
        Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE)
        .only(*HOUSEHOLD_FIELDS)
        .order_by("pk")
    )
    members = list(
        PartyMember.objects.filter(village=village, is_active=True)
        .only(*MEMBER_FIELDS)
        .order_by("pk")
    )
    links = dict(
        open_links().filter(household__village=village).values_list("household_id", "member_id")
    )
    by_pk = {m.pk: m for m in members}
    others = set(links.values()) - by_pk.keys()  # retired, or of another village: rare
    if others:
        by_pk.update(PartyMember.objects.only(*MEMBER_FIELDS).in_bulk(others))
    proposal = Proposal(
        village=village,
        members={m.pk: m for m in members},
        households=households,
        move_price=move_price,
        priority_weight=priority_weight,
        balance=balance,
    )
    if not households:
        return proposal
    _check_feasible(village, households, members)

    lat0 = geo.origin_latitude(village.latitude)
    hxy = _positions(households, village, lat0)
    mxy = _member_positions(members, hxy, households, lat0)
    member_index = {m.pk: j for j, m in enumerate(members)}
    capacity = np.array([m.capacity for m in members])
    distance = np.hypot(
        hxy[:, None, 0] - mxy[None, :, 0], hxy[:, None, 1] - mxy[None, :, 1]
    )  # households × members, metres
    weight = np.where([h.is_priority for h in households], priority_weight, 1.0)
    current = np.array([member_index.get(links.get(h.pk), -1) for h in households])
    for member_id in links.values():
        if member_id in member_index:
            proposal.loads_before[member_id] = proposal.loads_before.get(member_id, 0) + 1
    for m in members:
        proposal.loads_before.setdefault(m.pk, 0)

    if keep_existing:
        # Valid links fill their member's places first; the rest are placed around them.
        used = np.zeros(len(members), dtype=int)
        fixed = {}
        for i, j in enumerate(current):
            if j >= 0 and used[j] < capacity[j]:
                fixed[i] = int(j)
                used[j] += 1
        rows = [i for i in range(len(households)) if i not in fixed]
        assigned = np.empty(len(households), dtype=int)
        for i, j in fixed.items():
            assigned[i] = j
        if rows:
            cost = weight[rows, None] * distance[rows]
            assigned[rows] = solve(
                cost, capacity - used, used, np.full(len(rows), -1), 0.0, balance=balance
            )
    else:
        cost = weight[:, None] * distance
        assigned = solve(
            cost, capacity, np.zeros_like(capacity), current, move_price, balance=balance
        )

    rows = np.arange(len(households))
    old_distance = []
    for i, h in enumerate(households):
        old_member = by_pk.get(links.get(h.pk))
        if current[i] >= 0:
            old_distance.append(float(distance[i, current[i]]))
        elif old_member is not None and old_member.latitude is not None:
            old_distance.append(
                float(np.hypot(*(hxy[i] - geo.xy(old_member.latitude, old_member.longitude, lat0))))
            )
        else:
            old_distance.append(None)
    proposal.total_before = sum(d for d in old_distance if d is not None)
    if (current >= 0).all():
        proposal.cost_before = objective(
            weight * distance[rows, current],
            np.bincount(current, minlength=len(members)),
            balance=balance,
        )
    weights = {h.pk: w for h, w in zip(households, weight, strict=True)}
    index = {h.pk: i for i, h in enumerate(households)}
    # A group that buys nothing staff can see (no shorter walk in all, no load evened, no
    # priority household brought closer) is withheld: its households keep their member, and
    # the rest is cut into groups again (it can only lose more such groups, so this ends).
    while True:
        _fill(proposal, assigned, distance, old_distance, by_pk, links, current, weight)
        proposal.groups = _groups(proposal, weight=weights)
        withheld = [g for g in proposal.groups if not g.worth_proposing]
        if not withheld or keep_existing:
            return proposal
        for group in withheld:
            proposal.withheld += len(group.changes)
            for c in group.changes:
                i = index[c.household.pk]
                assigned[i] = current[i]


def _fill(proposal, assigned, distance, old_distance, by_pk, links, current, weight) -> None:
    """The plan's figures and changes from `assigned` (household row → member column)."""
    members = list(proposal.members.values())
    households = proposal.households
    new_distance = distance[np.arange(len(households)), assigned]
    proposal.total_after = float(new_distance.sum())
    loads_after = np.bincount(assigned, minlength=len(members))
    proposal.loads_after = {m.pk: int(loads_after[j]) for j, m in enumerate(members)}
    proposal.kept = int(np.sum(assigned == current))
    proposal.changes = []
    proposal.priority_walks = {}
    for i, h in enumerate(households):
        old_member = by_pk.get(links.get(h.pk))
        if h.is_priority and old_distance[i] is not None:
            proposal.priority_walks[h.pk] = (old_distance[i], float(new_distance[i]))
        new_member = members[assigned[i]]
        proposal.assigned[h.pk] = new_member.pk
        if old_member is None or old_member.pk != new_member.pk:
            proposal.changes.append(
                Change(
                    h,
                    old_member,
                    new_member,
                    old_distance[i],
                    float(new_distance[i]),
                    needed=bool(current[i] < 0),
                )
            )
    proposal.walk_cost = float(np.sum(weight * new_distance))
    proposal.cost = objective(
        weight * new_distance,
        loads_after,
        moves=proposal.moves,
        move_price=proposal.move_price,
        balance=proposal.balance,
    )


def objective(
    weighted_metres,
    loads,
    *,
    moves: int = 0,
    move_price: float = 0.0,
    balance: float = BALANCE_METRES_PER_SLOT,
) -> float:
    """What the proposal minimises: weighted walking metres, the balance cost of each member's
    load, and the price of each move of a validly linked household."""
    return float(np.sum(weighted_metres)) + balance_cost(loads, balance) + move_price * moves


# --- The solver -----------------------------------------------------------------------------


def balance_cost(loads, balance: float = BALANCE_METRES_PER_SLOT) -> float:
    """The balance term of the loads: a member's n-th household costs (n − 1) × `balance`."""
    loads = np.asarray(list(loads), dtype=float)
    return balance * float(np.sum(loads * (loads - 1) / 2))


def solve(
    cost: np.ndarray,
    room: np.ndarray,
    used: np.ndarray,
    current: np.ndarray,
    move_price: float,
    *,
    balance: float = BALANCE_METRES_PER_SLOT,
) -> np.ndarray:
    """The exact optimum: for each row (household), the column (member) it goes to.

    `cost[i, j]`: row i's metres with member j (already weighted); `room[j]`: places left;
    `used[j]`: places already taken by links that stay (they count in the balance term);
    `current[i]`: the member row i has now (−1: none valid), kept for free while any other
    costs `move_price`; `balance`: metres each further household of one member costs. Raises
    ProposalInfeasible when no full assignment exists.
    """
    n, m = cost.shape
    balance_cm = round(balance * CM)
    price = np.full((n, m), move_price)
    has_current = current >= 0
    price[np.flatnonzero(has_current), current[has_current]] = 0.0
    # Row i's full cost with member j before the balance term, in whole centimetres: LAPJVsp
    # can loop for ever on float weights (its comparisons meet rounding); integers are exact.
    total = np.round((cost + price) * CM)
    open_ = room > 0
    k = min(NEAREST_MEMBERS, int(open_.sum()))
    if k == 0 or room.sum() < n:
        raise ProposalInfeasible(_("No complete set of links exists."))
    # The sparse graph: each row's k cheapest open members, and its current one.
    masked = np.where(open_[None, :], total, np.inf)
    edges = np.zeros((n, m), dtype=bool)
    nearest = np.argpartition(masked, k - 1, axis=1)[:, :k]
    edges[np.arange(n)[:, None], nearest] = True
    edges[np.flatnonzero(has_current), current[has_current]] = True
    edges &= open_[None, :]
    for _round in range(50):
        assigned = _match(total, edges, room, used, balance_cm)
        if assigned is None:  # no full matching on this graph: widen it
            if edges[:, open_].all():
                raise ProposalInfeasible(_("No complete set of links exists."))
            edges = _widen(masked, edges, open_)
            continue
        missing = _improving_pairs(total, edges, assigned, room, used, balance_cm)
        if missing is None:
            return assigned
        edges |= missing
    # Never seen: give up on sparsity, the full graph is exact by itself.
    edges = np.broadcast_to(open_[None, :], (n, m)).copy()
    assigned = _match(total, edges, room, used, balance_cm)
    if assigned is None:
        raise ProposalInfeasible(_("No complete set of links exists."))
    return assigned


def _widen(masked, edges, open_):
    """Twice as many nearest members per row."""
    n, m = edges.shape
    k = min(int(open_.sum()), max(1, int(edges.sum(axis=1).max())) * 2)
    nearest = np.argpartition(masked, k - 1, axis=1)[:, :k]
    wider = edges.copy()
    wider[np.arange(n)[:, None], nearest] = True
    return wider & open_[None, :]


def _match(total, edges, room, used, balance_cm) -> np.ndarray | None:
    """Min-cost full matching of rows to member slots over `edges`; None when none exists.

    Slot r of member j (r counted after its `used` places) costs (used[j] + r) × the balance
    term. Costs (centimetres) are shifted to stay positive: a zero would read as no edge.
    """
    rows, cols = np.nonzero(edges)
    counts = room[cols]
    slots_of = np.concatenate([[0], np.cumsum(room)])
    slot_member = np.repeat(np.arange(len(room)), room)
    rank = np.concatenate([np.arange(r) for r in room]) + used[slot_member]
    row = np.repeat(rows, counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    slot = np.repeat(slots_of[cols], counts) + offset
    weights = np.repeat(total[rows, cols], counts) + balance_cm * rank[slot]
    weights = weights - weights.min() + 1.0 if len(weights) else weights
    graph = csr_matrix((weights, (row, slot)), shape=(total.shape[0], len(slot_member)))
    try:
        row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    except ValueError:
        return None
    assigned = np.empty(total.shape[0], dtype=int)
    assigned[row_ind] = slot_member[col_ind]
    return assigned


def _improving_pairs(total, edges, assigned, room, used, balance_cm) -> np.ndarray | None:
    """Pairs outside the graph that could improve the plan (a mask), or None: it is optimal.

    The exchange graph has a node per member and one more, Z. An arc a → b (a household of a
    moving to b) costs the cheapest such move in the graph; Z → a (a gives up a household)
    saves a's marginal balance cost; b → Z (b takes one more) costs b's. The plan is optimal
    on the graph, so these arcs have no negative cycle, and shortest distances from every
    node give potentials π with reduced costs ≥ 0. A missing pair (h, b), h at a, with
    cost(h, b) − cost(h, a) + π[a] − π[b] < 0 could close a negative cycle; when there is none
    no assignment of any pair does better (the certificate of optimality).
    """
    n, m = total.shape
    rows = np.arange(n)
    delta = total - total[rows, assigned][:, None]  # moving row i from its member to j
    free_load = np.bincount(assigned, minlength=m)
    load = used + free_load
    limit = used + room
    arcs = np.full((m + 1, m + 1), np.inf)
    order = np.argsort(assigned, kind="stable")
    holders = np.flatnonzero(free_load)
    starts = np.searchsorted(assigned[order], holders)
    in_graph = np.where(edges, delta, np.inf)[order]
    arcs[holders, :m] = np.minimum.reduceat(in_graph, starts, axis=0)
    np.fill_diagonal(arcs, np.inf)
    z = m
    arcs[z, holders] = -balance_cm * (load[holders] - 1)
    takers = np.flatnonzero(load < limit)
    arcs[takers, z] = balance_cm * load[takers]
    potential = _shortest_from_everywhere(arcs)
    if potential is None:  # rounding made a cycle look negative: use the full graph
        return np.broadcast_to((room > 0)[None, :], (n, m)).copy() & ~edges
    reduced = delta + potential[assigned][:, None] - potential[None, :m]
    outside = ~edges & (room > 0)[None, :]
    if not ((reduced < -0.5) & outside).any():
        return None
    # Not optimal yet: bring in the pairs that are nearly worth it too, which spares rounds.
    return (reduced < max(balance_cm, CM)) & outside


def _shortest_from_everywhere(arcs: np.ndarray) -> np.ndarray | None:
    """Bellman–Ford from a virtual source joined to every node at 0; None on a negative cycle."""
    distance = np.zeros(len(arcs))
    for _round in range(len(arcs) + 1):
        through = np.min(distance[:, None] + arcs, axis=0)
        better = through < distance - 0.5  # whole centimetres: exact
        if not better.any():
            return distance
        distance = np.where(better, through, distance)
    return None


# --- Groups ---------------------------------------------------------------------------------


class _Components:
    """Union–find over the changes."""

    def __init__(self, n):
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i):
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            if self.size[a] < self.size[b]:
                a, b = b, a
            self.parent[b] = a
            self.size[a] += self.size[b]


def _groups(proposal: Proposal, *, weight: dict[int, float]) -> list[Group]:
    """Cut the changes into independent groups: chains that make room, and swaps.

    A change is an arc from its old member to its new one (from nowhere when the household has
    no valid link). A member with `room` free places can take `room` arcs on their own; each
    further arc into it must come with an arc out of it in the same group (the group passes
    through: one household arrives as another leaves). Pairing exactly those arcs, and no
    more, joins the changes into chains and cycles; alone or together, the groups never put
    more arcs into a member than its room plus what leaves it in the same group. A member
    over its capacity now (a recorded exception) that takes any household has all its arcs in
    one group, which leaves it within capacity.
    """
    changes = proposal.changes
    if not changes:
        return []
    members = proposal.members
    arrive, leave = defaultdict(list), defaultdict(list)
    for i, c in enumerate(changes):
        arrive[c.new_member.pk].append(i)
        if not c.needed:
            leave[c.old_member.pk].append(i)
    parts = _Components(len(changes))
    for member_id in sorted(arrive):
        ins, outs = arrive[member_id], list(leave.get(member_id, []))
        room = members[member_id].capacity - proposal.loads_before[member_id]
        if room < 0:
            for i in ins + outs:
                parts.union(ins[0], i)
            continue
        for i in ins[: max(0, len(ins) - room)]:
            # A swap first (the arc out goes back where this one came from), else the arc out
            # whose group is smallest.
            came_from = None if changes[i].needed else changes[i].old_member.pk
            back = [o for o in outs if changes[o].new_member.pk == came_from]
            out = back[0] if back else min(outs, key=lambda o: (parts.size[parts.find(o)], o))
            outs.remove(out)
            parts.union(i, out)
    by_root = defaultdict(list)
    for i in range(len(changes)):
        by_root[parts.find(i)].append(changes[i])
    groups = [_group(part, proposal, weight) for part in by_root.values()]
    # Households without a member first, then the largest gain.
    groups.sort(key=lambda g: (-g.needed, -g.gain, g.changes[0].household.pk))
    for number, group in enumerate(groups, 1):
        group.number = number
    return groups


def _group(changes: list[Change], proposal: Proposal, weight: dict[int, float]) -> Group:
    changes = sorted(changes, key=lambda c: c.household.pk)
    net = defaultdict(int)  # the group's change of load, member by member
    for c in changes:
        net[c.new_member.pk] += 1
        if not c.needed:
            net[c.old_member.pk] -= 1
    before = proposal.loads_before
    linked = [c for c in changes if not c.needed]
    walk_before = sum(c.old_distance for c in linked)
    walk_after = sum(c.new_distance for c in linked)
    squares = sum((before[m] + d) ** 2 - before[m] ** 2 for m, d in net.items())
    balance = sum(
        proposal.balance * ((before[m] + d) * (before[m] + d - 1) - before[m] * (before[m] - 1)) / 2
        for m, d in net.items()
    )
    walk_gain = sum(weight[c.household.pk] * (c.old_distance - c.new_distance) for c in linked)
    price = proposal.move_price * len(linked)
    touched = [before[m] + d for m, d in net.items()]
    untouched = proposal.untouched_range(net.keys())
    values = touched + [v for v in untouched if v is not None]
    members = proposal.members
    loads = sorted(
        ((members[m], before[m], before[m] + d) for m, d in net.items() if d),
        key=lambda row: (-row[1], row[2], row[0].pk),
    )
    return Group(
        changes=changes,
        gain=walk_gain - balance - price,
        walk_before=walk_before,
        walk_after=walk_after,
        load_range_before=proposal.load_range_before,
        load_range_after=(min(values), max(values)),
        walk_gain=walk_gain,
        balance_gain=-balance,
        price=price,
        loads=loads,
        evens_loads=squares < 0,
        relieves_capacity=any(before[m] > members[m].capacity for m in net if m in members),
    )
