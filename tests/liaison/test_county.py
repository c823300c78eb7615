"""A county above its townships: county staff see every township of their county, compare
them and drill down, and change nothing in them."""

import io
from unittest import mock

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts
from casebook import access as casebook_access
from casebook import hotspots
from casebook.models import Request
from households import access
from households.models import Role, RoleKind
from infra import cache
from liaison import dashboard, figures, reports
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    PartyMemberFactory,
    RequestFactory,
    RoleFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(world):
    """A second township in township A's county, with one village and household."""
    world.township_c = TownshipFactory(name="五十镇", code="wushi-test", county=world.county)
    world.village_c = VillageFactory(township=world.township_c, name="五十村", code="c1")
    world.household_c = HouseholdFactory(village=world.village_c, head_name="祁玉兰")
    return world


def test_county_staff_see_every_township_of_their_county_and_no_other(county):
    user = county.county_staff
    seen = set(access.households(user).values_list("pk", flat=True))
    assert {county.household_a.pk, county.household_b.pk, county.household_c.pk} <= seen
    assert county.household_x.pk not in seen
    assert set(access.townships(user)) == {county.township, county.township_c}
    assert list(access.counties(user)) == [county.county]


def test_county_staff_change_nothing_in_their_county(county):
    user, scope = county.county_staff, access.scope_for(county.county_staff)
    for village in (county.village_a, county.village_b, county.village_c):
        assert access.can_oversee_village(user, village.pk)
        assert not access.can_manage_village(user, village.pk)
    assert not access.can_manage_rosters(user)
    assert not scope.may_write
    assert not access.recordable_households(user).exists()
    assert not access.managed_villages(user).exists()


def test_a_member_who_also_oversees_the_county_acts_only_on_their_own_households(county):
    """Seeing the county must not lend a member's rights over requests to every household."""
    user = UserFactory(username="county-member")
    RoleFactory(user=user, kind=RoleKind.COUNTY, county=county.county, village=None)
    member = PartyMemberFactory(village=county.village_a, user=user)
    own = HouseholdFactory(village=county.village_a)
    AssignmentFactory(household=own, member=member)
    mine, other = RequestFactory(household=own), RequestFactory(household=county.household_b)
    assert casebook_access.requests(user).filter(pk=other.pk).exists()  # seen
    assert casebook_access.can_act_on_request(user, mine, "reply")
    assert not casebook_access.can_act_on_request(user, other, "reply")
    assert not casebook_access.can_act_on_request(user, other, "accept")


