from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker; the value is ISO so that the picker can read it."""

    input_type = "date"

    def __init__(self, attrs=None):
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
