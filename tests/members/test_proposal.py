"""The automatic proposal: its exact optimum, its prices, its groups, and applying them."""

import itertools
import threading
from collections import defaultdict
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from households.models import Household
from members import proposal as planner
from members import services
from members.models import Assignment
from members.proposal import ProposalInfeasible, propose
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RoleFactory,
    VillageFactory,
    VillageGroupFactory,
)

pytestmark = pytest.mark.django_db

LAT0 = 36.86


def at(east_m, north_m):
    """Coordinates `east_m` metres east and `north_m` north of a fixed point."""
    lat = LAT0 + north_m / 111000
    lng = 101.98 + east_m / (111000 * np.cos(np.radians(LAT0)))
    return {"latitude": Decimal(f"{lat:.6f}"), "longitude": Decimal(f"{lng:.6f}")}


@pytest.fixture
def small_village():
    village = VillageFactory(name="小村", latitude=Decimal(str(LAT0)), longitude=Decimal("101.98"))
    group = VillageGroupFactory(village=village)
    members = [
        PartyMemberFactory(village=village, capacity=3, **at(0, 0)),
        PartyMemberFactory(village=village, capacity=2, **at(400, 0)),
        PartyMemberFactory(village=village, capacity=3, **at(0, 500)),
    ]
    spots = [(30, 10), (50, -20), (380, 40), (420, -30), (10, 480), (60, 520), (200, 250)]
    households = [HouseholdFactory(village=village, group=group, **at(x, y)) for x, y in spots]
    return village, members, households


def random_village(seed, *, households=36, members=7, spread=1500, linked=True):
    """A village with members at capacity here and there, linked at random within capacity."""
    rng = np.random.default_rng(seed)
    village = VillageFactory(latitude=Decimal(str(LAT0)), longitude=Decimal("101.98"))
    group = VillageGroupFactory(village=village)
    people = [
        PartyMemberFactory(
            village=village, capacity=int(rng.integers(4, 9)), **at(*rng.uniform(0, spread, 2))
        )
        for _ in range(members)
    ]
    homes = []
    for i in range(households):
        homes.append(
            HouseholdFactory(
                village=village,
                group=group,
                is_elderly_alone=bool(i % 5 == 0),
                **at(*rng.uniform(0, spread, 2)),
            )
        )
    if linked:
        room = {m.pk: m.capacity for m in people}
        for h in homes:
            if rng.random() < 0.9:
                choices = [m for m in people if room[m.pk] > 0]
                member = choices[int(rng.integers(len(choices)))]
                room[member.pk] -= 1
                AssignmentFactory(household=h, member=member)
    return village, people, homes


def xy(o):
    return np.array(
        [float(o.longitude) * 111000 * np.cos(np.radians(LAT0)), float(o.latitude) * 111000]
    )


def model_cost(households, members, choice, current, price, weight):
    """The model's value of one assignment (household i → members[choice[i]])."""
    cost = 0.0
    for h, j, now in zip(households, choice, current, strict=True):
        w = weight if h.is_priority else 1.0
        cost += w * np.linalg.norm(xy(h) - xy(members[j]))
        cost += price if now is not None and now != j else 0.0
    loads = [list(choice).count(j) for j in range(len(members))]
    return cost + planner.BALANCE_METRES_PER_SLOT * sum(n * (n - 1) / 2 for n in loads)


def brute_force(households, members, current, price, weight):
    """The best value over every capacity-respecting assignment."""
    best = None
    for choice in itertools.product(range(len(members)), repeat=len(households)):
        loads = [choice.count(j) for j in range(len(members))]
        if any(load > m.capacity for load, m in zip(loads, members, strict=True)):
            continue
        cost = model_cost(households, members, choice, current, price, weight)
        best = cost if best is None else min(best, cost)
    return best


def plan_cost(proposal, households, members, current):
    index = {m.pk: j for j, m in enumerate(members)}
    choice = [index[proposal.assigned[h.pk]] for h in households]
    return model_cost(
        households, members, choice, current, proposal.move_price, proposal.priority_weight
    )


