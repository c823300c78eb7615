"""The registry's export: its columns and rows, shared by the page (a small export answers the
file at once) and the background job (households/tasks.py) for a large one."""

from django.http import QueryDict

from base import dates
from base.spreadsheets import export_filename
from households import access, selectors
from households.filters import HouseholdFilter

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


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def household_rows(queryset):
    """The export's rows, the import template's columns first (round trip)."""
    for h in queryset.iterator(chunk_size=2000):
        yield [
            h.village.name,
            h.group.name,
            h.number,
            h.head_name,
            h.phone,
            h.door_no,
            h.address,
            h.size,
            _yes_no(h.is_low_income),
            _yes_no(h.is_elderly_alone),
            _yes_no(h.has_left_behind_children),
            _yes_no(h.has_disability),
            h.latitude,
            h.longitude,
            h.get_status_display(),
            h.linked_member["name"] if h.linked_member else "",
            h.last_visit.isoformat() if h.last_visit else "",
        ]  # fmt: skip
