"""Shared pieces of the list pages' filter bars (django-filter)."""

import django_filters
from django import forms

from base.forms import ModelChoiceField
from base.query import MonthField


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ModelChoiceField


class MonthFilter(django_filters.Filter):
    """?name=2026-11 as the first of that month; a malformed month fails the form."""

    field_class = MonthField


class FilterBar:
    """A FilterSet mixin: the form's widgets carry Bootstrap's classes, so that the filter bar
    renders with `_filter_field.html` (a label and the widget) rather than through crispy's
    field templates, which cost ~3 ms on every list page for seven fields."""

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_styled", False):
            for field in form.fields.values():
                widget = field.widget
                if isinstance(widget, forms.CheckboxInput):
                    css = "form-check-input"
                elif isinstance(widget, forms.Select):
                    css = "form-select"
                else:
                    css = "form-control"
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            form._styled = True
        return form