@pytest.mark.parametrize(
    ("price", "weight", "links"),
    [(0, 1, {}), (150, 3, {0: 1, 2: 0, 4: 2, 6: 1}), (600, 2, {0: 1, 1: 1, 3: 0, 5: 0})],
)
def test_proposal_is_the_exact_optimum_of_its_model(small_village, price, weight, links):
    village, members, households = small_village
    households[6].has_disability = True
    households[6].save()
    for h, j in links.items():
        AssignmentFactory(household=households[h], member=members[j])
    current = [links.get(i) for i in range(len(households))]
    proposal = propose(village, move_price=price, priority_weight=weight)
    assert plan_cost(proposal, households, members, current) == pytest.approx(
        brute_force(households, members, current, price, weight), abs=0.05
    )
    assert proposal.cost == pytest.approx(plan_cost(proposal, households, members, current), 0.01)


def dense_optimum(cost, room, used, current, price):
    """The same problem as one dense assignment over every member slot (SciPy's LSA)."""
    n, m = cost.shape
    total = cost + price
    total[np.flatnonzero(current >= 0), current[current >= 0]] -= price
    columns = [
        (j, total[:, j] + planner.BALANCE_METRES_PER_SLOT * (used[j] + r))
        for j in range(m)
        for r in range(room[j])
    ]
    rows, cols = linear_sum_assignment(np.column_stack([c for _j, c in columns]))
    choice = np.empty(n, dtype=int)
    choice[rows] = [columns[c][0] for c in cols]
    return choice


def solver_value(choice, cost, used, current, price):
    n, m = cost.shape
    loads = used + np.bincount(choice, minlength=m)
    moves = np.sum((current >= 0) & (choice != current))
    return (
        cost[np.arange(n), choice].sum()
        + price * moves
        + planner.BALANCE_METRES_PER_SLOT * np.sum(loads * (loads - 1) / 2)
    )


@pytest.mark.parametrize("nearest", [1, 2, 12])
def test_solver_matches_a_dense_solver_on_random_villages(monkeypatch, nearest):
    """Few nearest members make the sparse graph miss the optimum: the certificate finds it."""
    monkeypatch.setattr(planner, "NEAREST_MEMBERS", nearest)
    rng = np.random.default_rng(nearest)
    for _trial in range(60):
        m, n = int(rng.integers(2, 12)), int(rng.integers(1, 50))
        capacity = rng.integers(1, 9, size=m)
        while capacity.sum() < n:
            capacity[rng.integers(m)] += 1
        used = rng.integers(0, 3, size=m) * (rng.random() < 0.3)
        homes, people = rng.uniform(0, 3000, (n, 2)), rng.uniform(0, 3000, (m, 2))
        weight = np.where(rng.random(n) < 0.2, 3.0, 1.0)
        cost = weight[:, None] * np.hypot(*(homes[:, None, :] - people[None, :, :]).T).T
        current = rng.integers(-1, m, size=n)
        price = float(rng.choice([0, 100, 300, 2000]))
        choice = planner.solve(cost, capacity, used, current, price)
        assert (np.bincount(choice, minlength=m) <= capacity).all()
        best = dense_optimum(cost, capacity, used, current, price)
        assert solver_value(choice, cost, used, current, price) == pytest.approx(
            solver_value(best, cost, used, current, price), abs=0.01 * n
        )


def test_proposal_never_breaks_capacity_or_village():
    for seed in range(4):
        village, members, households = random_village(seed)
        neighbour = PartyMemberFactory(capacity=30, **at(500, 500))  # another village, nearby
        for price in (0, 300):
            proposal = propose(village, move_price=price)
            assert sum(proposal.loads_after.values()) == len(households)
            for member in members:
                assert proposal.loads_after[member.pk] <= member.capacity
            assert {c.new_member.village_id for c in proposal.changes} <= {village.pk}
            assert neighbour.pk not in proposal.assigned.values()


def test_the_move_price_changes_the_number_of_moves_monotonically():
    village, _members, _households = random_village(7, households=40, members=8)
    moves = [propose(village, move_price=p).moves for p in (0, 50, 100, 200, 300, 600, 2000, 20000)]
    assert moves == sorted(moves, reverse=True)
    assert moves[0] > moves[-1]
    assert moves[-1] == 0  # nothing is worth 20 km


