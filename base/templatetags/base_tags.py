"""Template helpers shared by every app."""

from functools import lru_cache

from django import template
from django.template import engines
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from base import dates
from base.validators import mask_phone as _mask_phone

register = template.Library()

SENTINEL = 918273645  # stands for the primary key while an address is reversed once


@lru_cache(maxsize=256)
def _around_pk(view_name: str, script_prefix: str, urlconf) -> tuple[str, str]:
    # reverse() prefixes the script name itself; it is part of the key so that a site
    # mounted under a prefix gets its own entry.
    head, tail = reverse(view_name, args=[SENTINEL], urlconf=urlconf).split(str(SENTINEL))
    return head, tail


def pk_address(view_name: str):
    """pk -> the address of a view that takes one primary key, for the rows of a list:
    reverse() (~40 µs) runs once per process instead of once per row."""
    head, tail = _around_pk(view_name, get_script_prefix(), get_urlconf())
    return lambda pk: f"{head}{int(pk)}{tail}"


@register.simple_tag
def fixed_url(view_name: str) -> str:
    """{% url %} for a view that takes no argument, reversed once per process: the menu,
    the footer and the offline set-up name a dozen such views on every page (~0.3 ms)."""
    return _fixed_url(view_name, get_script_prefix(), get_urlconf())


@lru_cache(maxsize=128)
def _fixed_url(view_name: str, prefix: str, urlconf) -> str:
    return reverse(view_name, urlconf=urlconf)


def date_labels(empty: str = ""):
    """date -> the date as |date writes it, formatted once per distinct date: a list's rows
    repeat the same few days. None gives `empty`."""
    labels: dict = {None: empty}

    def label(value) -> str:
        if value not in labels:
            labels[value] = formats.date_format(value)
        return labels[value]

    return label


@register.simple_tag
def pk_url(view_name: str, pk) -> str:
    """{% pk_url "members:detail" m.pk %}: {% url %} for one primary key, in a loop."""
    return pk_address(view_name)(pk)


@register.filter
def mask_phone(phone: str) -> str:
    """138****5678 — lists never show a whole phone number."""
    return _mask_phone(phone)


def query_string(query, **changes) -> str:
    """The current query string (a QueryDict) with some parameters replaced, for pagination
    and sorting links (templates/jinja2/_pagination.html, _sort_link.html)."""
    params = query.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(sorted(params.lists()), doseq=True) if params else "?"


@register.filter
def user_label(user) -> str:
    """A person's name as staff know it: full name, else the login, else a dash."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **values) -> SafeString:
    """{% jinja "households/_list_rows.html" rows=page.object_list %}: a hot fragment
    (a jinja2/ directory, base/jinja_env.py) rendered with Jinja2, with the request (and so
    csrf_input) when the page has one."""
    html = engines["jinja2"].get_template(template_name).render(values, context.get("request"))
    # An autoescaped template's output.
    return mark_safe(html)  # noqa: S308 # nosec B308 B703


MONTHS_OFFERED = 36


@register.simple_tag
def month_choices(selected) -> list:
    """The months a month picker offers, newest first: this month (Asia/Shanghai) and the
    MONTHS_OFFERED - 1 before it, and `selected` if it lies outside them. Named by the
    template in the page's language (2026年12月), which a browser's own month input is not."""
    this_month = dates.month_start()
    months = [dates.add_months(this_month, -n) for n in range(MONTHS_OFFERED)]
    selected = dates.month_start(selected) if selected else None
    if selected and selected not in months:
        months.append(selected)
        months.sort(reverse=True)
    return months
