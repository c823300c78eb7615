"""django-filter's ModelChoiceFilter with the project's select field (liaison.forms)."""

import django_filters

from liaison.forms import ModelChoiceField


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ModelChoiceField
