import django_filters
from django.utils.translation import gettext_lazy as _

from base.filters import FilterBar, ModelChoiceFilter
from households.models import Village
from members import access
from members.models import PartyMember
from members.selectors import member_search_q

ACTIVE_CHOICES = [("yes", _("Active")), ("no", _("Retired"))]


class MemberFilter(FilterBar, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    village = ModelChoiceFilter(
        label=_("Village"),
        queryset=Village.objects.none(),
        empty_label=_("All villages"),
        label_fields=("name",),
    )
    active = django_filters.ChoiceFilter(
        label=_("Status"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=_("All")
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("village__code", "village"),
            ("name", "name"),
            ("load", "load"),
            ("visits_now", "visits"),
        ),
        field_labels={
            "village__code": _("Village"),
            "name": _("Name"),
            "load": _("Linked households"),
            "visits_now": _("Visits this month"),
        },
    )

    class Meta:
        model = PartyMember
        fields = ["q", "village", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["village"].queryset = access.villages(user)

    def search(self, queryset, name, value):
        return queryset.filter(member_search_q(value))

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=(value == "yes"))
