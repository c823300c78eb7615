"""Applying proposal groups locks each household and member row once, in one statement a
table (in id order), whatever the number of households moved: not once per household again
in every step it passes through."""

from collections import Counter

import pytest
from django.db.models import QuerySet

from members import services
from members.models import Assignment
from tests.factories import AssignmentFactory, HouseholdFactory, PartyMemberFactory

pytestmark = pytest.mark.django_db

SIZE = 10
# Ten households moved in two groups (five of them from another member): 113 queries with
# every row locked once; locking each household and member again in every step took 161.
MAX_QUERIES = 115


@pytest.fixture
def lock_calls(monkeypatch):
    """The tables locked by select_for_update() while the test runs, one count a call (the
    SQL shows no FOR UPDATE on SQLite, so the calls themselves are counted)."""
    calls: Counter[str] = Counter()
    real = QuerySet.select_for_update

    def counted(self, *args, **kwargs):
        calls[self.model.__name__] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", counted)
    return calls


def _group(world):
    """SIZE moves in village A: half of them take a household from another member."""
    old = PartyMemberFactory(village=world.village_a, capacity=SIZE)
    new = [PartyMemberFactory(village=world.village_a, capacity=SIZE) for _ in range(2)]
    moves = []
    for n in range(SIZE):
        household = HouseholdFactory(village=world.village_a)
        had = None
        if n % 2:
            AssignmentFactory(household=household, member=old)
            had = old.pk
        moves.append((household.pk, had, new[n % 2].pk))
    return moves


def test_groups_lock_each_household_and_member_once(
    world, lock_calls, django_assert_max_num_queries
):
    moves = _group(world)
    with django_assert_max_num_queries(MAX_QUERIES):
        moved = services.proposal_apply_groups(
            village=world.village_a, groups=[moves[:5], moves[5:]], by=world.staff
        )
    assert moved == SIZE
    assert lock_calls["Household"] == 1 and lock_calls["PartyMember"] == 1
    linked = dict(
        Assignment.objects.filter(ended_on__isnull=True).values_list("household_id", "member_id")
    )
    assert all(linked[h] == n for h, _o, n in moves)
