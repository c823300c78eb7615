import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.dates import next_month_start
from base.filters import FilterBar, ModelChoiceFilter, MonthFilter
from casebook import access
from casebook.models import Request, RequestCategory, RequestSource, RequestStatus, overdue_q
from households.models import Village

STATUS_CHOICES = [("open", _("All open")), *RequestStatus.choices]


class RequestFilter(FilterBar, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("All")
    )
    category = ModelChoiceFilter(
        label=_("Category"), queryset=RequestCategory.objects.all(), empty_label=_("All")
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=RequestSource.choices, empty_label=_("All")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"),
        method="filter_overdue",
        widget=forms.CheckboxInput(),
    )
    village = ModelChoiceFilter(
        label=_("Village"),
        queryset=Village.objects.none(),
        empty_label=_("All villages"),
        label_fields=("name",),
    )
    replied = MonthFilter(
        label=_("Replied in (month)"),
        method="filter_replied",
        widget=forms.HiddenInput,
    )
    mine = django_filters.BooleanFilter(
        label=_("Owned by me"), method="filter_mine", widget=forms.CheckboxInput()
    )

    class Meta:
        model = Request
        fields = ["status", "category", "source", "overdue", "village", "mine", "replied"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["village"].queryset = access.villages(user)

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(
                status__in=[s for s in RequestStatus.values if s not in ("replied", "closed")]
            )
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value else queryset

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.user) if value else queryset

    def filter_replied(self, queryset, name, value):
        """?replied=2026-11: replied in that month (Asia/Shanghai); a malformed month is
        refused by its field (MonthField) and shown under the filters."""
        start = timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
        end = timezone.make_aware(
            datetime.datetime.combine(next_month_start(value), datetime.time())
        )
        return queryset.filter(replied_at__gte=start, replied_at__lt=end)
