"""The request inbox's rows, written in Python.

The inbox is the page staff keep open: 50 requests of ten fields each. Through the
template engine the rows cost ~15 ms a page (two localized dates, two display values,
a truncated description, an owner and a link each); written here, as Django's admin
writes its changelist rows, a few milliseconds. The markup is the one
casebook/inbox.html had; tests/casebook/test_inbox_rows.py checks it.
"""

from django import template
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from base.templatetags.base_tags import date_labels, pk_address, user_label

register = template.Library()


@register.simple_tag
def request_rows(requests) -> SafeString:
    detail_url = pk_address("casebook:request-detail")
    overdue = format_html(
        '<span class="badge text-bg-danger" data-overdue>{}</span> ', _("Overdue")
    )
    reopened = format_html(
        '<span class="badge text-bg-warning" data-reopened>{}</span> ',
        _("Not solved, reopened"),
    )
    reply_by, owner_label = _("reply by"), _("Owner")
    day = date_labels()

    rows = []
    for r in requests:
        is_overdue = r.is_overdue
        rows.append(
            format_html(
                '<a class="list-group-item list-group-item-action{}" href="{}">'
                '<div class="d-flex justify-content-between flex-wrap gap-1">'
                '<span><span class="badge status-{}">{}</span> {}{}'
                "<strong>#{} {}</strong> · {} "
                '<span class="text-muted small">{}</span></span> '
                '<span class="small text-muted">{} · {} {}</span>'
                "</div>"
                '<div class="small">{}</div>'
                '<div class="small text-muted">{}: {} · {}</div>'
                "</a>\n",
                " list-group-item-danger" if is_overdue else "",
                detail_url(r.pk),
                r.status,
                r.get_status_display(),
                overdue if is_overdue else "",
                reopened if r.satisfaction == "unsatisfied" and r.is_open else "",
                r.pk,
                r.category,
                r.household.head_name,
                r.village.name,
                day(timezone.localdate(r.created_at)),
                reply_by,
                day(r.due_on),
                truncatechars(r.description, 90),
                owner_label,
                user_label(r.owner),
                r.get_source_display(),
            )
        )
    # Every row came from format_html.
    return mark_safe("".join(rows))  # noqa: S308 # nosec B308 B703
