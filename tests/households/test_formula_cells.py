"""A formula cell without a saved value is refused, naming the cell, never read as empty."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from base.spreadsheets import SpreadsheetError, read_table
from households.importing import HOUSEHOLDS
from households.models import Household, RosterUpload
from tests.factories import OWN_GROUP_NUMBER, VillageGroupFactory

HEADERS = HOUSEHOLDS.headers


def workbook_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_saved_values(data: bytes, values: dict[str, str]) -> bytes:
    """The same file as a spreadsheet program saves it: each formula with its value."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                for cell, value in values.items():
                    text = re.sub(
                        rf'(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?',
                        rf"\1\2<v>{value}</v>",
                        text,
                    )
                body = text.encode()
            target.writestr(item, body)
    return out.getvalue()


def test_a_formula_without_a_saved_value_is_refused_with_its_cell_named():
    data = workbook_bytes([["村", "户号", "户主姓名"], ["白牙合村", '="07-"&"001"', "张三"]])
    with pytest.raises(SpreadsheetError) as refused:
        read_table(SimpleUploadedFile("roster.xlsx", data))
    assert "B2" in str(refused.value)


def test_many_unsaved_formulas_name_three_cells_and_count_the_rest():
    rows = [["户号", "户主姓名"], *[[f"=ROW()*{i}", "张三"] for i in range(6)]]
    with pytest.raises(SpreadsheetError) as refused:
        read_table(SimpleUploadedFile("roster.xlsx", workbook_bytes(rows)))
    message = str(refused.value)
    assert "A2" in message and "A4" in message and "A5" not in message and "3" in message


def test_a_formula_with_its_saved_value_is_read_as_that_value():
    data = workbook_bytes([["村", "户号", "户主姓名"], ["白牙合村", "=1+6", "张三"]])
    headers, rows = read_table(
        SimpleUploadedFile("roster.xlsx", with_saved_values(data, {"B2": "7"}))
    )
    assert headers == ["村", "户号", "户主姓名"] and rows == [["白牙合村", "7", "张三"]]


@pytest.mark.django_db
def test_the_import_page_refuses_the_file_and_changes_nothing(client, world):
    client.force_login(world.staff)
    VillageGroupFactory(village=world.village_a, number=OWN_GROUP_NUMBER, name="七社")
    values = {"村": "白牙合村", "社": "七社", "户号": "07-001", "户主姓名": "张三"}
    row = [values.get(h, "") for h in HEADERS]
    row[HEADERS.index("联系电话")] = "=A1"
    before = Household.objects.count()
    response = client.post(
        reverse("households:import"),
        {"file": SimpleUploadedFile("roster.xlsx", workbook_bytes([HEADERS, row]))},
    )
    text = response.content.decode()
    assert response.status_code == 200
    cell = f"{chr(ord('A') + HEADERS.index('联系电话'))}2"
    assert cell in text and "公式" in text
    assert not RosterUpload.objects.exists() and Household.objects.count() == before
