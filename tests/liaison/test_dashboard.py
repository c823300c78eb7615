"""Dashboard figures checked against a hand-made village, month boundaries included."""

import datetime
import io
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from casebook.models import Meeting
from households import access
from households.models import RoleKind
from liaison import dashboard
from liaison.models import DEFAULT_TARGET, VillageTarget
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    MeetingFactory,
    PartyMemberFactory,
    RequestFactory,
    RoleFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

# 00:30 on 1 December in Shanghai, still 30 November in UTC.
NOW = datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC)
DEC = datetime.date(2026, 12, 1)
NOV = datetime.date(2026, 11, 1)
SH = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def village(world, frozen):
    """Village A in December 2026: 5 active households, 4 linked, 2 priority, known visits
    and requests."""
    v = world.village_a  # household_a (member_a), household_a2 (member_a2) linked already
    p1 = HouseholdFactory(village=v, is_elderly_alone=True)
    p2 = HouseholdFactory(village=v, is_low_income=True)
    HouseholdFactory(village=v)  # no member
    HouseholdFactory(village=v, status="moved_out")  # not counted
    AssignmentFactory(household=p1, member=world.member_a)
    AssignmentFactory(household=p2, member=world.member_a2)
    VisitFactory(household=world.household_a, member=world.member_a, visited_on=DEC)
    VisitFactory(household=p1, member=world.member_a, visited_on=DEC)
    VisitFactory(household=p1, member=world.member_a, visited_on=DEC)  # priority: twice
    VisitFactory(household=p2, member=world.member_a2, visited_on=DEC)  # priority: once only
    VisitFactory(
        household=world.household_a2, member=world.member_a2, visited_on=datetime.date(2026, 11, 30)
    )
    created = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=SH)
    RequestFactory(
        household=p1, status="new", created_at=created, accept_due_on=datetime.date(2026, 11, 22)
    )  # overdue
    RequestFactory(
        household=p1, status="in_progress", created_at=created, due_on=datetime.date(2026, 12, 5)
    )
    for days, satisfied in ((2, "satisfied"), (4, ""), (9, "satisfied")):
        RequestFactory(
            household=p2,
            status="replied",
            created_at=datetime.datetime(2026, 12, 1, 0, 10, tzinfo=SH)
            - datetime.timedelta(days=days),
            replied_at=datetime.datetime(2026, 12, 1, 0, 10, tzinfo=SH),
            satisfaction=satisfied,
        )
    RequestFactory(
        household=p2,
        status="replied",
        created_at=created,
        replied_at=datetime.datetime(2026, 11, 30, 23, 0, tzinfo=SH),
    )  # November
    MeetingFactory(
        pavilion__village=v, held_at=datetime.datetime(2026, 12, 1, 0, 20, tzinfo=SH), status="held"
    )
    MeetingFactory(
        pavilion__village=v, held_at=datetime.datetime(2026, 9, 30, 20, 0, tzinfo=SH), status="held"
    )  # Q3
    return v


def test_every_figure_of_a_hand_computed_village(village, world):
    row = next(
        r
        for r in dashboard.village_rows(type(village).objects.all(), DEC).rows
        if r.village == village
    )
    assert (row.households, row.covered, row.members) == (5, 4, 2)
    assert (row.visited, row.priority, row.priority_visited, row.priority_visited_enough) == (
        3,
        2,
        2,
        1,
    )
    assert (row.open, row.overdue, row.replied, row.confirmed) == (2, 1, 3, 2)
    assert row.median_reply_days == 4.0
    assert row.meetings == 1
    assert (row.coverage, row.visited_share, row.confirmed_share) == (80.0, 60.0, 66.7)
    assert (row.coverage_level, row.overdue_level) == ("warn", "lag")
    assert row.visited_level == ""  # 1 December: no visit is expected yet


def test_month_pace_is_the_share_of_the_month_gone_by():
    assert dashboard.month_pace(DEC, datetime.date(2026, 12, 7)) == 19.4  # 6 of 31 days
    assert dashboard.month_pace(DEC, datetime.date(2026, 12, 31)) == 96.8
    assert dashboard.month_pace(DEC, DEC) == 0.0
    assert dashboard.month_pace(NOV, datetime.date(2026, 12, 7)) == 100.0  # a past month
    assert dashboard.month_pace(DEC, datetime.date(2026, 11, 20)) == 0.0  # not begun


@pytest.mark.parametrize(
    ("visited", "pace", "level"),
    [(26, 19.4, "ok"), (16, 19.4, "warn"), (14, 19.4, "lag"), (26, 100.0, "lag"), (3, 0.0, "")],
)
def test_visits_are_judged_against_the_pace_not_the_whole_month(visited, pace, level):
    row = dashboard.VillageRow(
        village=None, target=DEFAULT_TARGET, households=100, visited=visited, pace=pace
    )
    assert row.visited_level == level


