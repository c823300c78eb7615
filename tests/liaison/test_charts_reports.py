"""Charts read as counts, every category is in the chart, every title names its place, and
the monthly workbook arrives named for its place and month, laid out to be read."""

import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from casebook.models import RequestCategory
from infra import cache
from liaison import charts
from tests.factories import RequestFactory

pytestmark = pytest.mark.django_db


def _tick_labels(chart):
    return [label for _y, label in chart.ticks]


@pytest.mark.parametrize("highest", [1, 3, 4, 7, 13, 38, 99, 1234])
def test_count_charts_have_whole_number_ticks_that_reach_the_highest_bar(highest):
    chart = charts.bar_chart("t", ["a", "b"], [("n", [0, highest])])
    labels = _tick_labels(chart)
    assert all(label.isdigit() for label in labels), labels
    assert 2 <= len(labels) <= 6
    assert int(labels[-1]) >= highest
    top_bar = max(chart.bars, key=lambda b: b.height)
    assert top_bar.y >= chart.ticks[-1][0]  # the bar stays inside the axis


def test_a_measure_keeps_its_fractional_ticks():
    chart = charts.bar_chart("t", ["a", "b"], [("days", [0.4, None])])
    assert "0.1" in _tick_labels(chart) or "0.2" in _tick_labels(chart)


def test_top_series_keeps_every_category_and_sums_the_rest_as_other():
    rows = [(f"c{i}", [i, 1]) for i in range(9)]
    series = charts.top_series(rows, keep=5, other="其他")
    assert [name for name, _v in series] == ["c8", "c7", "c6", "c5", "c4", "其他"]
    assert series[-1][1] == [0 + 1 + 2 + 3, 4]
    assert sum(sum(v) for _n, v in series) == sum(sum(v) for _n, v in rows)
    assert len(charts.top_series(rows[:6], keep=5, other="其他")) == 6  # all fit: no "other"


def test_the_category_named_other_joins_the_other_series_once():
    rows = [("其他", [50, 50])] + [(f"c{i}", [i, 0]) for i in range(8)]
    series = charts.top_series(rows, keep=5, other="其他")
    names = [name for name, _v in series]
    assert names.count("其他") == 1 and names[:5] == ["c7", "c6", "c5", "c4", "c3"]
    assert series[-1][1] == [0 + 1 + 2 + 50, 50]


def test_trends_show_every_category(client, world):
    codes = list(RequestCategory.objects.values_list("pk", flat=True))
    assert len(codes) >= 7
    for pk in codes:
        RequestFactory(household=world.household_a, category_id=pk)
    client.force_login(world.staff)
    chart = client.get(reverse("trends")).context["categories"]
    assert sum(sum(values) for _name, values in chart.series) == len(codes)
    names = [name for name, _values in chart.series]
    assert names[-1] == "其他" and names.count("其他") == 1


def test_a_secretary_opening_trends_directly_sees_their_village_named(client, world):
    client.force_login(world.secretary_a)
    response = client.get(reverse("trends"))
    html = response.content.decode()
    assert response.context["place"] == "白牙合村"
    assert "白牙合村" in response.context["visits"].title
    heading = html.split("<h1")[1].split("</h1>")[0]
    assert "白牙合村" in heading and "东山乡" not in heading


def test_township_trends_are_titled_with_the_township(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("trends"))
    assert response.context["place"] == "东山乡"
    assert response.context["requests"].title.startswith("东山乡")


def _workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _filename(response) -> str:
    header = response["Content-Disposition"]
    assert header.startswith("attachment; ")
    assert 'filename="report-' in header  # an ASCII fallback for old clients
    return unquote(header.split("filename*=UTF-8''")[1])


def test_a_villages_monthly_report_is_named_for_the_village_and_month(client, world):
    client.force_login(world.secretary_a)
    response = client.get(reverse("report"), {"month": "2026-11", "format": "xlsx"})
    assert _filename(response) == "白牙合村-2026年11月-月报.xlsx"
    book = _workbook(response)
    title = book["各村情况"]["A1"].value
    assert "白牙合村" in title and "2026年11月" in title and "全乡" not in title
    assert "党员情况" in book.sheetnames  # one village: its members' sheet too


def test_township_report_workbook_is_laid_out_to_be_read(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("report"), {"month": "2026-11", "format": "xlsx"})
    assert _filename(response) == "东山乡-2026年11月-月报.xlsx"
    sheet = _workbook(response)["各村情况"]
    assert sheet.freeze_panes == "B3"  # title and headers stay, village names stay
    widths = {col: sheet.column_dimensions[col].width for col in "ABCDE"}
    assert all(8 <= w <= 40 for w in widths.values()), widths
    # "联户覆盖率(%)" is wider than "村": each column as wide as what it holds.
    assert widths["E"] > widths["A"]


def test_print_report_title_names_the_place(client, world):
    client.force_login(world.secretary_a)
    html = client.get(reverse("report"), {"month": "2026-11"}).content.decode()
    assert "白牙合村四邻联动工作月报（2026年11月）" in html


def test_report_village_parameter_never_fails(client, world):
    client.force_login(world.staff)
    for raw in ("abc", "-1", "9" * 30):  # not an id: refused with a message, nothing computed
        response = client.get(reverse("report"), {"village": raw, "format": "xlsx"})
        assert response.status_code == 400
        assert "“village”" in response.content.decode()  # the message names the parameter
    # Another township's village is not the user's: the report is the user's own township.
    response = client.get(reverse("report"), {"village": world.village_x.pk, "format": "xlsx"})
    assert response.status_code == 200
    assert _filename(response).startswith("东山乡-")


def test_the_kept_report_file_follows_a_write_in_its_villages(client, world):
    """The .xlsx is made once and downloaded again until one of its villages changes."""
    client.force_login(world.staff)

    def open_requests() -> int:
        sheet = _workbook(client.get(reverse("report"), {"format": "xlsx"}))["各村情况"]
        headers = [cell.value for cell in sheet[2]]
        total = [row for row in sheet.iter_rows(values_only=True) if row[0] == "合计"][0]
        return total[headers.index("待办诉求")]

    before = open_requests()
    assert open_requests() == before  # read back as it was kept
    RequestFactory(household__village=world.village_a)
    assert open_requests() == before  # no service wrote: the villages did not say they changed
    cache.touch([world.village_a.pk])  # as every service that records a request does
    assert open_requests() == before + 1
