from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Household, VillageGroup
from households.services import RETIRED_STATUSES
from liaison import access
from liaison.normalize import normalize_phone, normalize_text
from liaison.spreadsheets import SpreadsheetError, read_table
from liaison.widgets import DateInput


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.village.name} {obj.name}"


class HouseholdForm(forms.ModelForm):
    group = GroupChoiceField(queryset=VillageGroup.objects.none(), label=_("Group"))

    class Meta:
        model = Household
        fields = [
            "village",
            "group",
            "number",
            "head_name",
            "phone",
            "door_no",
            "address",
            "size",
            "is_low_income",
            "is_elderly_alone",
            "has_left_behind_children",
            "has_disability",
            "latitude",
            "longitude",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = access.managed_villages(user)
        self.fields["village"].queryset = villages
        self.fields["group"].queryset = VillageGroup.objects.filter(
            village__in=villages
        ).select_related("village")

    def clean_number(self):
        return normalize_text(self.cleaned_data["number"])

    def clean_head_name(self):
        name = normalize_text(self.cleaned_data["head_name"])
        if not name:
            raise forms.ValidationError(_("Enter the name of the head of household."))
        return name

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone"))


class HouseholdRetireForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Why is the household leaving the roster?"),
        choices=[(s.value, s.label) for s in RETIRED_STATUSES],
    )
    on = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=DateInput(),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean_reason(self):
        reason = normalize_text(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError(_("Give a reason for retiring."))
        return reason


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            headers, rows = read_table(upload)
        except SpreadsheetError as error:
            raise forms.ValidationError(str(error)) from error
        upload.seek(0)
        self.cleaned_data["content"] = upload.read()
        return upload
