"""The assignment board, the automatic proposal, handover, the map and concurrent linking."""

import itertools
import re
import threading
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.urls import reverse

from casebook import services as casebook_services
from members import services
from members.models import Assignment
from members.proposal import BALANCE_METRES_PER_SLOT, ProposalInfeasible, propose
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RequestFactory,
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


def brute_force(village, members, households):
    """The best total of distance + balance cost over every capacity-respecting assignment."""

    def xy(o):
        return np.array(
            [float(o.longitude) * 111000 * np.cos(np.radians(LAT0)), float(o.latitude) * 111000]
        )

    best = None
    for choice in itertools.product(range(len(members)), repeat=len(households)):
        loads = [choice.count(j) for j in range(len(members))]
        if any(load > m.capacity for load, m in zip(loads, members, strict=True)):
            continue
        cost = sum(
            np.linalg.norm(xy(h) - xy(members[j])) for h, j in zip(households, choice, strict=True)
        )
        cost += BALANCE_METRES_PER_SLOT * sum(n * (n - 1) / 2 for n in loads)
        best = cost if best is None else min(best, cost)
    return best


def proposal_cost(proposal):
    loads = proposal.loads_after.values()
    return proposal.total_after + BALANCE_METRES_PER_SLOT * sum(n * (n - 1) / 2 for n in loads)


def test_proposal_is_optimal_on_a_hand_made_village(small_village):
    village, members, households = small_village
    proposal = propose(village)
    assert len(proposal.changes) == len(households)
    assert proposal_cost(proposal) == pytest.approx(
        brute_force(village, members, households), abs=0.5
    )
    for member in members:
        assert proposal.loads_after[member.pk] <= member.capacity


def test_valid_links_are_kept_and_broken_ones_replaced(small_village):
    village, members, households = small_village
    far = AssignmentFactory(household=households[0], member=members[1])  # valid, though far
    retired = PartyMemberFactory(village=village, is_active=False)
    AssignmentFactory(household=households[1], member=retired)
    proposal = propose(village)
    changed = {c.household.pk: c for c in proposal.changes}
    assert households[0].pk not in changed  # kept
    assert changed[households[1].pk].old_member == retired
    assert proposal.kept == 1 and far.member == members[1]
    fresh = propose(village, keep_existing=False)
    assert households[0].pk in {c.household.pk for c in fresh.changes}


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


def test_proposal_page_shows_the_diff_and_applies_ticked_lines(client, world, small_village):
    village, members, households = small_village
    from tests.factories import RoleFactory

    RoleFactory(user=world.secretary_a, village=village)
    client.force_login(world.secretary_a)
    page = client.get(reverse("members:proposal", args=[village.pk]))
    changes = page.context["proposal"].changes
    assert len(changes) == 7
    accepted = [c.key for c in changes[:4]]
    response = client.post(reverse("members:proposal", args=[village.pk]), {"accept": accepted})
    assert response.status_code == 302
    linked = Assignment.objects.filter(household__village=village, ended_on__isnull=True)
    assert sorted(f"{a.household_id}:{a.member_id}" for a in linked) == sorted(accepted)


def test_infeasible_proposal_page_explains_instead_of_failing(client, world):
    client.force_login(world.staff)
    HouseholdFactory.create_batch(20, village=world.village_b)
    response = client.get(reverse("members:proposal", args=[world.village_b.pk]))
    assert response.status_code == 200
    assert "请提高部分党员的联户上限或新增党员" in response.content.decode()


def test_reassign_keeps_history_and_makes_the_card_stale(client, world):
    world.household_a.card_printed_version = world.household_a.card_version
    world.household_a.save()
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("members:board-assign", args=[world.village_a.pk]),
        {
            "household": world.household_a.pk,
            "member": world.member_a2.pk,
            "current": world.member_a.pk,
        },
    )
    assert response.status_code == 302
    links = list(world.household_a.assignments.order_by("id"))
    assert [(a.member, a.ended_on is None) for a in links] == [
        (world.member_a, False),
        (world.member_a2, True),
    ]
    assert "李明" in links[0].end_reason and links[1].assigned_by == world.secretary_a
    world.household_a.refresh_from_db()
    assert world.household_a.card_is_stale


def test_member_at_capacity_is_refused_unless_overridden_with_a_note(world):
    world.member_a2.capacity = 1
    world.member_a2.save()
    with pytest.raises(services.MembersError, match="上限"):
        services.assignment_assign(
            household=world.household_a, member=world.member_a2, by=world.staff
        )
    with pytest.raises(services.MembersError):
        services.assignment_assign(
            household=world.household_a,
            member=world.member_a2,
            by=world.staff,
            capacity_override=True,
        )
    link = services.assignment_assign(
        household=world.household_a,
        member=world.member_a2,
        by=world.staff,
        capacity_override=True,
        note="同一院落",
    )
    assert link.capacity_override


def test_other_village_member_is_refused(world):
    with pytest.raises(services.MembersError, match="本村"):
        services.assignment_assign(
            household=world.household_a, member=world.member_b, by=world.staff
        )
    assert (
        Assignment.objects.get(household=world.household_a, ended_on__isnull=True).member
        == world.member_a
    )


