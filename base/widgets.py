from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker; the value is ISO so that the picker can read it."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
