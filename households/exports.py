"""The registry's export: its columns and rows, shared by the page (a small export answers the
file at once) and the background job (households/tasks.py) for a large one."""

from django.db.models import Subquery
from django.http import QueryDict

from base import dates
from base.spreadsheets import export_filename
from households import access, selectors
from households.filters import HouseholdFilter
from households.models import HouseholdStatus

EXPORT_HEADERS = [
    "村", "社", "户号", "户主姓名", "联系电话", "门牌号", "住址", "家庭人口",
    "低收入", "独居老人", "留守儿童", "残疾", "纬度", "经度", "状态", "联户党员", "最近走访",
]  # fmt: skip
SHEET_TITLE = "农户"
FALLBACK_FILENAME = "households.xlsx"


def household_filter(user, query: QueryDict, *, export: bool = False) -> HouseholdFilter:
    """The list's filter over the households `user` may see; an export's over those of the
    villages they manage only (a county role sees more than it may take away)."""
    base = access.managed_households(user) if export else access.households(user)
    queryset = selectors.households_listed(base)
    return HouseholdFilter(
        query or None, queryset=queryset.order_by("village__code", "number"), user=user
    )


def export_place(filterset) -> str:
    """What an export covers, for its file's name: the filtered village, else the township
    of every village the user may see (several townships: 各乡镇)."""
    if filterset.is_bound and filterset.is_valid():
        village = filterset.form.cleaned_data.get("village")
        if village:
            return village.name
    villages = filterset.filters["village"].queryset
    townships = list(villages.order_by().values_list("township__name", flat=True).distinct()[:2])
    return townships[0] if len(townships) == 1 else "各乡镇"


def filename(filterset) -> str:
    """东山乡-农户-2026年12月7日.xlsx (or 白牙合村-农户-… when filtered to one village)."""
    return export_filename(export_place(filterset), SHEET_TITLE, dates.today())


# The export's columns, read as plain values (no model instances) through one server-side
# cursor: at the scale of a prefecture the rows are made at the speed the file is written.
EXPORT_VALUES = (
    "village__name", "group__name", "number", "head_name", "phone", "door_no", "address",
    "size", "is_low_income", "is_elderly_alone", "has_left_behind_children", "has_disability",
    "latitude", "longitude", "status", "member_name", "last_visit",
)  # fmt: skip
CHUNK_ROWS = 5000  # rows fetched from the cursor at a time


def household_rows(queryset):
    """The export's rows, the import template's columns first (round trip)."""
    yes_no = {True: "是", False: "否"}
    statuses = {value: str(label) for value, label in HouseholdStatus.choices}  # translated once
    # The member's name as text from the open link, not the list's JSON object (decoding it
    # was a tenth of the export's time).
    member_name = Subquery(selectors.open_assignment().values("member__name")[:1])
    rows = (
        queryset.annotate(member_name=member_name)
        .values_list(*EXPORT_VALUES)
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for (
        village, group, number, head_name, phone, door_no, address, size, low_income,
        elderly_alone, left_behind_children, disability, latitude, longitude, status,
        member, last_visit,
    ) in rows:  # fmt: skip
        yield [
            village, group, number, head_name, phone, door_no, address, size,
            yes_no[low_income], yes_no[elderly_alone], yes_no[left_behind_children],
            yes_no[disability], latitude, longitude, statuses[status],
            member or "", last_visit.isoformat() if last_visit else "",
        ]  # fmt: skip
