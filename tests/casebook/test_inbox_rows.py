"""The inbox's rows (casebook/jinja2/casebook/_inbox_rows.html, Jinja2) say what the
Django template said: status, badges, escaping, Chinese dates in local time."""

import datetime
import re

import pytest
from django.template import engines
from django.template.defaultfilters import truncatechars
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from casebook.models import Request
from casebook.selectors import inbox, inbox_labels
from tests.factories import RequestFactory
from tests.html import squeeze

pytestmark = pytest.mark.django_db

PAGE = '{% load base_tags %}{% jinja "casebook/_inbox_rows.html" rows=rows labels=labels %}'


def rows_by_pk(html: str) -> dict[int, str]:
    rows = re.findall(r'<a class="list-group-item[^"]*" href="/casebook/requests/(\d+)/">(.*?)</a>',
                      squeeze(html))  # fmt: skip
    return {int(pk): row for pk, row in rows}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_say_what_the_template_said(world, language):
    today = timezone.localdate()
    plain = RequestFactory(
        household=world.household_a, description="<script>x</script>" + "长" * 120
    )
    late = RequestFactory(
        household=world.household_a2,
        status="in_progress",
        owner=world.staff,
        due_on=today - datetime.timedelta(days=2),
    )  # overdue
    closed = RequestFactory(household=world.household_b, status="closed")
    reopened = RequestFactory(household=world.household_b, satisfaction="unsatisfied")
    rows = list(inbox(Request.objects.all()))
    assert any(r.is_overdue for r in rows)
    with translation.override(language):
        html = engines["django"].from_string(PAGE).render({"rows": rows, "labels": inbox_labels()})
        overdue = f'<span class="badge text-bg-danger" data-overdue>{_("Overdue")}</span>'
        reopened_badge = (
            f'<span class="badge text-bg-warning" data-reopened>{_("Not solved, reopened")}</span>'
        )
        created = formats.date_format(timezone.localdate(plain.created_at))
        due = formats.date_format(plain.due_on)
        labels = {r.pk: (r.get_status_display(), r.get_source_display()) for r in rows}
        truncated = truncatechars(plain.description, 90)  # as |truncatechars:90 did
        reply_by, owner, category = _("reply by"), _("Owner"), str(plain.category)
    by_pk = rows_by_pk(html)
    assert list(by_pk) == [r.pk for r in rows]
    assert html.count("list-group-item-danger") == 1 and "list-group-item-danger" in re.search(
        rf'<a class="[^"]*" href="/casebook/requests/{late.pk}/">', html
    ).group(0)

    row = by_pk[plain.pk]
    status, source = labels[plain.pk]
    assert row.startswith(
        '<div class="d-flex justify-content-between flex-wrap gap-1">'
        f'<span><span class="badge status-{plain.status}">{status}</span> '
        f"<strong>#{plain.pk} {category}</strong> · 董文祥 "
        '<span class="text-muted small">白牙合村</span></span> '
        f'<span class="small text-muted">{created} · {reply_by} {due}</span>'
    )
    description = re.search(r'<div class="small">(.*?)</div>', row).group(1)
    assert description == escape(truncated) and truncated.startswith("<script>x</script>长")
    assert row.endswith(f'<div class="small text-muted">{owner}: — · {source}</div>')
    if language == "zh-hans":
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", created)

    assert overdue in by_pk[late.pk] and overdue not in by_pk[plain.pk]
    assert f"{owner}: {world.staff.get_full_name() or world.staff.username} ·" in by_pk[late.pk]
    assert reopened_badge in by_pk[reopened.pk]
    assert reopened_badge not in by_pk[closed.pk] and overdue not in by_pk[closed.pk]
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_inbox_page_lists_the_requests(client, world):
    request = RequestFactory(household=world.household_a)
    client.force_login(world.staff)
    html = client.get("/casebook/requests/").content.decode()
    assert f'href="/casebook/requests/{request.pk}/"' in html
    html = client.get("/casebook/requests/", {"replied": "1999-01"}).content.decode()
    assert "没有符合条件的诉求" in html or "No request matches" in html