def test_a_role_names_exactly_its_own_place(world):
    for fields in (
        {"kind": RoleKind.COUNTY, "county": None, "township": world.township},
        {"kind": RoleKind.COUNTY, "county": world.county, "village": world.village_a},
        {"kind": RoleKind.TOWNSHIP, "county": world.county, "township": world.township},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Role.objects.create(user=world.staff, **fields)


def test_county_staff_pass_a_second_factor(world):
    assert accounts.needs_second_factor(world.county_staff)


def test_the_county_table_adds_up_its_villages_per_township(county):
    RequestFactory(household=county.household_a)
    RequestFactory(household=county.household_b)
    RequestFactory(household=county.household_c)
    villages = access.overseen_villages(county.county_staff)
    month = timezone.localdate().replace(day=1)
    by_village = dashboard.village_rows(villages, month)
    by_township = dashboard.township_rows(villages, month)
    rows = {row.township.pk: row for row in by_township.rows}
    assert set(rows) == {county.township.pk, county.township_c.pk}
    a = rows[county.township.pk]
    villages_a = [r for r in by_village.rows if r.village.township_id == county.township.pk]
    for name in dashboard.ADDITIVE:
        assert getattr(a, name) == sum(getattr(r, name) for r in villages_a), name
    assert (a.households, a.open) == (3, 2)
    assert rows[county.township_c.pk].open == 1


def test_the_county_dashboard_drills_down_to_township_village_and_household(
    county, client, django_assert_max_num_queries
):
    client.force_login(county.county_staff)
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "五十镇" in home.content.decode()
    with django_assert_max_num_queries(20):
        page = client.get(reverse("dashboard-county"))
    html = page.content.decode()
    township_link = f"{reverse('dashboard')}?township={county.township.pk}"
    assert township_link in html
    township = client.get(reverse("dashboard"), {"township": county.township.pk})
    assert township.status_code == 200
    body = township.content.decode()
    assert "白牙合村" in body and "五十村" not in body
    village_url = reverse("dashboard-village", kwargs={"pk": county.village_a.pk})
    assert village_url in body
    assert client.get(village_url).status_code == 200
    detail = reverse("households:detail", kwargs={"pk": county.household_a.pk})
    assert client.get(detail).status_code == 200
    # Another county's township is not theirs: 404, as for an object that does not exist.
    other = client.get(reverse("dashboard"), {"township": county.other_township.pk})
    assert other.status_code == 404


def test_the_county_report_and_trend(county, client):
    client.force_login(county.county_staff)
    county_id = county.county.pk
    sheet = client.get(reverse("report"), {"county": county_id, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
    assert book.sheetnames[0] == "各乡镇情况"
    names = [row[0].value for row in book["各乡镇情况"].iter_rows(min_row=3)]
    assert names == ["东山乡", "五十镇", "合计"]
    printed = client.get(reverse("report"), {"county": county_id}).content.decode()
    assert "互助县" in printed and "五十镇" in printed
    trend = client.get(reverse("trends"), {"county": county_id})
    assert trend.status_code == 200 and "互助县" in trend.content.decode()


def test_township_staff_see_no_county_dashboard(world, client):
    client.force_login(world.staff)
    assert client.get(reverse("dashboard-county")).status_code == 404


def test_the_demo_seeds_huzhu_county_and_its_staff_login():
    from devtools import demo
    from households.models import County, Township

    result = demo.seed_demo(password="demo-pass-123", county=True, county_townships=1)
    huzhu = County.objects.get(code=demo.COUNTY_CODE)
    assert huzhu.name == "互助土族自治县"
    names = Township.objects.filter(county=huzhu).values_list("name", flat=True)
    assert sorted(names) == ["东山乡", "威远镇"]
    weiyuan = Township.objects.get(name="威远镇")
    assert weiyuan.villages.count() == len(demo.VILLAGES)
    assert weiyuan.villages.filter(name="威远一村").exists()
    assert result.households == 2 * demo.HOUSEHOLDS_PER_SCALE
    assert "county" in dict(result.users)
    user = Role.objects.get(kind=RoleKind.COUNTY, county=huzhu).user
    village = weiyuan.villages.first()
    assert access.can_oversee_village(user, village.pk)
    assert not access.can_manage_village(user, village.pk)


def test_township_staff_who_also_oversee_the_county_change_only_their_township(county, client):
    """Seeing the county lends township staff no roster right beyond their own township."""
    from django.http import Http404

    from members import access as members_access

    user = UserFactory(username="township-and-county")
    RoleFactory(user=user, kind=RoleKind.TOWNSHIP, township=county.township, village=None)
    RoleFactory(user=user, kind=RoleKind.COUNTY, county=county.county, village=None)
    assert access.households(user).filter(pk=county.household_c.pk).exists()  # seen
    with pytest.raises(Http404):
        access.managed_household_for(user, county.household_c.pk)
    member_c = PartyMemberFactory(village=county.village_c)
    with pytest.raises(Http404):
        members_access.managed_member_for(user, member_c.pk)
    assert access.managed_household_for(user, county.household_a.pk) == county.household_a
    client.force_login(user)
    token = county.household_c.card_token
    rotate = reverse("households:card-rotate", kwargs={"pk": county.household_c.pk})
    assert client.post(rotate).status_code == 404
    county.household_c.refresh_from_db()
    assert county.household_c.card_token == token
    edit = reverse("households:edit", kwargs={"pk": county.household_c.pk})
    assert client.get(edit).status_code == 404
    retire = reverse("members:household-retire", kwargs={"pk": county.household_c.pk})
    assert client.post(retire, {"on": "2026-12-01", "reason": "迁出"}).status_code == 404
    sheet = client.get(reverse("households:export"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
    cells = {cell.value for row in book.active.iter_rows(min_row=2) for cell in row}
    assert county.household_a.head_name in cells
    assert county.household_c.head_name not in cells


def test_county_staff_see_no_other_countys_mediation_follow_ups(county, client):
    """The due page's follow-ups: a county role has no village and no follow-ups of its own."""
    from tests.factories import MeetingFactory, PavilionFactory

    MeetingFactory(
        pavilion=PavilionFactory(village=county.village_x),
        kind="mediation",
        topic="外县的一次调解",
        follow_up_on=timezone.localdate(),
    )
    client.force_login(county.county_staff)
    page = client.get(reverse("casebook:due"))
    assert page.status_code == 200
    assert "外县的一次调解" not in page.content.decode()


def _figures(totals):
    return [
        (row.township.pk if hasattr(row, "township") else row.village.pk) for row in totals.rows
    ], [
        [getattr(row, name) for name in (*dashboard.ADDITIVE, "median_reply_days")]
        for row in [*totals.rows, totals.total]
    ]


def test_the_cached_county_table_follows_a_write_in_one_township_recomputing_only_it(county):
    """The county table and top categories are put together from each township's cached
    entries: the same figures as computed afresh, and a write in one township recomputes
    that township's alone."""
    RequestFactory(household=county.household_a)
    villages = access.overseen_villages(county.county_staff)
    requests = casebook_access.requests(county.county_staff).filter(village__in=villages)
    month = timezone.localdate().replace(day=1)
    table, top = figures.county(villages, requests, month, days=30)
    assert _figures(table) == _figures(dashboard.township_rows(villages, month))
    assert {pk: found for pk, found in top.items() if found} == hotspots.top_categories(
        requests, days=30
    )
    before = {row.township.pk: row.open for row in table.rows}
    RequestFactory(household=county.household_c)
    cache.touch([county.village_c.pk])  # as the service that records a request does
    with (
        mock.patch.object(dashboard, "village_rows", wraps=dashboard.village_rows) as computed,
        mock.patch.object(hotspots, "top_categories", wraps=hotspots.top_categories) as categories,
    ):
        after, top_after = figures.county(villages, requests, month, days=30)
    assert [list(call.args[0]) for call in computed.call_args_list] == [[county.village_c]]
    assert [set(call.args[0]) for call in categories.call_args_list] == [
        set(Request.objects.filter(village=county.village_c))
    ]
    opened = {row.township.pk: row.open for row in after.rows}
    assert opened == {**before, county.township_c.pk: before[county.township_c.pk] + 1}
    assert after.total.open == sum(opened.values())
    assert {pk: found for pk, found in top_after.items() if found} == hotspots.top_categories(
        requests, days=30
    )


def test_the_county_report_put_together_from_townships_is_the_report_computed_afresh(county):
    RequestFactory(household=county.household_a)
    RequestFactory(household=county.household_c)
    villages = access.overseen_villages(county.county_staff)
    month = timezone.localdate().replace(day=1)
    kept = figures.monthly_report(villages, month, place="互助县")
    fresh = reports.monthly(villages, month, place="互助县")
    assert kept.title == fresh.title
    assert _figures(kept.townships) == _figures(fresh.townships)
    assert _figures(kept.totals) == _figures(fresh.totals)
    assert [row.village.township.name for row in kept.totals.rows] == [
        row.village.township.name for row in fresh.totals.rows
    ]
    assert kept.trend == fresh.trend


def test_the_county_trend_is_its_townships_trends_added_up_recomputing_only_the_one_written(
    county,
):
    replied = RequestFactory(household=county.household_a)
    replied.replied_at = replied.created_at + timezone.timedelta(days=2)
    replied.save()
    RequestFactory(household=county.household_c)
    VisitFactory(household=county.household_c)
    villages = access.overseen_villages(county.county_staff)
    month = timezone.localdate().replace(day=1)
    assert figures.trends(villages, month) == dashboard.trends(villages, month)
    RequestFactory(household=county.household_c)
    cache.touch([county.village_c.pk])
    with mock.patch.object(dashboard, "trends", wraps=dashboard.trends) as computed:
        after = figures.trends(villages, month)
    assert [list(call.args[0]) for call in computed.call_args_list] == [[county.village_c]]
    assert after == dashboard.trends(villages, month)
    assert after.raised[-1] == 3 and after.median_days[-1] == 2.0