def test_ending_a_link_needs_a_reason(client, world):
    client.force_login(world.staff)
    url = reverse("members:household-link", args=[world.household_a.pk])
    response = client.post(url, {"action": "end", "reason": ""})
    assert (
        response.status_code == 200
        and Assignment.objects.filter(household=world.household_a, ended_on__isnull=True).exists()
    )
    client.post(url, {"action": "end", "reason": "户主去世，待重新安排"})
    assert not Assignment.objects.filter(
        household=world.household_a, ended_on__isnull=True
    ).exists()


def test_handover_to_a_member_moves_households_and_requests(world):
    open_request = RequestFactory(
        household=world.household_a, owner=world.member_user, status="accepted"
    )
    done = RequestFactory(household=world.household_a, owner=world.member_user, status="closed")
    world.member_a2.user = world.secretary_b  # any login will do for the new owner
    world.member_a2.save()
    moved = casebook_services.member_handover(
        member=world.member_a, to_member=world.member_a2, by=world.staff, reason="外出务工"
    )
    assert moved == {"households": 1, "requests": 1}
    assert (
        Assignment.objects.get(household=world.household_a, ended_on__isnull=True).member
        == world.member_a2
    )
    open_request.refresh_from_db()
    done.refresh_from_db()
    assert open_request.owner == world.secretary_b and done.owner == world.member_user
    assert open_request.events.filter(kind="assigned").count() == 1


def test_handover_by_proposal_picks_nearby_members(world):
    moved = casebook_services.member_handover(
        member=world.member_a, by=world.staff, reason="生病住院"
    )
    assert moved["households"] == 1
    link = Assignment.objects.get(household=world.household_a, ended_on__isnull=True)
    assert link.member == world.member_a2  # the only other member of the village
    world.member_a.refresh_from_db()
    assert world.member_a.is_active


def test_handover_is_all_or_nothing(world):
    world.member_a2.capacity = 1  # already full: the handover cannot place the household
    world.member_a2.save()
    with pytest.raises(services.MembersError):
        casebook_services.member_handover(
            member=world.member_a, to_member=world.member_a2, by=world.staff, reason="x"
        )
    assert (
        Assignment.objects.get(household=world.household_a, ended_on__isnull=True).member
        == world.member_a
    )


def test_board_shows_unassigned_first_and_the_map(client, world, django_assert_max_num_queries):
    lonely = HouseholdFactory(village=world.village_a, is_low_income=True)
    for _ in range(30):
        AssignmentFactory(
            household=HouseholdFactory(village=world.village_a),
            member=PartyMemberFactory(village=world.village_a),
        )
    client.force_login(world.secretary_a)
    board = reverse("members:board", args=[world.village_a.pk])
    with django_assert_max_num_queries(24):  # the map drawn and cached
        client.get(board)
    with django_assert_max_num_queries(17):  # the map read from the cache
        response = client.get(board)
    assert [h.pk for h in response.context["unassigned"]] == [lonely.pk]
    html = response.content.decode()
    assert "<svg" in html and f"{lonely.number} {lonely.head_name}" in html
    assert 'fill="#d62728"' in html  # the unassigned household is red


def test_map_escapes_names_and_draws_a_line_per_link(client, world):
    odd = HouseholdFactory(village=world.village_a, head_name="<b>王</b>", is_low_income=True)
    client.force_login(world.secretary_a)
    html = client.get(reverse("members:board", args=[world.village_a.pk])).content.decode()
    svg = html[html.index("<svg viewBox") : html.index("</svg>")]
    assert "<b>王" not in svg and f"{odd.number} &lt;b&gt;王&lt;/b&gt; · 未联户 · 重点户" in svg
    linked = Assignment.objects.filter(household__village=world.village_a, ended_on=None)
    assert svg.count('class="map-line') == linked.count()


def test_member_page_map_highlights_their_households(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("members:detail", args=[world.member_a.pk]))
    svg = str(response.context["map"].svg)
    bright = re.findall(r'<g class="map-household">.*?<title>([^<]+)</title>', svg)
    assert bright == [f"{world.household_a.number} {world.household_a.head_name}"]
    assert svg.count('class="map-household dim"') == 1  # household_a2, another member's


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections at once need PostgreSQL"
)
def test_two_staff_linking_one_household_at_once(reference_data, world):
    household = HouseholdFactory(village=world.village_a)
    barrier = threading.Barrier(2)
    outcomes = []

    def link(member):
        try:
            barrier.wait()
            # Both saw the household unassigned on the board.
            services.assignment_assign(
                household=household, member=member, by=world.staff, expected_member_id=None
            )
            outcomes.append("ok")
        except services.MembersError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=link, args=(m,)) for m in (world.member_a, world.member_a2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Assignment.objects.filter(household=household, ended_on__isnull=True).count() == 1
    assert sorted(outcomes) == ["ok", "该户刚刚已被他人安排了联户党员，请刷新页面查看。"]


def test_a_stale_board_form_is_refused(client, world):
    client.force_login(world.secretary_a)
    household = HouseholdFactory(village=world.village_a)
    services.assignment_assign(household=household, member=world.member_a, by=world.staff)
    response = client.post(
        reverse("members:board-assign", args=[world.village_a.pk]),
        {"household": household.pk, "member": world.member_a2.pk, "current": ""},
        follow=True,
    )
    assert "该户刚刚已被他人安排了联户党员" in response.content.decode()
    assert (
        Assignment.objects.get(household=household, ended_on__isnull=True).member == world.member_a
    )
