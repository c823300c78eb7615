"""Query parameters, parsed before use: a malformed one answers 400 with a Chinese message.

A view that reads `?month=` or `?village=` declares them in a small form of these fields
and calls `parse_query(request, TheForm)`. Whatever arrives (letters where an id is
expected, a month outside the calendar, more digits than any column holds, NUL bytes,
repeated keys: the last one counts) is refused before it reaches a query or a date
computation. `BadQuery` is Django's BadRequest, so the answer is the 400 page with the
message (liaison.views.bad_request).
"""

import datetime
import re

from django import forms
from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_ID = 2**63 - 1  # the largest primary key any table holds (bigint)
MIN_YEAR, MAX_YEAR = 1900, 2100  # months the dashboards and reports may show
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$", re.ASCII)
_DIGITS = re.compile(r"^\d{1,19}$", re.ASCII)


class BadQuery(BadRequest):
    """A query parameter that cannot be used; the message is fit to show the user."""


def parse_id(value) -> int | None:
    """An object id from a query string, or None if it cannot be one (letters, NUL, 10**30)."""
    text = str(value or "").strip()
    if not _DIGITS.match(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdField(forms.IntegerField):
    """A positive id that fits a bigint column (ASCII digits only)."""

    default_error_messages = {"invalid": gettext_lazy("Enter a valid id.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not _DIGITS.match(str(value).strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class MonthField(forms.CharField):
    """`2026-11` → date(2026, 11, 1), within the years the product keeps figures for."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        match = _MONTH.match(text)
        if match:
            year, month = int(match[1]), int(match[2])
            if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
                return datetime.date(year, month, 1)
        raise forms.ValidationError(
            _("Enter a month like 2026-11, between %(low)d and %(high)d.")
            % {"low": MIN_YEAR, "high": MAX_YEAR},
            code="invalid_month",
        )


class FlagField(forms.CharField):
    """`?fresh=1`: on when the value is 1, off when absent or empty; anything else is refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text not in ("", "0", "1"):
            raise forms.ValidationError(_("Use 1 or 0."), code="invalid_flag")
        return text == "1"


def parse_query(request: HttpRequest, form_class: type[forms.Form]) -> dict:
    """The view's query parameters, cleaned; BadQuery (400) names the first bad one."""
    form = form_class(request.GET)
    if form.is_valid():
        return form.cleaned_data
    name, errors = next(iter(form.errors.items()))
    raise BadQuery(
        _("The address has a malformed parameter “%(name)s”: %(error)s")
        % {"name": name, "error": errors[0]}
    )


def require_valid_filter(filterset, names: tuple[str, ...] | None = None) -> None:
    """A filter that could not be read must not widen the rows silently: refuse it (400).

    Exports check every filter; a list page checks only the filters it does not show (a
    shown filter's error is displayed under it).
    """
    if not filterset.is_bound or filterset.is_valid():
        return
    bad = [(n, e) for n, e in filterset.errors.items() if names is None or n in names]
    if bad:
        name, errors = bad[0]
        raise BadQuery(
            _("The address has a malformed parameter “%(name)s”: %(error)s")
            % {"name": name, "error": errors[0]}
        )
