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
