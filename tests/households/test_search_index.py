"""The registry's searches are answered from trigram indexes on PostgreSQL (pg_trgm)."""

import pytest
from django.db import connection

from households.filters import household_search_q
from households.models import Household
from members.models import PartyMember
from members.selectors import member_search_q
from tests.factories import HouseholdFactory, PartyMemberFactory

pytestmark = pytest.mark.django_db

HOUSEHOLD_COLUMNS = {"head_name", "number", "phone", "search_key"}
MEMBER_COLUMNS = {"name", "phone", "search_key"}


def _trigram_indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [table, "%gin_trgm_ops%"],
        )
        return {row[0] for row in cursor.fetchall()}


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: force the choice
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_search_finds_by_name_number_phone_and_pinyin(world):
    household = HouseholdFactory(village=world.village_a, head_name="董文祥", phone="13912345678")
    for text in ("董文祥", household.number, "12345678", "dwx", "dongwenxiang"):
        found = Household.objects.filter(household_search_q(text))
        assert household in found, text
    member = PartyMemberFactory(village=world.village_a, name="郭有德", phone="13800001111")
    for text in ("郭有德", "00001111", "gyd"):
        assert member in PartyMember.objects.filter(member_search_q(text)), text


def test_searches_are_answered_from_trigram_indexes_on_postgresql(world):
    """On PostgreSQL each searched column has a GIN trigram index and the search uses them;
    SQLite keeps its plain indexes (no pg_trgm there)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE '%_trgm'")
            assert cursor.fetchall() == []
        return
    household_indexes = _trigram_indexes("households_household")
    assert household_indexes == {f"households_household_{c}_trgm" for c in HOUSEHOLD_COLUMNS}
    member_indexes = _trigram_indexes("members_partymember")
    assert member_indexes == {f"members_partymember_{c}_trgm" for c in MEMBER_COLUMNS}
    plan = _plan(Household.objects.filter(household_search_q("董文祥")))
    assert "households_household_head_name_trgm" in plan, plan
    plan = _plan(PartyMember.objects.filter(member_search_q("郭有德")))
    assert "members_partymember_name_trgm" in plan, plan