def test_priority_weighting_shortens_priority_walks():
    village, _members, _households = random_village(3, households=40, members=8, linked=False)
    plain = propose(village, priority_weight=1)
    weighted = propose(village, priority_weight=5)
    plain_walk, weighted_walk = (
        sum(c.new_distance for c in p.changes if c.household.is_priority)  # every one a change
        for p in (plain, weighted)
    )
    assert weighted_walk < plain_walk


def test_valid_links_are_kept_and_broken_ones_replaced(small_village):
    village, members, households = small_village
    far = AssignmentFactory(household=households[0], member=members[1])  # valid, though far
    retired = PartyMemberFactory(village=village, is_active=False)
    AssignmentFactory(household=households[1], member=retired)
    proposal = propose(village, move_price=1000)
    changed = {c.household.pk: c for c in proposal.changes}
    assert households[0].pk not in changed  # 1000 m is worth more than the walk saved
    assert changed[households[1].pk].old_member == retired and changed[households[1].pk].needed
    assert proposal.kept == 1 and far.member == members[1]
    fresh = propose(village, move_price=0)
    assert households[0].pk in {c.household.pk for c in fresh.changes}
    handover = propose(village, move_price=0, keep_existing=True)
    assert households[0].pk not in {c.household.pk for c in handover.changes}


def test_households_without_coordinates_use_their_group(small_village):
    village, members, households = small_village
    no_place = HouseholdFactory(
        village=village, group=households[0].group, latitude=None, longitude=None
    )
    proposal = propose(village)
    assert no_place.pk in {c.household.pk for c in proposal.changes}


def test_too_little_capacity_is_explained(small_village):
    village, members, households = small_village
    for _ in range(2):
        HouseholdFactory(village=village, group=households[0].group)
    with pytest.raises(ProposalInfeasible) as error:
        propose(village)
    message = str(error.value)
    assert "9" in message and "8" in message and "1" in message  # households, places, missing


def test_village_without_members_is_explained():
    village = VillageFactory(name="空村")
    HouseholdFactory(village=village)
    with pytest.raises(ProposalInfeasible, match="空村"):
        propose(village)


# --- Groups -------------------------------------------------------------------------------


@pytest.fixture
def chain_village():
    """Three members in a row, the left and middle ones full: the best plan is a chain."""
    village = VillageFactory(name="链村", latitude=Decimal(str(LAT0)), longitude=Decimal("101.98"))
    group = VillageGroupFactory(village=village)
    left = PartyMemberFactory(village=village, name="左", capacity=2, **at(0, 0))
    middle = PartyMemberFactory(village=village, name="中", capacity=2, **at(1000, 0))
    right = PartyMemberFactory(village=village, name="右", capacity=3, **at(2000, 0))
    spots = {
        left: [(900, 0), (50, 0)],  # the first sits beside the middle member
        middle: [(1900, 0), (1050, 0)],  # the first sits beside the right one
        right: [(2050, 0)],
    }
    for member, places in spots.items():
        for x, y in places:
            AssignmentFactory(
                household=HouseholdFactory(village=village, group=group, **at(x, y)),
                member=member,
            )
    # A far swap of its own: two households each beside the other member of a pair.
    east = PartyMemberFactory(village=village, name="东", capacity=1, **at(0, 3000))
    west = PartyMemberFactory(village=village, name="西", capacity=1, **at(1000, 3000))
    AssignmentFactory(
        household=HouseholdFactory(village=village, group=group, **at(950, 3000)), member=east
    )
    AssignmentFactory(
        household=HouseholdFactory(village=village, group=group, **at(50, 3000)), member=west
    )
    # And an unassigned household beside the right member.
    HouseholdFactory(village=village, group=group, head_name="新户", **at(2100, 50))
    return village


def open_links(village):
    return dict(
        Assignment.objects.filter(household__village=village, ended_on__isnull=True).values_list(
            "household_id", "member_id"
        )
    )


def apply(village, groups, by):
    return services.proposal_apply_groups(
        village=village,
        groups=[
            [
                (c.household.pk, c.old_member.pk if c.old_member else None, c.new_member.pk)
                for c in g.changes
            ]
            for g in groups
        ],
        by=by,
    )