@pytest.mark.parametrize(
    ("once", "enough", "pace", "level"),
    [
        (12, 2, 19.4, "ok"),  # 14 of the month's 40 visits: 35 % against 19.4 % by today
        (7, 0, 19.4, "warn"),  # 7 of 40: 17.5 %, within 80 % of the pace
        (4, 0, 19.4, "lag"),  # 4 of 40: 10 %
        (20, 2, 100.0, "lag"),  # a past month: 2 of 20 households visited enough
        (20, 20, 100.0, "ok"),
    ],
)
def test_priority_visits_of_a_month_under_way_are_judged_by_visits_made(once, enough, pace, level):
    row = dashboard.VillageRow(
        village=None, target=DEFAULT_TARGET, priority=20, priority_visited=once, pace=pace
    )
    row.priority_visited_enough = enough  # the target: twice a month
    assert DEFAULT_TARGET.visits_per_priority_household == 2
    assert row.priority_level == level


def test_on_7_december_the_dashboard_judges_by_pace_and_says_so(client, world):
    households = [HouseholdFactory(village=world.village_b) for _ in range(9)]
    for household in households[:2]:  # with household_b: 2 of 10 visited, 20 %
        VisitFactory(household=household, visited_on=datetime.date(2026, 12, 3))
    VisitFactory(household=households[2], visited_on=datetime.date(2026, 11, 3))
    client.force_login(world.staff)
    with time_machine.travel(datetime.datetime(2026, 12, 7, 2, tzinfo=datetime.UTC), tick=False):
        december = client.get(reverse("dashboard-village", args=[world.village_b.pk]))
        november = client.get(
            reverse("dashboard-village", args=[world.village_b.pk]), {"month": "2026-11"}
        )
    assert december.context["row"].visited_level == "ok"  # 20 % against 19.4 % by today
    page = december.content.decode()
    assert "19.4%" in page and "应有的进度" in page
    assert november.context["row"].visited_level == "lag"  # 10 % against the whole month
    assert "全月目标" in november.content.decode()


def test_a_past_month_counts_visits_made_before_the_last_one(village, world):
    # p1 (priority) was visited twice in November and again in December: its last visit is
    # after November, so November's figures must come from the notebook, not that date.
    p1 = village.households.get(is_elderly_alone=True)
    for day in (3, 17):
        VisitFactory(household=p1, member=world.member_a, visited_on=datetime.date(2026, 11, day))
    nov = dashboard.village_rows(type(village).objects.filter(pk=village.pk), NOV).rows[0]
    # household_a2 (last visit 30 November) and p1.
    assert (nov.visited, nov.priority_visited, nov.priority_visited_enough) == (2, 1, 1)
    VillageTarget.objects.create(village=village, visits_per_priority_household=0)
    nov = dashboard.village_rows(type(village).objects.filter(pk=village.pk), NOV).rows[0]
    assert nov.priority_visited_enough == 2  # no visit asked for: every priority household


def test_an_empty_village_shows_zeros_and_no_judgement(frozen, world):
    empty = VillageFactory(township=world.township, name="新村")
    row = next(r for r in dashboard.village_rows(type(empty).objects.filter(pk=empty.pk), DEC).rows)
    assert (row.households, row.visited, row.open, row.median_reply_days) == (0, 0, 0, None)
    assert row.coverage is None and row.coverage_level == ""


def test_targets_change_per_village(village):
    VillageTarget.objects.create(village=village, visits_per_priority_household=1, reply_days=3)
    row = dashboard.village_rows(type(village).objects.filter(pk=village.pk), DEC).rows[0]
    assert row.priority_visited_enough == 2
    assert row.reply_level == "warn"  # 4 days against 3


def test_dashboard_queries_do_not_grow_with_villages(world, frozen, django_assert_max_num_queries):
    for _ in range(8):
        v = VillageFactory(township=world.township)
        for _ in range(3):
            AssignmentFactory(
                household=HouseholdFactory(village=v), member=PartyMemberFactory(village=v)
            )
    with django_assert_max_num_queries(10):  # seven aggregates and the staff's scope (three)
        totals = dashboard.village_rows(access.managed_villages(world.staff), DEC)
    assert len(totals.rows) == 10


def test_a_township_without_villages_yet_has_an_empty_dashboard(client):
    """A township just made in the admin, its staff already given their role: the
    dashboard, its report and its trends answer with nothing to count, not an error."""
    staff = UserFactory(username="new-township-staff")
    RoleFactory(user=staff, kind=RoleKind.TOWNSHIP, township=TownshipFactory(), village=None)
    totals = dashboard.village_rows(access.managed_villages(staff), DEC)
    assert (totals.rows, totals.total.households, totals.total.median_reply_days) == ([], 0, None)
    client.force_login(staff)
    for name in ("home", "dashboard", "trends", "report"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("report"), {"format": "xlsx"}).status_code == 200


