import re
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.forms import ModelChoiceField, RetireForm
from base.normalize import normalize_phone, normalize_text
from base.widgets import DateInput
from households.forms import GroupChoiceField
from households.models import VillageGroup
from members import access
from members.models import PartyMember
from members.proposal import (
    BALANCE_METRES_PER_SLOT,
    MAX_BALANCE,
    MAX_MOVE_PRICE,
    MAX_PRIORITY_WEIGHT,
    MOVE_PRICE_METRES,
    PRIORITY_WEIGHT,
)


class PartyMemberForm(forms.ModelForm):
    group = GroupChoiceField(queryset=VillageGroup.objects.none(), label=_("Group"), required=False)

    class Meta:
        model = PartyMember
        fields = [
            "village",
            "group",
            "name",
            "gender",
            "phone",
            "joined_party_on",
            "capacity",
            "latitude",
            "longitude",
        ]
        field_classes = {"village": ModelChoiceField}
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "joined_party_on": DateInput(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = access.managed_villages(user)
        self.fields["village"].queryset = villages
        self.fields["group"].queryset = VillageGroup.objects.filter(
            village__in=villages
        ).select_related("village")

    def clean_name(self):
        name = normalize_text(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Enter the member's name."))
        return name

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone"))

    def clean_joined_party_on(self):
        day = self.cleaned_data.get("joined_party_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class MemberRetireForm(RetireForm):
    """When and why a member stops linking households."""


class MemberChoiceField(ModelChoiceField):
    def label_from_instance(self, obj):
        load = getattr(obj, "load", None)
        return f"{obj.name}（{load}/{obj.capacity}）" if load is not None else obj.name


class AssignForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    # The member the household had when the form was shown (empty: none); a change since
    # then is refused instead of silently overwritten.
    current = forms.IntegerField(widget=forms.HiddenInput, required=False)
    member = MemberChoiceField(label=_("Member"), queryset=PartyMember.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
    capacity_override = forms.BooleanField(
        label=_("Over capacity by decision (say why in the note)"), required=False
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class EndLinkForm(forms.Form):
    reason = forms.CharField(label=_("Reason for ending the link"), max_length=200)


class HandoverForm(forms.Form):
    to_member = MemberChoiceField(
        label=_("Hand the households over to"),
        queryset=PartyMember.objects.none(),
        required=False,
        empty_label=_("Nearest members (automatic proposal)"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_member"].queryset = members


class ProposalSettingsForm(forms.Form):
    """The proposal's three weights, adjustable on its page; bad values fall back to defaults."""

    move_price = forms.IntegerField(
        label=_("Price of a move (metres)"),
        min_value=0,
        max_value=int(MAX_MOVE_PRICE),
        required=False,
        widget=forms.NumberInput(attrs={"step": 50, "inputmode": "numeric"}),
    )
    priority_weight = forms.DecimalField(
        label=_("Priority households' walk counts (times)"),
        min_value=1,
        max_value=int(MAX_PRIORITY_WEIGHT),
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    balance = forms.IntegerField(
        label=_("Balance: each further household of a member (metres)"),
        min_value=0,
        max_value=int(MAX_BALANCE),
        required=False,
        widget=forms.NumberInput(attrs={"step": 10, "inputmode": "numeric"}),
    )

    def values(self) -> tuple[float, float, float]:
        """(move price, priority weight, balance): each the form's when valid, else its
        default."""
        data = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds the fields that are valid
            data = self.cleaned_data
        price = data.get("move_price")
        weight = data.get("priority_weight")
        balance = data.get("balance")
        return (
            float(MOVE_PRICE_METRES if price is None else price),
            float(PRIORITY_WEIGHT if weight is None else weight),
            float(BALANCE_METRES_PER_SLOT if balance is None else balance),
        )

    def query(self) -> str:
        """The settings as a query string ('' for the defaults), to come back to the same plan."""
        price, weight, balance = self.values()
        defaults = (MOVE_PRICE_METRES, PRIORITY_WEIGHT, BALANCE_METRES_PER_SLOT)
        if (price, weight, balance) == defaults:
            return ""
        values = {"move_price": price, "priority_weight": weight, "balance": balance}
        return urlencode({name: f"{value:g}" for name, value in values.items()})


GROUP_KEY = re.compile(r"\d{1,9}-\d{1,9}-\d{1,9}(,\d{1,9}-\d{1,9}-\d{1,9}){0,399}")
MAX_TICKED_MOVES = 2000


class ProposalApplyForm(forms.Form):
    """The groups staff ticked, each posted as `household-old member-new member,…`."""

    group = forms.Field(widget=forms.MultipleHiddenInput, required=False)

    def clean_group(self):
        values = self.data.getlist("group") if hasattr(self.data, "getlist") else []
        if not values:
            raise forms.ValidationError(_("Tick the groups to apply."))
        groups, seen = [], set()
        for value in values:
            if not isinstance(value, str) or not GROUP_KEY.fullmatch(value):
                raise forms.ValidationError(_("The ticked groups could not be read; look again."))
            group = []
            for move in value.split(","):
                household, old, new = (int(part) for part in move.split("-"))
                if household in seen:
                    raise forms.ValidationError(
                        _("The ticked groups could not be read; look again.")
                    )
                seen.add(household)
                group.append((household, old or None, new))
            groups.append(group)
        if len(seen) > MAX_TICKED_MOVES:
            raise forms.ValidationError(_("Too many groups at once; apply them in parts."))
        return groups

    def keys(self) -> set[str]:
        """What was ticked, as posted: the page shows these ticked again after an error."""
        return {v for v in self.data.getlist("group") if isinstance(v, str)}
