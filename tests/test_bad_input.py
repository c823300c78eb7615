"""Bad input of every kind: never a server error, never a partial save."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from base.spreadsheets import SpreadsheetError, read_table
from casebook.models import Request, Visit
from households.importing import HOUSEHOLDS, plan_import
from households.models import Household, RosterUpload

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
text = st.text(max_size=300)
huge = st.one_of(
    text, st.text(min_size=2001, max_size=2500), st.integers().map(str), st.just("\x00")
)


@FUZZ
@given(data=st.binary(max_size=4000), name=st.sampled_from(["a.csv", "a.xlsx", "a.txt", ""]))
def test_read_table_either_reads_or_refuses(data, name):
    try:
        headers, rows = read_table(SimpleUploadedFile(name or "x", data))
    except SpreadsheetError:
        return
    assert all(len(row) == len(headers) for row in rows)


@FUZZ
@given(rows=st.lists(st.lists(huge, min_size=0, max_size=14), max_size=4))
def test_planning_classifies_every_row_whatever_it_holds(world, rows):
    headers = HOUSEHOLDS.headers
    rows = [(row + [""] * len(headers))[: len(headers)] for row in rows]
    plan = plan_import(HOUSEHOLDS, headers, rows, world.staff)
    assert len(plan.rows) == len(rows)
    assert all(row.action in ("create", "update", "unchanged", "reject") for row in plan.rows)


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            ["number", "head_name", "phone", "size", "latitude", "longitude", "door_no", "address"]
        ),
        huge,
    )
)
def test_household_form_never_fails_and_never_saves_half(client, world, fields):
    client.force_login(world.staff)
    before = Household.objects.count()
    data = {"village": world.village_a.pk, "group": world.household_a.group.pk, **fields}
    response = client.post(reverse("households:create"), data)
    assert response.status_code in (200, 302)
    assert Household.objects.count() - before in (0, 1)
    if response.status_code == 200:
        assert Household.objects.count() == before


@FUZZ
@given(notes=huge, date=huge, channel=huge, open_request=st.booleans(), description=huge)
def test_visit_form_never_fails(client, world, notes, date, channel, open_request, description):
    client.force_login(world.member_user)
    before = (Visit.objects.count(), Request.objects.count())
    data = {
        "household": world.household_a.pk,
        "visited_on": date,
        "channel": channel,
        "notes": notes,
        "request_description": description,
    }
    if open_request:
        data["open_request"] = "on"
    response = client.post(reverse("casebook:visit-new"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert (Visit.objects.count(), Request.objects.count()) == before


@FUZZ
@given(description=huge, phone=huge, category=huge)
def test_card_page_never_fails(client, world, description, phone, category, settings):
    settings.CARD_SUBMIT_PER_TOKEN_PER_HOUR = 10_000
    settings.CARD_SUBMIT_PER_IP_PER_HOUR = 10_000
    settings.CARD_VIEWS_PER_IP_PER_MINUTE = 10_000
    url = reverse("card", args=[world.household_a.card_token])
    response = client.post(
        url, {"description": description, "contact_phone": phone, "category": category}
    )
    assert response.status_code in (200, 302)


def _xlsx(cells) -> bytes:
    workbook = Workbook()
    for row in cells:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_zip_bomb_is_refused_without_unpacking(client, world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (120 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024  # tiny on disk, huge unpacked
    client.force_login(world.staff)
    response = client.post(
        reverse("households:import"), {"file": SimpleUploadedFile("bomb.xlsx", buffer.getvalue())}
    )
    assert "解压后超过 100 MB" in response.content.decode()
    assert not RosterUpload.objects.exists()


def test_oversized_upload_is_refused_with_a_message(client, world):
    client.force_login(world.staff)
    big = SimpleUploadedFile("big.csv", b"a," * (6 * 1024 * 1024))
    response = client.post(reverse("households:import"), {"file": big})
    assert "文件超过 10 MB" in response.content.decode()


def test_formulas_and_wrong_types_in_a_sheet_are_data_not_code(client, world):
    headers = HOUSEHOLDS.headers[:5]
    content = _xlsx([headers, ["白牙合村", "=1+1", '=HYPERLINK("http://x")', 12345, 13812345678.0]])
    client.force_login(world.staff)
    response = client.post(
        reverse("households:import"), {"file": SimpleUploadedFile("f.xlsx", content)}
    )
    # The formula cells hold no saved value: the file is refused, naming them, not imported
    # with those fields blank.
    assert response.status_code == 200
    text = response.content.decode()
    assert "B2" in text and "C2" in text and "公式" in text
    assert not RosterUpload.objects.exists()
    assert not Household.objects.filter(head_name="12345").exists()