def test_groups_are_chains_and_swaps(chain_village, world):
    proposal = propose(chain_village, move_price=100)
    shapes = sorted(
        sorted((c.old_member.name if c.old_member else "-", c.new_member.name) for c in g.changes)
        for g in proposal.groups
    )
    assert shapes == [
        [("-", "右")],  # the unassigned household: the right member has room for it
        [("东", "西"), ("西", "东")],  # the swap
        [("中", "右"), ("左", "中")],  # the chain: middle makes room for left's household
    ]
    assert proposal.groups[0].needed == 1  # households without a member come first
    assert proposal.groups[1].gain >= proposal.groups[2].gain
    for group in proposal.groups:
        assert group.cards == len(group.changes)


def test_groups_apply_alone_and_in_any_combination(world):
    for seed in (11, 12):
        village, members, _households = random_village(seed, households=30, members=6)
        proposal = propose(village, move_price=50)
        groups = proposal.groups[:7]
        assert len(groups) >= 3
        capacity = {m.pk: m.capacity for m in members}
        before = open_links(village)
        for size in range(1, len(groups) + 1):
            for subset in itertools.combinations(groups, size):
                with transaction.atomic():
                    apply(village, subset, world.staff)
                    links = open_links(village)
                    expected = dict(before)
                    expected.update(
                        {c.household.pk: c.new_member.pk for g in subset for c in g.changes}
                    )
                    assert links == expected
                    loads = np.bincount(list(links.values()), minlength=max(capacity) + 1)
                    assert all(loads[pk] <= cap for pk, cap in capacity.items())
                    transaction.set_rollback(True)
        assert open_links(village) == before


def test_a_link_changed_meanwhile_refuses_its_group_and_nothing_is_applied(chain_village, world):
    proposal = propose(chain_village, move_price=100)
    chain = next(
        g
        for g in proposal.groups
        if len(g.changes) == 2 and not g.needed and g.changes[0].old_member.name in "左中"
    )
    before = open_links(chain_village)
    # Someone links the chain's first household elsewhere after the proposal was made.
    moved = chain.changes[0].household
    other = next(m for m in proposal.members.values() if m.name == "右")
    services.assignment_assign(household=moved, member=other, by=world.staff)
    before[moved.pk] = other.pk
    with pytest.raises(services.GroupsRefused) as error:
        apply(chain_village, proposal.groups, world.staff)
    assert [index for index, _reason in error.value.refused] == [proposal.groups.index(chain)]
    assert moved.head_name in error.value.refused[0][1] and "已变动" in error.value.refused[0][1]
    assert open_links(chain_village) == before  # not even the other groups


def test_applied_moves_are_on_the_reprint_list_at_once(client, chain_village, world):
    Household.objects.filter(village=chain_village).update(card_printed_version=1, card_version=1)
    chain_village.township = world.township
    chain_village.save()
    proposal = propose(chain_village, move_price=100)
    group = proposal.groups[1]
    apply(chain_village, [group], world.staff)
    client.force_login(world.staff)
    html = client.get(reverse("households:cards")).content.decode()
    listed = {h.number for h in Household.objects.filter(village=chain_village) if h.number in html}
    assert listed == {c.household.number for c in group.changes}


# --- The page -----------------------------------------------------------------------------


def test_proposal_page_shows_groups_and_applies_the_ticked_ones(
    client, world, chain_village, django_assert_max_num_queries
):
    RoleFactory(user=world.secretary_a, village=chain_village)
    client.force_login(world.secretary_a)
    url = reverse("members:proposal", args=[chain_village.pk])
    with django_assert_max_num_queries(14):
        page = client.get(url, {"move_price": "100"})
    proposal = page.context["proposal"]
    html = page.content.decode()
    assert len(proposal.groups) == 3 and html.count('name="group"') == 3
    assert 'class="map-move"' in html  # the moves drawn as arrows
    ticked = [proposal.groups[0].key, proposal.groups[2].key]
    response = client.post(url, {"group": ticked, "move_price": "100", "priority_weight": "3"})
    assert response.status_code == 302
    assert response.url == f"{url}?move_price=100&priority_weight=3&balance=60"
    links = open_links(chain_village)
    for group in (proposal.groups[0], proposal.groups[2]):
        assert all(links[c.household.pk] == c.new_member.pk for c in group.changes)
    untouched = proposal.groups[1].changes[0]
    assert links[untouched.household.pk] == untouched.old_member.pk
    assert "3 户已换联户党员" in client.get(response.url).content.decode()


