"""The monthly report a county office expects: a sheet per table, Chinese headers, totals."""

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from base.spreadsheets import xlsx_bytes_response, xlsx_workbook_bytes
from households.models import Village
from infra.registry import register_access_action
from liaison import dashboard

# What the access log records when a report leaves the system as a spreadsheet.
EXPORTED_REPORT = register_access_action("export_report", gettext_lazy("Exported a report"))

VILLAGE_HEADERS = [
    "村", "农户数", "党员数", "已联户", "联户覆盖率(%)", "本月已走访户数", "走访率(%)",
    "重点户数", "重点户走访达标数", "待办诉求", "超期诉求", "本月答复", "答复中位天数",
    "农户确认率(%)", "满意率(%)", "本季度议事次数",
]  # fmt: skip
MEMBER_HEADERS = ["村", "党员", "联系户数", "本月待走访", "超期诉求（本人负责）"]
TREND_HEADERS = ["月份", "走访次数", "新增诉求", "答复诉求", "答复中位天数"]


@dataclass
class Report:
    title: str
    place: str
    month: datetime.date
    village: Village | None
    totals: dashboard.Totals
    members: list
    trend: dashboard.Trends
    # A report spanning several townships (a county's): its townships' table first.
    townships: dashboard.Totals | None = None


def monthly(
    villages, month: datetime.date, *, place: str, village: Village | None = None
) -> Report:
    """The month's figures for `villages`; `place` names them (a village or a township)."""
    return Report(
        title=_title(place, month),
        place=place,
        month=month,
        village=village,
        totals=dashboard.village_rows(villages, month),
        members=[(v, dashboard.member_rows(v, month)) for v in villages.order_by("code")]
        if village
        else [],
        trend=dashboard.trends(villages, month),
        townships=dashboard.township_rows(villages, month)
        if villages.values("township_id").distinct().count() > 1
        else None,
    )


def assembled(
    *,
    place: str,
    month: datetime.date,
    totals: dashboard.Totals,
    townships: dashboard.Totals,
    trend: dashboard.Trends,
) -> Report:
    """A report of several townships from figures computed (and cached) apart."""
    return Report(
        title=_title(place, month),
        place=place,
        month=month,
        village=None,
        totals=totals,
        members=[],
        trend=trend,
        townships=townships,
    )


def _title(place: str, month: datetime.date) -> str:
    return _("%(place)s four-neighbour linkage monthly report, %(month)s") % {
        "place": place,
        "month": date_format(month, "YEAR_MONTH_FORMAT"),
    }


def _village_line(name, row):
    return [
        name, row.households, row.members, row.covered, row.coverage, row.visited,
        row.visited_share, row.priority, row.priority_visited_enough, row.open, row.overdue,
        row.replied, row.median_reply_days, row.confirmed_share, row.satisfied_share, row.meetings,
    ]  # fmt: skip


@dataclass(frozen=True)
class File:
    """A report's .xlsx, made once and kept with what the access log says of it."""

    content: bytes
    filename: str
    fallback: str
    title: str
    rows: int


def xlsx_file(report: Report) -> File:
    """The report as an .xlsx workbook: its townships (a county's), its villages, the
    month's trend and the members (a village's)."""
    sheets = []
    if report.townships is not None:
        sheets.append(
            (
                "各乡镇情况",
                ["乡镇", *VILLAGE_HEADERS[1:]],
                [_village_line(r.township.name, r) for r in report.townships.rows]
                + [_village_line("合计", report.townships.total)],
            )
        )
    sheets += [
        (
            "各村情况",
            VILLAGE_HEADERS,
            [
                _village_line(
                    f"{r.village.township.name}{r.village.name}"
                    if report.townships is not None
                    else r.village.name,
                    r,
                )
                for r in report.totals.rows
            ]
            + [_village_line("合计", report.totals.total)],
        ),
        (
            "月度趋势",
            TREND_HEADERS,
            [
                [f"{m:%Y-%m}", v, raised, replied, days]
                for m, v, raised, replied, days in zip(
                    report.trend.months,
                    report.trend.visits,
                    report.trend.raised,
                    report.trend.replied,
                    report.trend.median_days,
                    strict=True,
                )
            ]
            + [
                [
                    "合计",
                    sum(report.trend.visits),
                    sum(report.trend.raised),
                    sum(report.trend.replied),
                    None,
                ]
            ],
        ),
    ]
    if report.members:
        rows = [
            [v.name, m.member.name, m.households, m.due, m.overdue_owned]
            for v, members in report.members
            for m in members
        ]
        rows.append(
            ["合计", "", sum(r[2] for r in rows), sum(r[3] for r in rows), sum(r[4] for r in rows)]
        )
        sheets.append(("党员情况", MEMBER_HEADERS, rows))
    return File(
        content=xlsx_workbook_bytes(report.title, sheets),
        filename=filename(report),
        fallback=f"report-{report.month:%Y-%m}.xlsx",
        title=str(report.title),
        rows=len(report.totals.rows),
    )


def xlsx_response(file: File):
    return xlsx_bytes_response(file.content, file.filename, fallback=file.fallback)


def filename(report: Report) -> str:
    """东山村-2026年11月-月报.xlsx: the place and the month, as the office files it."""
    return f"{report.place}-{report.month.year}年{report.month.month}月-月报.xlsx"
