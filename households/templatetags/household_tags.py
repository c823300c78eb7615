"""The household list's rows, written in Python.

The list is the registry's busiest page: 50 rows of seven cells, each with two links,
badges, a masked phone and a date. Through the template engine they cost ~5 ms a page
(a third of it in {% url %} and |date); written here, as Django's admin writes its
changelist rows, about 1 ms. The markup is the one households/list.html had;
tests/households/test_list_rows.py checks it.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from base.templatetags.base_tags import date_labels, pk_address
from base.validators import mask_phone

register = template.Library()


@register.simple_tag
def household_rows(households) -> SafeString:
    household_url = pk_address("households:detail")
    member_url = pk_address("members:detail")
    priority, unassigned = _("Priority"), _("Unassigned")
    visited = format_html('<span class="badge text-bg-success">{}</span>', _("Visited"))
    due = format_html('<span class="badge text-bg-light border">{}</span>', _("Due"))
    last_visit = date_labels("—")
    rows = []
    for h in households:
        href = household_url(h.pk)
        badges = SafeString("")
        if h.is_priority:
            badges += format_html(
                ' <span class="badge text-bg-warning ms-1" title="{}">{}</span>',
                "、".join(str(label) for label in h.flag_labels),
                priority,
            )
        if h.status != "active":
            badges += format_html(
                ' <span class="badge text-bg-secondary ms-1">{}</span>', h.get_status_display()
            )
        if h.member_name:
            member = format_html('<a href="{}">{}</a>', member_url(h.member_id), h.member_name)
        else:
            member = format_html('<span class="badge text-bg-danger">{}</span>', unassigned)
        rows.append(
            format_html(
                "<tr>"
                '<td class="text-nowrap"><a href="{}">{}</a></td>'
                '<td><a href="{}">{}</a>{}</td>'
                '<td class="d-none d-md-table-cell">{} {}</td>'
                '<td class="d-none d-lg-table-cell text-nowrap">{}</td>'
                "<td>{}</td>"
                '<td class="d-none d-md-table-cell text-nowrap">{}</td>'
                '<td class="d-none d-sm-table-cell">{}</td>'
                "</tr>\n",
                href,
                h.number,
                href,
                h.head_name,
                badges,
                h.village.name,
                h.group.name,
                mask_phone(h.phone),
                member,
                last_visit(h.last_visit),
                visited if h.visited_now else due,
            )
        )
    # Every row came from format_html.
    return mark_safe("".join(rows))  # noqa: S308 # nosec B308 B703
