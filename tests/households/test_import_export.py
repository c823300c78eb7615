"""Roster import (preview, all-or-nothing, idempotent) and export (streamed, logged, safe)."""

import csv
import io
from urllib.parse import quote

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from households.importing import HOUSEHOLDS
from households.models import Household, RosterUpload
from infra.models import AccessLog
from members.importing import MEMBERS
from members.models import PartyMember
from tests.factories import OWN_GROUP_NUMBER, HouseholdFactory, VillageGroupFactory

pytestmark = pytest.mark.django_db

HEADERS = HOUSEHOLDS.headers
FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


def xlsx_file(headers, rows, name="roster.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(headers, rows, name="roster.csv", encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding))


def row(
    village="白牙合村", group="七社", number="07-001", name="张三", phone="13800001111", **extra
):
    values = {"村": village, "社": group, "户号": number, "户主姓名": name, "联系电话": phone}
    values.update(extra)
    return [values.get(h, "") for h in HEADERS]


@pytest.fixture
def staff(staff, world):
    """The logged-in staff client, with a seventh group in village A."""
    VillageGroupFactory(village=world.village_a, number=OWN_GROUP_NUMBER, name="七社")
    return staff


def upload(client, file, kind="households"):
    response = client.post(reverse(f"{kind}:import"), {"file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    preview = client.get(response.url)
    return response.url, preview


def test_preview_says_per_row_what_will_happen_and_why(staff, world):
    existing = world.household_a
    rows = [
        row(number="07-001", name="张三"),  # create
        row(number=existing.number, group=existing.group.name, name="董文祥", phone="13999990000"),
        row(number="07-002", name=""),  # missing name
        row(number="07-003", phone="12345"),  # bad phone
        row(village="不存在村", number="07-004"),  # unknown village
        row(group="九十九社", number="07-005"),  # unknown group
        row(number="07-001", name="李四"),  # duplicate within the file
        row(number="07-006", **{"家庭人口": "很多"}),  # bad number
    ]
    _, preview = upload(staff, xlsx_file(HEADERS, rows))
    plan = preview.context["plan"]
    assert plan.counts == {"create": 1, "update": 1, "unchanged": 0, "reject": 6}
    reasons = {r.line: "；".join(r.errors) for r in plan.rejected_rows}
    assert "缺少户主姓名" in reasons[4]
    assert "电话号码“12345”格式不正确" in reasons[5]
    assert "没有名为“不存在村”的村" in reasons[6]
    assert "白牙合村没有“九十九社”" in reasons[7]
    assert "户号 07-001 在文件中重复（第 2 行）" in reasons[8]
    assert "家庭人口“很多”不是数字" in reasons[9]
    text = preview.content.decode()
    assert "不合格的行" in text and "确认导入" not in text


def test_a_file_with_one_bad_row_imports_nothing(staff, world):
    before = Household.objects.count()
    url, _ = upload(
        staff, xlsx_file(HEADERS, [row(number="07-001"), row(number="07-002", phone="1")])
    )
    response = staff.post(url)
    assert "未导入任何数据" in response.content.decode()
    assert Household.objects.count() == before
    assert RosterUpload.objects.get().applied_at is None


def test_full_width_digits_and_stray_spaces_are_normalised(staff, world):
    url, preview = upload(
        staff,
        csv_file(
            HEADERS, [row(number="０７－００１", name=" 张  三 ", phone="１３８ ００００ １１１１")]
        ),
    )
    assert preview.context["plan"].counts["create"] == 1
    staff.post(url)
    household = Household.objects.get(number="07-001")
    assert (household.head_name, household.phone) == ("张 三", "13800001111")


def test_import_confirmed_then_reimport_changes_nothing(staff, world):
    rows = [row(number=f"07-{i:03d}", name=f"王{i}", phone=f"1380000{i:04d}") for i in range(1, 30)]
    url, preview = upload(staff, xlsx_file(HEADERS, rows))
    assert preview.context["plan"].counts["create"] == 29
    response = staff.post(url)
    assert response.status_code == 302
    assert Household.objects.filter(village=world.village_a, number__startswith="07-").count() == 29
    stamps = dict(Household.objects.values_list("pk", "updated_at"))
    assert AccessLog.objects.filter(action="import", user=world.staff).count() == 1

    url, preview = upload(staff, xlsx_file(HEADERS, rows))
    assert preview.context["plan"].counts == {
        "create": 0,
        "update": 0,
        "unchanged": 29,
        "reject": 0,
    }
    staff.post(url)
    assert dict(Household.objects.values_list("pk", "updated_at")) == stamps


def test_an_upload_is_applied_once_only(staff, world):
    url, _ = upload(staff, xlsx_file(HEADERS, [row()]))
    staff.post(url)
    staff.post(url)
    assert Household.objects.filter(number="07-001").count() == 1


def test_export_then_import_changes_nothing(staff, world):
    export = staff.get(reverse("households:export"))
    assert export.status_code == 200
    content = b"".join(export.streaming_content)
    before = list(Household.objects.order_by("pk").values())
    url, preview = upload(staff, SimpleUploadedFile("export.xlsx", content))
    plan = preview.context["plan"]
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 3, "reject": 0}
    staff.post(url)
    assert list(Household.objects.order_by("pk").values()) == before


def test_export_is_logged_and_respects_the_filter(staff, world):
    export = staff.get(reverse("households:export"), {"village": world.village_b.pk})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("村", "社", "户号", "户主姓名")
    assert [r[3] for r in rows[1:]] == [world.household_b.head_name]
    log = AccessLog.objects.get(action="export_households")
    assert (log.user, log.record_count) == (world.staff, 1)


FORMULA_LIKE = ['=HYPERLINK("http://x")', "+86 1", "-3", "@邻居", "=董文祥"]


def test_export_shows_formula_like_text_as_typed_and_never_as_a_formula(staff, world):
    for i, text in enumerate(FORMULA_LIKE):
        HouseholdFactory(village=world.village_a, head_name=text, address=f"{text} 村道{i}")
    export = staff.get(reverse("households:export"))
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    heads = {row[3].value: row[3] for row in sheet.iter_rows(min_row=2)}
    for text in FORMULA_LIKE:
        cell = heads[text]  # as typed: no apostrophe in the cell's text
        # A text cell (no formula part), with the style that keeps it text when edited.
        assert cell.data_type == "s"
        assert cell.quotePrefix is True
    assert heads["董文祥"].quotePrefix is False
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_export_is_named_in_chinese_sized_and_frozen_like_the_monthly_report(staff, world):
    address = "互助土族自治县东山乡白牙合村三社幸福路十八号"
    HouseholdFactory(village=world.village_a, address=address)
    with time_machine.travel("2026-12-07 02:00:00+00:00", tick=False):  # 10:00 in Shanghai
        export = staff.get(reverse("households:export"))
        one_village = staff.get(reverse("households:export"), {"village": world.village_b.pk})
    disposition = export["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('东山乡-农户-2026年12月7日.xlsx')}" in disposition
    assert 'filename="households.xlsx"' in disposition  # for clients without filename*
    assert quote("东山村-农户-2026年12月7日.xlsx") in one_village["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert sheet.freeze_panes == "A2"
    widths = {c: sheet.column_dimensions[c].width for c in "AG"}
    assert widths["G"] == 40  # the long address, within the upper bound
    assert widths["A"] == 10  # 白牙合村: eight columns plus a margin


def test_member_export_is_named_for_the_township_and_the_day(staff, world):
    with time_machine.travel("2026-12-07 17:00:00+00:00", tick=False):  # 8 December in Shanghai
        export = staff.get(reverse("members:export"))
    assert quote("东山乡-党员-2026年12月8日.xlsx") in export["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert sheet.freeze_panes == "A2"


def test_member_import_and_template(staff, world):
    template = staff.get(reverse("members:import-template"))
    sheet = load_workbook(io.BytesIO(b"".join(template.streaming_content))).active
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert headers == MEMBERS.headers
    values = ["白牙合村", "七社", "马兰", "女", "13611112222", "2001-07-01", "6", "", ""]
    url, preview = upload(
        staff, xlsx_file(headers, [values, ["东山村", "", "赵六", "男", "13611113333"]]), "members"
    )
    assert preview.context["plan"].counts["create"] == 2
    staff.post(url)
    member = PartyMember.objects.get(name="马兰")
    assert (member.capacity, member.group.name, str(member.joined_party_on)) == (
        6,
        "七社",
        "2001-07-01",
    )


def test_gbk_csv_from_chinese_excel_is_read(staff, world):
    url, preview = upload(staff, csv_file(HEADERS, [row()], encoding="gbk"))
    assert preview.context["plan"].counts["create"] == 1


@pytest.mark.parametrize(
    "file, message",
    [
        (SimpleUploadedFile("roster.xlsx", b"not a zip"), "无法读取该 .xlsx 文件"),
        (SimpleUploadedFile("roster.pdf", b"%PDF-1.4"), "请上传 .xlsx 或 .csv 文件"),
        (SimpleUploadedFile("roster.csv", b""), "所提交的是空文件"),
        (SimpleUploadedFile("roster.csv", "村,社\n".encode()), "文件中没有数据行"),
    ],
)
def test_unreadable_files_are_refused_clearly(staff, world, file, message):
    response = staff.post(reverse("households:import"), {"file": file})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RosterUpload.objects.exists()


def test_missing_required_column_is_reported(staff, world):
    _, preview = upload(staff, csv_file(["村", "户号"], [["白牙合村", "07-001"]]))
    assert "缺少“社”列。" in preview.content.decode()


def test_fixture_file_with_every_rejection_reason(staff, world):
    """A roster as staff would send it: GBK CSV with the usual mistakes."""
    file = SimpleUploadedFile("rejects.csv", (FIXTURES / "rejects.csv").read_bytes())
    _, preview = upload(staff, file)
    plan = preview.context["plan"]
    assert plan.counts["reject"] == 5 and plan.counts["create"] == 1


def test_import_writes_in_batches_not_row_by_row(staff, world, django_assert_max_num_queries):
    rows = [row(number=f"07-{i:04d}", name="王五", phone="") for i in range(2000)]
    url, _ = upload(staff, xlsx_file(HEADERS, rows))
    # SQLite caps the parameters of one INSERT, so batches are smaller there than on PostgreSQL.
    with django_assert_max_num_queries(len(rows) // 20):
        response = staff.post(url)
    assert response.status_code == 302
    assert Household.objects.filter(number__startswith="07-").count() == 2000


def test_preview_shows_old_and_new_value_of_every_changed_field(staff, world):
    existing = world.household_a
    existing.phone, existing.size, existing.is_low_income = "13800000000", 3, False
    existing.save()
    old_group = existing.group.name
    changed = row(
        number=existing.number,
        group="七社",
        name=existing.head_name,
        phone="13999990000",
        **{"家庭人口": "5", "低收入": "是"},
    )
    _, preview = upload(staff, xlsx_file(HEADERS, [changed]))
    (update,) = preview.context["plan"].updated_rows
    details = {name: (old, new) for name, old, new in update.change_details}
    assert details["电话"] == ("13800000000", "13999990000")
    assert details["家庭人口"] == ("3", "5")
    assert details["低收入"] == ("否", "是")
    assert details["社"] == (old_group, "七社")
    html = preview.content.decode()
    assert "<del>13800000000</del> → <ins>13999990000</ins>" in html
    existing.refresh_from_db()
    assert existing.phone == "13800000000"  # a preview changes nothing


def test_import_moves_a_household_to_the_group_the_file_names(staff, world):
    existing = world.household_a
    url, _ = upload(
        staff,
        xlsx_file(HEADERS, [row(number=existing.number, group="七社", name=existing.head_name)]),
    )
    staff.post(url)
    existing.refresh_from_db()
    assert existing.group.name == "七社"


def test_member_preview_shows_old_and_new_values(staff, world):
    member = world.member_a
    values = ["白牙合村", "", member.name, member.gender, member.phone, "", "3", "", ""]
    _, preview = upload(staff, xlsx_file(MEMBERS.headers, [values]), "members")
    (update,) = preview.context["plan"].updated_rows
    details = {name: (old, new) for name, old, new in update.change_details}
    assert details["联户上限"] == (str(member.capacity), "3")
