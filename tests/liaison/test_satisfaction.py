"""一事一评 on the dashboards: the satisfaction rate (satisfied or basically satisfied, of the
replies the households rated) stands beside the confirmation rate."""

import datetime
import zoneinfo

from django.urls import reverse

from households.models import Village
from liaison import dashboard
from tests.factories import RequestFactory

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
DEC = datetime.date(2026, 12, 1)


def replied(household, satisfaction):
    return RequestFactory(
        household=household,
        status="closed" if satisfaction in ("satisfied", "basic") else "replied",
        created_at=datetime.datetime(2026, 12, 2, 9, 0, tzinfo=SH),
        replied_at=datetime.datetime(2026, 12, 3, 9, 0, tzinfo=SH),
        satisfaction=satisfaction,
    )


def test_the_satisfaction_rate_counts_rated_replies_only(world):
    for satisfaction in ("satisfied", "basic", "unsatisfied", "", ""):
        replied(world.household_a, satisfaction)
    rows = dashboard.village_rows(Village.objects.filter(pk=world.village_a.pk), DEC)
    [row] = rows.rows
    assert (row.replied, row.rated, row.satisfied) == (5, 3, 2)
    assert row.satisfied_share == 66.7  # 2 of the 3 rated
    assert row.confirmed_share == 40.0  # 2 of the 5 replied were closed by the household
    assert rows.total.satisfied_share == 66.7


def test_the_dashboards_show_it_beside_the_confirmation_rate(client, world):
    replied(world.household_a, "basic")
    replied(world.household_a, "unsatisfied")
    client.force_login(world.staff)
    month = {"month": "2026-12"}
    township = client.get(reverse("dashboard"), month).content.decode()
    village = client.get(reverse("dashboard-village", args=[world.village_a.pk]), month).content
    assert "满意率" in township and "农户确认率" in township
    assert township.index("农户确认率") < township.index("满意率")
    assert '<td class="text-end" data-figure="satisfied">50.0%</td>' in township
    assert "50.0%" in village.decode() and "2 件参评" in village.decode()
