"""The household list's search and filters (django-filter)."""

from functools import cached_property

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from base.filters import FilterBar, ModelChoiceFilter
from base.normalize import normalize_text
from base.query import parse_id
from households import access, selectors
from households.models import Household, HouseholdStatus, Village, VillageGroup

FLAG_CHOICES = [
    ("priority", _("Any priority flag")),
    ("is_low_income", _("Low income")),
    ("is_elderly_alone", _("Elderly living alone")),
    ("has_left_behind_children", _("Left-behind children")),
    ("has_disability", _("Disability")),
]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def household_search_q(text: str) -> Q:
    """Head's name, household number, phone, or pinyin (initials `dwx` or full `dongwenxiang`)."""
    text = normalize_text(text)
    if not text:
        return Q()
    q = Q(head_name__contains=text) | Q(number__contains=text)
    if text.replace("-", "").isdigit():
        q |= Q(phone__contains=text)
    if text.isascii() and text.replace(" ", "").isalpha():
        q |= Q(search_key__contains=text.lower().replace(" ", ""))
    return q


class HouseholdFilter(FilterBar, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    village = ModelChoiceFilter(
        label=_("Village"), queryset=Village.objects.none(), empty_label=_("All villages")
    )
    group = ModelChoiceFilter(
        label=_("Group"), queryset=VillageGroup.objects.none(), empty_label=_("All groups")
    )
    flag = django_filters.ChoiceFilter(
        label=_("Priority"), choices=FLAG_CHOICES, method="filter_flag", empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=HouseholdStatus.choices, empty_label=_("All")
    )
    assigned = django_filters.ChoiceFilter(
        label=_("Has a member"), choices=YES_NO, method="filter_assigned", empty_label=_("All")
    )
    visited = django_filters.ChoiceFilter(
        label=_("Visited this month"),
        choices=YES_NO,
        method="filter_visited",
        empty_label=_("All"),
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("village__code", "village"),
            ("number", "number"),
            ("head_name", "head_name"),
            ("last_visit", "last_visit"),
            ("size", "size"),
        ),
        field_labels={
            "village__code": _("Village"),
            "number": _("Household number"),
            "head_name": _("Head of household"),
            "last_visit": _("Last visit"),
            "size": _("Household size"),
        },
    )

    class Meta:
        model = Household
        fields = ["q", "village", "group", "flag", "status", "assigned", "visited"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = access.villages(user)
        self.filters["village"].queryset = villages
        groups = VillageGroup.objects.filter(village__in=villages)
        village_id = parse_id(self.data.get("village"))
        if village_id:
            groups = groups.filter(village_id=village_id)
        self.filters["group"].queryset = groups
        # The two selects' options as plain values, read only when the form is drawn (an
        # export never draws it): the villages and their groups in one query, the groups
        # labelled with their village's name (白牙合村 一社). The querysets above still
        # validate a choice.
        self.filters["village"].field.choices = self._village_choices
        self.filters["group"].field.choices = self._group_choices

    @cached_property
    def _places(self) -> list[tuple[int, str, int | None, str | None]]:
        """(village, its name, group, its name) in the villages' order, then the groups';
        a village without groups once, with None."""
        villages = self.filters["village"].queryset
        return list(
            villages.order_by("township_id", "code", "groups__number").values_list(
                "pk", "name", "groups__pk", "groups__name"
            )
        )

    @cached_property
    def _villages(self) -> dict[int, str]:
        return {pk: name for pk, name, _group, _group_name in self._places}

    def _village_choices(self):
        return [("", self.filters["village"].field.empty_label), *self._villages.items()]

    @cached_property
    def _groups(self) -> list[tuple[int, str]]:
        village_id = parse_id(self.data.get("village"))
        return [
            (group, f"{name} {group_name}")
            for pk, name, group, group_name in self._places
            if group is not None and (not village_id or pk == village_id)
        ]

    def _group_choices(self):
        return [("", self.filters["group"].field.empty_label), *self._groups]

    def search(self, queryset, name, value):
        return queryset.filter(household_search_q(value))

    def filter_flag(self, queryset, name, value):
        field = "is_priority" if value == "priority" else value
        return queryset.filter(**{field: True})

    def filter_assigned(self, queryset, name, value):
        return selectors.with_assigned(queryset).filter(is_assigned=(value == "yes"))

    def filter_visited(self, queryset, name, value):
        visited = selectors.visited_this_month_q()
        return queryset.filter(visited) if value == "yes" else queryset.exclude(visited)