def test_a_refused_group_is_named_and_the_other_ticks_stay(client, world, chain_village):
    RoleFactory(user=world.secretary_a, village=chain_village)
    client.force_login(world.secretary_a)
    url = reverse("members:proposal", args=[chain_village.pk])
    proposal = client.get(url, {"move_price": "100"}).context["proposal"]
    swap = next(
        g
        for g in proposal.groups
        if {c.old_member.name for c in g.changes if c.old_member} == {"东", "西"}
    )
    chain = next(g for g in proposal.groups if g is not swap and not g.needed)
    services.assignment_end(household=chain.changes[0].household, by=world.staff, reason="搬走")
    response = client.post(url, {"group": [swap.key, chain.key], "move_price": "100"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{chain.changes[0].household.head_name}（{chain.changes[0].household.number}）" in html
    assert "未能采用" in html and "已变动" in html
    assert response.context["ticked"] == {swap.key}
    assert (
        f'value="{swap.key}" id=' in html and "checked" in html.split(f'value="{swap.key}"')[1][:80]
    )
    assert open_links(chain_village)[swap.changes[0].household.pk] == swap.changes[0].old_member.pk


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"group": ""},
        {"group": "abc"},
        {"group": "1-2"},
        {"group": "99999999999-1-1"},
        {"group": ["1-0-1", "1-0-2"]},
        {"group": "1-0-1", "move_price": "-5", "priority_weight": "nan"},
        {"group": "1-0-1", "move_price": "1e400", "priority_weight": "0"},
    ],
)
def test_bad_posts_change_nothing_and_say_why(client, world, data):
    client.force_login(world.staff)
    before = open_links(world.village_a)
    response = client.post(reverse("members:proposal", args=[world.village_a.pk]), data)
    assert response.status_code == 200
    assert open_links(world.village_a) == before
    assert (
        'role="alert"' in response.content.decode() or "alert-danger" in response.content.decode()
    )


def test_bad_settings_fall_back_to_the_defaults_with_a_message(client, world):
    client.force_login(world.staff)
    url = reverse("members:proposal", args=[world.village_a.pk])
    response = client.get(url, {"move_price": "很多", "priority_weight": "99"})
    assert response.status_code == 200
    plan = response.context["proposal"]
    assert (plan.move_price, plan.priority_weight) == (
        planner.MOVE_PRICE_METRES,
        planner.PRIORITY_WEIGHT,
    )
    assert "采用默认值" in response.content.decode()


def test_the_page_follows_the_move_price(client, world):
    village, _members, _households = random_village(5, households=30, members=6)
    village.township = world.township
    village.save()
    client.force_login(world.staff)
    url = reverse("members:proposal", args=[village.pk])
    cheap = client.get(url, {"move_price": "0"}).context["proposal"]
    dear = client.get(url, {"move_price": "5000"}).context["proposal"]
    assert cheap.moves > dear.moves == 0


