"""The Jinja2 environment for the hot fragments (`<app>/jinja2/`, `templates/jinja2/`).

The busiest lists (household rows, inbox rows, the board's tables, the card sheet, the
filter bars' <select>s) render tens to hundreds of rows; through Django's template engine
they cost several milliseconds a page, through Jinja2 (compiled to Python) a fraction of
it. They are rendered from Django templates with `{% jinja "name.html" key=value %}`
(base_tags), and say exactly what Django's templates said:

- autoescape is on, and every value is escaped as Django escapes it (`&#x27;` and
  `&quot;`, where markupsafe alone would write `&#39;` and `&#34;`);
- in a loop, `pk_address("app:view")` (set once) gives a row's address as `{% url %}` does,
  and labels are translated once before the loop;
- `_()` is Django's gettext (jinja2's i18n extension), so makemessages reads
  `{{ _("...") }}` as it reads it in Django templates;
- `query_string(request.GET, page=2)` is the current query with parameters replaced
  (pagination and sorting links);
- `|date` formats as Django's `|date` does, in local time and the active language's
  DATE_FORMAT (Chinese: 2026年11月29日), and `|default_dash` writes "—" for nothing.
"""

from functools import lru_cache

from django.template.defaultfilters import truncatechars
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, ngettext, pgettext
from jinja2 import Environment
from markupsafe import Markup, escape

from base.templatetags.base_tags import (
    mask_phone,
    month_choices,
    pk_address,
    pk_url,
    query_string,
    user_label,
)


def _finalize(value):
    """Called on every {{ }} before autoescape: Django's escaping (django.utils.html.escape)
    at markupsafe's speed. markupsafe writes &, <, > as Django does but ' and " as &#39;
    and &#34;: a value holding a quote is escaped here, Django's way; any other goes on to
    jinja2's escape. A SafeString or a jinja2 Markup passes through (__html__), and None
    writes "None" as Django does."""
    if hasattr(value, "__html__"):
        return value
    text = str(value)
    if "'" in text or '"' in text:
        html = str(escape(text)).replace("&#39;", "&#x27;").replace("&#34;", "&quot;")
        # Escaped just above.
        return Markup(html)  # noqa: S704 # nosec B704
    return text


@lru_cache(maxsize=2048)
def _date_label(value, fmt, language) -> str:
    return formats.date_format(value, fmt)


def date(value, fmt: str | None = None) -> str:
    """Django's |date: "" for nothing, aware datetimes in local time. Labels are kept per
    date and language: a list's rows repeat the same few days."""
    if value in (None, ""):
        return ""
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return _date_label(value, fmt, get_language())


def default_dash(value):
    """Django's |default_if_none:"—": a dash for nothing, a zero stays a zero."""
    return "—" if value is None else value


def environment(**options) -> Environment:
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    # Django's Jinja2 backend passes autoescape=True (settings.TEMPLATES says it too).
    env = Environment(finalize=_finalize, **options)  # noqa: S701 # nosec B701
    # Old-style callables: a translation is a plain string, escaped on output as Django's
    # {% translate %} escapes it.
    env.install_gettext_callables(gettext, ngettext, pgettext=pgettext)
    env.globals.update(
        url=reverse,
        pk_url=pk_url,
        pk_address=pk_address,
        static=static,
        query_string=query_string,
        month_choices=month_choices,
    )
    env.filters.update(
        date=date,
        default_dash=default_dash,
        mask_phone=mask_phone,
        user_label=user_label,
        truncatechars=truncatechars,
    )
    return env
