"""Export → import gives back every value exactly, formula-looking text included.

The export writes formula-looking text (=, +, -, @ first) as typed, in text cells; the
import takes one leading apostrophe off what older exports escaped, so text that itself
starts with an apostrophe must come back exactly too.
"""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from base.spreadsheets import safe_cell, unescape_cell
from households.models import Household
from members.models import PartyMember
from tests.factories import HouseholdFactory, PartyMemberFactory, VillageGroupFactory

pytestmark = pytest.mark.django_db

Q = "'"
TRICKY = ["=1+1", '=HYPERLINK("http://x")', "+86 转 1", "-3", "@邻居", "'引号", "''两个", "'=1"]

HOUSEHOLD_COLUMNS = [
    "group_id", "head_name", "phone", "door_no", "address", "size", "is_low_income",
    "is_elderly_alone", "has_left_behind_children", "has_disability", "latitude", "longitude",
]  # fmt: skip
MEMBER_COLUMNS = [
    "group_id",
    "name",
    "gender",
    "joined_party_on",
    "capacity",
    "latitude",
    "longitude",
]


@pytest.mark.parametrize("text", [*TRICKY, "plain", "", "a'b", "中文"])
def test_unescape_undoes_exactly_what_safe_cell_did(text):
    assert unescape_cell(safe_cell(text)) == text


def test_only_text_the_import_would_unescape_gets_an_apostrophe():
    assert [safe_cell(t) for t in TRICKY] == [*TRICKY[:5], TRICKY[5], Q + TRICKY[6], Q + TRICKY[7]]
    assert safe_cell("董文祥") == "董文祥"


def test_an_older_export_with_a_visible_apostrophe_still_imports_as_typed():
    assert unescape_cell("'=董文祥") == "=董文祥"


def _export(client, name: str) -> bytes:
    response = client.get(reverse(f"{name}:export"))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _import(client, name: str, content: bytes) -> dict:
    response = client.post(
        reverse(f"{name}:import"), {"file": SimpleUploadedFile("export.xlsx", content)}
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    counts = client.get(response.url).context["plan"].counts
    assert client.post(response.url).status_code == 302
    return counts


def _snapshot(model, columns, world):
    """Every row the staff user exports (their township), every column of the file."""
    rows = model.objects.filter(village__township=world.township).order_by("pk")
    return list(rows.values("pk", *columns))


def test_households_round_trip_every_column(client, world):
    other_group = VillageGroupFactory(village=world.village_a, number=42, name="四十二社")
    for i, text in enumerate(TRICKY):
        HouseholdFactory(
            village=world.village_a,
            group=world.household_a.group,
            number=f"{text}#{i}"[:20],
            head_name=text,
            door_no=text[:20],
            address=f"{text} 村道",
            size=(i % 30) + 1,
            is_low_income=i % 2 == 0,
            has_disability=i % 3 == 0,
            latitude=Decimal("36.123456"),
            longitude=Decimal("-101.000001"),
        )
    client.force_login(world.staff)
    content = _export(client, "households")
    sheet = load_workbook(io.BytesIO(content)).active
    heads = [row[3] for row in sheet.iter_rows(min_row=2)]
    assert {h.value for h in heads} >= set(TRICKY[:6])  # as typed
    assert all(h.data_type == "s" for h in heads)  # text, never a formula
    before = _snapshot(Household, HOUSEHOLD_COLUMNS, world)

    # Everything the file carries is changed in the database; the import puts it back.
    Household.objects.update(
        head_name="改过", phone="", door_no="", address="", size=30, is_low_income=False,
        is_elderly_alone=True, has_left_behind_children=True, has_disability=False,
        latitude=None, longitude=None,
    )  # fmt: skip
    Household.objects.filter(village=world.village_a).update(group=other_group)
    counts = _import(client, "households", content)
    assert counts["reject"] == 0 and counts["update"] == len(before)
    assert _snapshot(Household, HOUSEHOLD_COLUMNS, world) == before

    # And the same file again changes nothing at all.
    assert _import(client, "households", content)["unchanged"] == len(before)


def test_members_round_trip_every_column(client, world):
    group = world.household_a.group
    for i, text in enumerate(TRICKY):
        PartyMemberFactory(
            village=world.village_a,
            group=group if i % 2 else None,
            name=text,
            phone=f"1370000{i:04d}",
            capacity=i + 1,
            joined_party_on=f"19{70 + i}-07-01",
            latitude=Decimal("-36.5"),
            longitude=Decimal("101.999999"),
        )
    client.force_login(world.staff)
    content = _export(client, "members")
    before = _snapshot(PartyMember, MEMBER_COLUMNS, world)

    PartyMember.objects.update(
        name="改过", gender="F", joined_party_on=None, capacity=30, latitude=None, longitude=None
    )
    PartyMember.objects.filter(village=world.village_a).update(group=group)
    counts = _import(client, "members", content)
    assert counts["reject"] == 0 and counts["update"] == len(before)
    assert _snapshot(PartyMember, MEMBER_COLUMNS, world) == before
    assert _import(client, "members", content)["unchanged"] == len(before)
