"""The household list's rows (households/jinja2/households/_list_rows.html, Jinja2) say what
the Django template said: cells, links, badges, escaping, Chinese dates."""

import datetime
import re

import pytest
from django.template import engines
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from casebook.models import Visit
from households.models import Household
from households.selectors import LIST_ROW_VALUES, households_listed, list_rows
from tests.factories import HouseholdFactory, VisitFactory
from tests.html import squeeze

pytestmark = pytest.mark.django_db

PAGE = '{% load base_tags %}{% jinja "households/_list_rows.html" rows=rows %}'


def rows_by_pk(html: str) -> dict[int, list[str]]:
    """{household pk: [the seven cells' inner HTML]}."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", squeeze(html)):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert len(cells) == 7, row
        rows[int(re.search(r'href="/households/(\d+)/"', cells[0]).group(1))] = cells
    return rows


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_say_what_the_template_said(world, language):
    tagged = HouseholdFactory(
        village=world.village_a, head_name="<b>王</b>", is_low_income=True, phone=""
    )
    HouseholdFactory(village=world.village_a, is_elderly_alone=True, has_disability=True)
    moved = HouseholdFactory(village=world.village_a, status="moved_out")
    VisitFactory(household=world.household_a, member=world.member_a)
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=3)
    VisitFactory(household=world.household_a2, member=world.member_a2, visited_on=last_month)
    assert Visit.objects.count() == 2
    households = list_rows(
        households_listed(Household.objects.all()).order_by("pk").values(*LIST_ROW_VALUES)
    )
    with translation.override(language):
        html = engines["django"].from_string(PAGE).render({"rows": households})
        rows = rows_by_pk(html)
        visited = f'<span class="badge text-bg-success">{_("Visited")}</span>'
        due = f'<span class="badge text-bg-light border">{_("Due")}</span>'
        unassigned = f'<span class="badge text-bg-danger">{_("Unassigned")}</span>'
        priority = _("Priority")
        flags = "、".join(str(label) for label in tagged.flag_labels)
        today, earlier = formats.date_format(timezone.localdate()), formats.date_format(last_month)
        moved_label = moved.get_status_display()
    assert list(rows) == [h.pk for h in households]

    a = world.household_a
    assert rows[a.pk][0] == f'<a href="/households/{a.pk}/">{a.number}</a>'
    assert rows[a.pk][1] == f'<a href="/households/{a.pk}/">董文祥</a>'
    assert rows[a.pk][2] == "白牙合村 " + a.group.name
    assert rows[a.pk][3] == a.phone[:3] + "****" + a.phone[-4:]
    assert rows[a.pk][4] == f'<a href="/members/{world.member_a.pk}/">郭有德</a>'
    assert rows[a.pk][5:] == [today, visited]
    assert rows[world.household_a2.pk][5:] == [earlier, due]
    if language == "zh-hans":
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", today)

    # Escaped name, priority badge with its flags, no phone, no member, never visited.
    assert rows[tagged.pk][1] == (
        f'<a href="/households/{tagged.pk}/">&lt;b&gt;王&lt;/b&gt;</a> '
        f'<span class="badge text-bg-warning ms-1" title="{flags}">{priority}</span>'
    )
    assert rows[tagged.pk][3:] == ["", unassigned, "—", due]
    assert "<b>王" not in html
    assert f'<span class="badge text-bg-secondary ms-1">{moved_label}</span>' in rows[moved.pk][1]


def test_list_page_shows_the_rows(client, world):
    client.force_login(world.staff)
    html = client.get("/households/").content.decode()
    assert f'<a href="/households/{world.household_a.pk}/">{world.household_a.number}</a>' in html
    assert f'<a href="/members/{world.member_a.pk}/">{world.member_a.name}</a>' in html
    html = client.get("/households/", {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的农户" in html or "No household matches" in html
