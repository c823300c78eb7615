"""The member roster's export: its columns and rows, shared by the page and the background
job (members/tasks.py) for a large one."""

from django.http import QueryDict
from django.utils.translation import gettext as _

from base import dates
from base.spreadsheets import export_filename
from households.exports import CHUNK_ROWS, export_place
from members import access, selectors
from members.filters import MemberFilter
from members.models import Gender

EXPORT_HEADERS = [
    "村", "社", "姓名", "性别", "联系电话", "入党日期", "联户上限", "纬度", "经度",
    "状态", "联系户数", "本月走访",
]  # fmt: skip
SHEET_TITLE = "党员"
FALLBACK_FILENAME = "members.xlsx"


def member_filter(user, query: QueryDict, *, export: bool = False) -> MemberFilter:
    """The list's filter over the members `user` may see; an export's over those of the
    villages they manage only."""
    base = access.managed_members(user) if export else access.members(user)
    queryset = selectors.members_annotated(base)
    return MemberFilter(
        query or None, queryset=queryset.order_by("village__code", "name", "id"), user=user
    )


def filename(filterset) -> str:
    """东山乡-党员-2026年12月7日.xlsx (or 白牙合村-党员-… when filtered to one village)."""
    return export_filename(export_place(filterset), SHEET_TITLE, dates.today())


EXPORT_VALUES = (
    "village__name", "group__name", "name", "gender", "phone", "joined_party_on", "capacity",
    "latitude", "longitude", "is_active", "load", "visits_now",
)  # fmt: skip


def member_rows(queryset):
    """The export's rows as plain values through one server-side cursor (households/exports.py
    does the same), labels translated once."""
    genders = {value: str(label) for value, label in Gender.choices}
    states = {True: _("Active"), False: _("Retired")}
    rows = queryset.values_list(*EXPORT_VALUES).iterator(chunk_size=CHUNK_ROWS)
    for (
        village, group, name, gender, phone, joined, capacity, latitude, longitude, active,
        load, visits_now,
    ) in rows:  # fmt: skip
        yield [
            village, group or "", name, genders.get(gender, gender), phone,
            joined.isoformat() if joined else "", capacity, latitude, longitude, states[active],
            load, visits_now,
        ]  # fmt: skip