def test_infeasible_proposal_page_explains_instead_of_failing(client, world):
    client.force_login(world.staff)
    HouseholdFactory.create_batch(20, village=world.village_b)
    response = client.get(reverse("members:proposal", args=[world.village_b.pk]))
    assert response.status_code == 200
    assert "请提高部分党员的联户上限或新增党员" in response.content.decode()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    groups=st.lists(
        st.one_of(
            st.text(max_size=40), st.from_regex(r"\d{1,12}-\d{1,3}-\d{1,12}", fullmatch=True)
        ),
        max_size=4,
    ),
    price=st.text(max_size=12),
    weight=st.text(max_size=12),
)
def test_any_post_to_the_proposal_answers_without_a_server_error(
    client, world, groups, price, weight
):
    client.force_login(world.staff)
    before = open_links(world.village_a)
    response = client.post(
        reverse("members:proposal", args=[world.village_a.pk]),
        {"group": groups, "move_price": price, "priority_weight": weight},
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert open_links(world.village_a) == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections at once need PostgreSQL"
)
def test_two_staff_applying_the_same_groups_at_once(reference_data, chain_village, world):
    """In opposite orders, so that rows locked as they come would deadlock: one applies, the
    other is refused, every member stays within capacity."""
    proposal = propose(chain_village, move_price=100)
    moves = [
        [
            (c.household.pk, c.old_member.pk if c.old_member else None, c.new_member.pk)
            for c in g.changes
        ]
        for g in proposal.groups
    ]
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(groups):
        try:
            barrier.wait()
            services.proposal_apply_groups(village=chain_village, groups=groups, by=world.staff)
            outcomes.append("ok")
        except services.GroupsRefused as error:
            outcomes.append(("refused", len(error.refused)))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(m,)) for m in (moves, moves[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [("refused", 3), "ok"]
    assert open_links(chain_village) == proposal.assigned
    for member in proposal.members.values():
        assert member.assignments.filter(ended_on__isnull=True).count() <= member.capacity


def test_a_member_over_capacity_by_decision_is_brought_back_in_one_group(world):
    """A member linked beyond capacity (a recorded exception) who also takes a household gives
    up enough in the same group, so the group applies alone."""
    village = VillageFactory(latitude=Decimal(str(LAT0)), longitude=Decimal("101.98"))
    group = VillageGroupFactory(village=village)
    full = PartyMemberFactory(village=village, capacity=2, **at(0, 0))
    other = PartyMemberFactory(village=village, capacity=4, **at(2000, 0))
    for x in (1950, 2050, 30):  # two of them sit beside the other member
        household = HouseholdFactory(village=village, group=group, **at(x, 0))
        services.assignment_assign(
            household=household, member=full, by=world.staff, capacity_override=True, note="同院"
        )
    near = HouseholdFactory(village=village, group=group, **at(-40, 0))
    AssignmentFactory(household=near, member=other)
    proposal = propose(village, move_price=100)
    assert proposal.loads_before[full.pk] == 3 and proposal.loads_after[full.pk] == 2
    into_full = [g for g in proposal.groups if any(c.new_member == full for c in g.changes)]
    assert len(into_full) == 1
    for g in proposal.groups:
        with transaction.atomic():
            apply(village, [g], world.staff)
            transaction.set_rollback(True)
    apply(village, proposal.groups, world.staff)
    assert open_links(village) == proposal.assigned


# --- What a group and the plan buy -----------------------------------------------------------


@pytest.fixture
def busy_village():
    """One member with five households, one with one, their homes 600 m apart; each
    household 200–300 m from its own member. Evening the loads lengthens a walk."""
    village = VillageFactory(name="忙村", latitude=Decimal(str(LAT0)), longitude=Decimal("101.98"))
    group = VillageGroupFactory(village=village)
    busy = PartyMemberFactory(village=village, name="忙", capacity=8, **at(0, 0))
    idle = PartyMemberFactory(village=village, name="闲", capacity=8, **at(600, 0))
    for x in (250, 260, 270, -250, -260):
        AssignmentFactory(
            household=HouseholdFactory(village=village, group=group, **at(x, 0)), member=busy
        )
    AssignmentFactory(
        household=HouseholdFactory(village=village, group=group, **at(600, 50)), member=idle
    )
    return village, busy, idle


def test_a_group_names_whose_load_evens_and_what_it_costs(busy_village):
    village, busy, idle = busy_village
    proposal = propose(village, move_price=0, balance=200)
    group = proposal.groups[0]
    assert group.loads == [(busy, 5, 4), (idle, 1, 2)]  # busiest first, today → after
    assert group.evens_loads and group.walk_change > 0  # a longer walk, paid for by balance
    assert group.balance_gain == pytest.approx(200 * (4 - 1))  # (5th − 2nd household) × 200
    assert group.gain == pytest.approx(group.walk_gain + group.balance_gain - group.price)
    after = sum(n * (n - 1) / 2 for n in proposal.loads_after.values())  # from the loads alone
    assert proposal.balance_gain == pytest.approx(200 * (10 + 0 - after))
    assert proposal.loads_evened[0] == (busy, 5, proposal.loads_after[busy.pk])


def test_staff_weigh_balance_against_walking(busy_village):
    village, busy, idle = busy_village
    walking_only = propose(village, move_price=0, balance=0)
    assert walking_only.changes == []  # each household is nearest its own member
    evened = propose(village, move_price=0, balance=200)
    assert evened.loads_after[busy.pk] < 5 and evened.total_after > evened.total_before
    squares = [
        sum(n * n for n in propose(village, move_price=0, balance=b).loads_after.values())
        for b in (0, 30, 60, 120, 200, 400)
    ]
    assert squares == sorted(squares, reverse=True)  # more weight, never less even


def test_the_default_balance_does_not_lengthen_walks_for_a_small_difference(busy_village):
    village, busy, _idle = busy_village
    proposal = propose(village)  # 300 m a move, 60 m a further household
    assert proposal.changes == [] and proposal.total_after == proposal.total_before


def group_of(changes, loads_before, *, capacity=8, **values):
    members = {pk: PartyMemberFactory.build(pk=pk, capacity=capacity) for pk in loads_before}
    proposal = planner.Proposal(village=None, members=members, loads_before=loads_before)
    proposal.loads_after = dict(loads_before)
    return planner._group(changes, proposal, defaultdict(lambda: 1.0, values))


def change(pk, old, new, before, after, *, priority=False, needed=False):
    household = HouseholdFactory.build(pk=pk, is_elderly_alone=priority)
    household.is_priority = priority
    members = {m: PartyMemberFactory.build(pk=m) for m in (old, new) if m}
    return planner.Change(household, members.get(old), members[new], before, after, needed=needed)


def test_a_group_that_only_lengthens_walks_is_not_worth_proposing():
    # 1 → 2 between two members of 4 and 4 households: 4/4 → 3/5, less even; 100 → 180 m.
    longer = group_of([change(1, 1, 2, 100, 180)], {1: 4, 2: 4})
    assert not longer.worth_proposing
    # The same walk, from a member with 6 to one with 2: the loads even out.
    assert group_of([change(1, 1, 2, 100, 180)], {1: 6, 2: 2}).worth_proposing
    # A priority household's walk shortens in a swap that lengthens the other's more.
    swap = [change(1, 1, 2, 300, 100, priority=True), change(2, 2, 1, 100, 400)]
    assert group_of(swap, {1: 4, 2: 4}).worth_proposing
    # A household without a member always gets one.
    assert group_of([change(1, None, 2, None, 500, needed=True)], {2: 4}).worth_proposing
    # A member over capacity today gives up a household.
    over = group_of([change(1, 1, 2, 100, 180)], {1: 4, 2: 4}, capacity=3)
    assert over.worth_proposing


@pytest.mark.parametrize("balance", [0, 60, 120, 400])
def test_no_proposed_group_only_lengthens_walks(balance):
    for seed in range(3):
        village, _members, _households = random_village(seed, households=40, members=8)
        proposal = propose(village, move_price=50, balance=balance)
        for group in proposal.groups:
            assert (
                group.needed
                or group.walk_change < 0
                or group.evens_loads
                or (group.priority_closer)
            )
        assert proposal.kept + len(proposal.changes) == len(proposal.households)


def test_the_page_explains_what_the_plan_and_each_group_buy(client, world, busy_village):
    village, busy, idle = busy_village
    RoleFactory(user=world.secretary_a, village=village)
    client.force_login(world.secretary_a)
    url = reverse("members:proposal", args=[village.pk])
    html = client.get(url, {"move_price": "0", "balance": "200"}).content.decode()
    assert 'name="balance"' in html and 'value="200"' in html
    assert "忙 5 → 4 户" in html and "闲 1 → 2 户" in html  # whose load evens out
    assert "均衡" in html and "步行" in html and "重印" in html
    default = client.get(url).content.decode()
    assert "60" in default and 'name="group"' not in default
