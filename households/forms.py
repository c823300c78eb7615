from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from base.forms import ModelChoiceField, RetireForm
from base.normalize import normalize_phone, normalize_text
from base.query import parse_id
from base.spreadsheets import SpreadsheetError, read_table
from households import access
from households.models import Household, VillageGroup
from households.services import RETIRED_STATUSES


class GroupChoiceField(ModelChoiceField):
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
        field_classes = {"village": ModelChoiceField}
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


class HouseholdRetireForm(RetireForm):
    status = forms.ChoiceField(
        label=_("Why is the household leaving the roster?"),
        choices=[(s.value, s.label) for s in RETIRED_STATUSES],
    )
    field_order = ["status", "on", "reason"]


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
        self.cleaned_data["row_count"] = len(rows)
        return upload


class CardSelectionForm(forms.Form):
    """Which cards to print: a village, a group, some households, or those needing reprint."""

    village = ModelChoiceField(label=_("Village"), queryset=None, required=False)
    group = GroupChoiceField(label=_("Group"), queryset=VillageGroup.objects.none(), required=False)
    households = forms.CharField(required=False, widget=forms.HiddenInput)
    stale = forms.BooleanField(label=_("Only cards that need reprinting"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = access.managed_villages(user)
        self.fields["village"].queryset = villages
        self.fields["village"].empty_label = _("All villages")
        self.fields["group"].queryset = VillageGroup.objects.filter(
            village__in=villages
        ).select_related("village")
        self.fields["group"].empty_label = _("All groups")

    def clean_households(self):
        raw = self.cleaned_data.get("households") or ""
        ids = [parse_id(part) for part in raw.split(",") if part.strip()]
        if None in ids:
            raise forms.ValidationError(_("Choose households from the list."))
        return ids

    def select(self, households):
        """Narrow the user's households to this selection."""
        data = self.cleaned_data
        if data.get("village"):
            households = households.filter(village=data["village"])
        if data.get("group"):
            households = households.filter(group=data["group"])
        if data.get("households"):
            households = households.filter(pk__in=data["households"])
        if data.get("stale"):
            households = households.filter(
                Q(card_printed_version__isnull=True) | Q(card_printed_version__lt=F("card_version"))
            )
        return households


class CardCodeForm(forms.Form):
    code = forms.CharField(label=_("Code on the card"), max_length=20)

    def clean_code(self):
        return normalize_text(self.cleaned_data["code"]).replace("-", "").replace(" ", "").upper()


class SmsConsentForm(forms.Form):
    """Staff record the household's answer about text messages, and how they heard it."""

    consent = forms.TypedChoiceField(
        label=_("Text messages"),
        choices=[("1", _("The household agrees")), ("0", _("The household does not want them"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the household's answer.")},
    )
    note = forms.CharField(
        label=_("How the household told you"),
        max_length=200,
        help_text=_("e.g. by phone on 3 December, at the visit"),
        error_messages={"required": _("Note when and how the household told you.")},
    )

    def clean_note(self):
        return normalize_text(self.cleaned_data["note"])
