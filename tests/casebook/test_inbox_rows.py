"""The inbox's rows (written in Python) say what the template used to say."""

import datetime
from pathlib import Path

import pytest
from django.template import engines
from django.utils import timezone, translation

from casebook.models import Request
from casebook.selectors import inbox
from casebook.templatetags.casebook_tags import request_rows
from tests.factories import RequestFactory
from tests.html import squeeze

pytestmark = pytest.mark.django_db

# The row as casebook/inbox.html wrote it with the template engine.
TEMPLATE_ROW = (Path(__file__).parent / "fixtures" / "inbox_row.html").read_text()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_match_the_template(world, language):
    today = timezone.localdate()
    RequestFactory(household=world.household_a, description="<script>x</script>" + "长" * 120)
    RequestFactory(
        household=world.household_a2,
        status="in_progress",
        owner=world.staff,
        due_on=today - datetime.timedelta(days=2),
    )  # overdue
    RequestFactory(household=world.household_b, status="closed")
    rows = list(inbox(Request.objects.all()))
    assert any(r.is_overdue for r in rows)
    with translation.override(language):
        ours = str(request_rows(rows))
        theirs = engines["django"].from_string(TEMPLATE_ROW).render({"rows": rows})
    assert squeeze(ours) == squeeze(theirs)
    assert "&lt;script&gt;" in ours and "<script>" not in ours


def test_inbox_page_lists_the_requests(client, world):
    request = RequestFactory(household=world.household_a)
    client.force_login(world.staff)
    html = client.get("/casebook/requests/").content.decode()
    assert f'href="/casebook/requests/{request.pk}/"' in html
    html = client.get("/casebook/requests/", {"replied": "1999-01"}).content.decode()
    assert "没有符合条件的诉求" in html or "No request matches" in html
