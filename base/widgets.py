from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """A date field; the value is ISO so that any picker can read it.

    The browser's own picker speaks the browser's language, not the page's:
    static/js/date-picker.js turns the field into one whose calendar names months and
    weekdays in the page's language, and reads its words from these data attributes.
    """

    input_type = "date"

    def __init__(self, attrs=None):
        attrs = {
            "data-date-picker": "",
            "data-picker-label": _("Choose a date"),
            "data-picker-prev": _("Previous month"),
            "data-picker-next": _("Next month"),
            "data-picker-today": _("Today"),
            "data-picker-placeholder": _("year-month-day, e.g. 2026-12-07"),
            **(attrs or {}),
        }
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PickerMixin:
    """A select that static/js/pickers.js turns into a searchable picker (Tom Select).

    Without JavaScript it stays a plain select. Options of model choices carry the object's
    `search_key` (pinyin, e.g. "dwx dongwenxiang") so that typing pinyin finds a name.
    """

    def __init__(self, attrs=None, **kwargs):
        attrs = {"class": "picker", **(attrs or {})}
        super().__init__(attrs=attrs, **kwargs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        key = getattr(getattr(value, "instance", None), "search_key", "")
        if key:
            option["attrs"]["data-pinyin"] = key
        return option


class PickerSelect(PickerMixin, forms.Select):
    pass


class PickerSelectMultiple(PickerMixin, forms.SelectMultiple):
    pass