def _figure(html, village_code, link_fragment):
    row = re.search(rf'<tr data-village="{village_code}">(.*?)</tr>', html, re.S).group(1)
    return re.search(rf'<a href="([^"]*{re.escape(link_fragment)}[^"]*)"[^>]*>([^<]+)</a>', row)


def test_numbers_link_to_lists_whose_counts_match(client, village, world):
    client.force_login(world.staff)
    html = client.get(reverse("dashboard")).content.decode()
    link = _figure(html, village.code, "overdue=on")
    listed = client.get(link.group(1).replace("&amp;", "&"))
    assert listed.context["page"].paginator.count == int(link.group(2)) == 1
    link = _figure(html, village.code, "status=open")
    assert client.get(link.group(1).replace("&amp;", "&")).context["page"].paginator.count == 2
    link = _figure(html, village.code, "assigned=no")
    assert client.get(link.group(1).replace("&amp;", "&")).context["page"].paginator.count == 1
    link = _figure(html, village.code, "replied=")
    assert client.get(link.group(1).replace("&amp;", "&")).context["page"].paginator.count == 3


def test_secretary_home_is_the_village_dashboard(
    client, village, world, django_assert_max_num_queries
):
    client.force_login(world.secretary_a)
    # The first view computes the figures and caches them (five queries with the database
    # cache); the next one reads them back.
    with django_assert_max_num_queries(30):
        client.get(reverse("home"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("home"))
    assert response.context["village"] == village
    due = {m.member: m.due for m in response.context["members"]}
    assert due == {world.member_a: 0, world.member_a2: 1}  # member_a visited all theirs


def test_members_still_due_in_a_past_month(village, world):
    """November, seen in December: a household last visited in December was visited in
    November only if the notebook has a November visit."""
    p2 = village.households.get(is_low_income=True)  # member_a2's, visited 1 December
    due = {m.member: m.due for m in dashboard.member_rows(village, NOV)}
    # member_a: household_a and p1, both first visited in December; member_a2: household_a2
    # visited 30 November, p2 not in November.
    assert due == {world.member_a: 2, world.member_a2: 1}
    VisitFactory(household=p2, member=world.member_a2, visited_on=datetime.date(2026, 11, 15))
    due = {m.member: m.due for m in dashboard.member_rows(village, NOV)}
    assert due == {world.member_a: 2, world.member_a2: 0}
    assert {m.member: m.due for m in dashboard.member_rows(village, DEC)} == {
        world.member_a: 0,
        world.member_a2: 1,  # household_a2: last visited 30 November
    }


def test_monthly_report_workbook_has_a_sheet_per_table_and_totals(client, village, world):
    client.force_login(world.staff)
    response = client.get(reverse("report"), {"month": "2026-12", "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["各村情况", "月度趋势"]
    rows = list(workbook["各村情况"].iter_rows(values_only=True))
    assert rows[1][:4] == ("村", "农户数", "党员数", "已联户")
    assert rows[-1][0] == "合计" and rows[-1][1] == sum(r[1] for r in rows[2:-1])
    village_sheet = client.get(
        reverse("report"), {"month": "2026-12", "format": "xlsx", "village": village.pk}
    )
    book = load_workbook(io.BytesIO(b"".join(village_sheet.streaming_content)))
    assert "党员情况" in book.sheetnames


def test_trends_have_twelve_months_and_a_table(client, village, world):
    client.force_login(world.staff)
    response = client.get(reverse("trends"), {"month": "2026-12"})
    assert response.status_code == 200
    chart = response.context["visits"]
    assert len(chart.labels) == 12 and chart.series[0][1][-1] == 4  # December's visits
    assert "<svg" in response.content.decode() and "查看数据" in response.content.decode()
    assert Meeting.objects.count() == 2
    assert timezone.localdate() == DEC


def test_the_month_picker_names_months_in_the_pages_language(client, world):
    client.force_login(world.staff)
    with time_machine.travel(datetime.datetime(2026, 12, 7, 2, tzinfo=datetime.UTC), tick=False):
        page = client.get(reverse("dashboard"), {"month": "2026-11"}).content.decode()
        old = client.get(reverse("dashboard"), {"month": "2019-03"}).content.decode()
    assert 'type="month"' not in page  # the browser's own picker speaks the browser's language
    assert '<option value="2026-11" selected>2026年11月</option>' in page
    assert '<option value="2026-12">2026年12月</option>' in page
    assert '<option value="2019-03" selected>2019年3月</option>' in old  # kept when older
