"""The assignment board, handover and concurrent linking (the proposal: test_proposal.py;
the map: test_map.py)."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from casebook import services as casebook_services
from members import services
from members.models import Assignment
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RequestFactory,
)

pytestmark = pytest.mark.django_db

LAT0 = 36.86


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
    with django_assert_max_num_queries(22):  # the map drawn and cached
        client.get(board)
    with django_assert_max_num_queries(15):  # the map read from the cache
        response = client.get(board)
    assert [h.pk for h in response.context["unassigned"]] == [lonely.pk]
    html = response.content.decode()
    assert "<svg" in html and f"{lonely.number} {lonely.head_name}" in html
    assert 'fill="#d62728"' in html  # the unassigned household is red


def test_board_lists_every_household_without_a_member_whatever_the_group_shown(client, world):
    """Households without a member: priority first, then by group and number, whichever
    group the table below shows; the table shows that group's households with their member."""
    first = HouseholdFactory(village=world.village_a, number="09-0001")
    second = HouseholdFactory(village=world.village_a, group=first.group, number="09-0002")
    priority = HouseholdFactory(village=world.village_a, number="09-0003", has_disability=True)
    linked = HouseholdFactory(village=world.village_a, group=priority.group, number="09-0004")
    AssignmentFactory(household=linked, member=world.member_a2)
    HouseholdFactory(village=world.village_a, status="moved_out")  # not on the board
    client.force_login(world.secretary_a)
    board = reverse("members:board", args=[world.village_a.pk])

    response = client.get(board, {"group": priority.group_id})
    assert [h.pk for h in response.context["unassigned"]] == [priority.pk, first.pk, second.pk]
    shown = list(response.context["page"])
    assert [h.pk for h in shown] == [priority.pk, linked.pk]
    assert [h.member_name for h in shown] == [None, world.member_a2.name]
    html = response.content.decode()
    assert world.member_a2.name in html and linked.head_name in html
    assert first.head_name in html  # among the households without a member

    everyone = list(client.get(board).context["page"])
    assert {first.pk, second.pk, priority.pk, linked.pk} <= {h.pk for h in everyone}
    assert len(everyone) == len({h.pk for h in everyone})


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
