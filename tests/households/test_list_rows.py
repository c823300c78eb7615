"""The household list's rows (written in Python) say what the template used to say."""

import datetime
from pathlib import Path

import pytest
from django.template import engines
from django.utils import timezone, translation

from casebook.models import Visit
from households.models import Household
from households.selectors import households_annotated
from households.templatetags.household_tags import household_rows
from tests.factories import HouseholdFactory, VisitFactory
from tests.html import squeeze

pytestmark = pytest.mark.django_db

# The row as households/list.html wrote it with the template engine.
TEMPLATE_ROW = (Path(__file__).parent / "fixtures" / "list_row.html").read_text()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_match_the_template(world, language):
    HouseholdFactory(village=world.village_a, head_name="<b>王</b>", is_low_income=True, phone="")
    HouseholdFactory(village=world.village_a, is_elderly_alone=True, has_disability=True)
    HouseholdFactory(village=world.village_a, status="moved_out")
    VisitFactory(household=world.household_a, member=world.member_a)
    VisitFactory(
        household=world.household_a2,
        member=world.member_a2,
        visited_on=timezone.localdate().replace(day=1) - datetime.timedelta(days=3),
    )
    assert Visit.objects.count() == 2
    rows = list(households_annotated(Household.objects.all()).order_by("pk"))
    with translation.override(language):
        ours = str(household_rows(rows))
        theirs = engines["django"].from_string(TEMPLATE_ROW).render({"rows": rows})
    assert squeeze(ours) == squeeze(theirs)
    assert "&lt;b&gt;王&lt;/b&gt;" in ours and "<b>王" not in ours


def test_list_page_shows_the_rows(client, world):
    client.force_login(world.staff)
    html = client.get("/households/").content.decode()
    assert f'<a href="/households/{world.household_a.pk}/">{world.household_a.number}</a>' in html
    assert f'<a href="/members/{world.member_a.pk}/">{world.member_a.name}</a>' in html
    html = client.get("/households/", {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的农户" in html or "No household matches" in html
