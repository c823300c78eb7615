from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casebook.models import (
    Duty,
    EscalationLevel,
    RequestCategory,
    RequestSource,
    Sanitation,
    VisitChannel,
)
from casebook.services import request_sources_for_staff
from liaison.normalize import normalize_phone, normalize_text
from liaison.validators import phone_validator
from liaison.widgets import DateInput


class HouseholdChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.head_name}（{obj.group.name} {obj.number}）"


class VisitForm(forms.Form):
    household = HouseholdChoiceField(queryset=None, label=_("Household"))
    visited_on = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput())
    channel = forms.ChoiceField(
        label=_("How"),
        choices=VisitChannel.choices,
        initial=VisitChannel.IN_PERSON,
        widget=forms.RadioSelect,
    )
    duties = forms.ModelMultipleChoiceField(
        label=_("Duties covered"),
        queryset=Duty.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("What you saw and heard"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    sanitation = forms.ChoiceField(
        label=_("Sanitation"),
        required=False,
        choices=[("", _("Not checked")), *Sanitation.choices],
        widget=forms.RadioSelect,
    )
    hazard_found = forms.BooleanField(label=_("Safety hazard found"), required=False)
    follow_up = forms.BooleanField(label=_("Needs a follow-up"), required=False)
    open_request = forms.BooleanField(
        label=_("Open a request from this visit"),
        required=False,
        help_text=_("For a hazard, a dispute or a suggestion that someone must act on."),
    )
    request_category = forms.ModelChoiceField(
        label=_("Request category"),
        queryset=RequestCategory.objects.filter(is_active=True),
        required=False,
    )
    request_description = forms.CharField(
        label=_("Request"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty to use the notes."),
    )

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households.select_related("group")
        hazard = RequestCategory.objects.filter(code="hazard").values_list("pk", flat=True).first()
        if hazard:
            self.fields["request_category"].widget.attrs["data-hazard-id"] = str(hazard)

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A visit cannot be dated in the future."))
        return day

    def clean(self):
        data = super().clean()
        data["notes"] = (data.get("notes") or "").strip()
        if data.get("open_request"):
            if not data.get("request_category"):
                if data.get("hazard_found"):
                    data["request_category"] = RequestCategory.objects.get(code="hazard")
                else:
                    self.add_error("request_category", _("Choose the request's category."))
            description = (data.get("request_description") or "").strip() or data["notes"]
            if not description:
                self.add_error("request_description", _("Describe the matter."))
            data["request_description"] = description
        return data


class VisitCorrectionForm(forms.Form):
    visited_on = forms.DateField(label=_("Date"), widget=DateInput())
    channel = forms.ChoiceField(
        label=_("How"), choices=VisitChannel.choices, widget=forms.RadioSelect
    )
    duties = forms.ModelMultipleChoiceField(
        label=_("Duties covered"),
        queryset=Duty.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("What you saw and heard"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    sanitation = forms.ChoiceField(
        label=_("Sanitation"),
        required=False,
        choices=[("", _("Not checked")), *Sanitation.choices],
        widget=forms.RadioSelect,
    )
    hazard_found = forms.BooleanField(label=_("Safety hazard found"), required=False)
    follow_up = forms.BooleanField(label=_("Needs a follow-up"), required=False)


class RequestForm(forms.Form):
    household = HouseholdChoiceField(queryset=None, label=_("Household"))
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=RequestCategory.objects.filter(is_active=True)
    )
    source = forms.ChoiceField(label=_("Raised by"), choices=request_sources_for_staff)
    description = forms.CharField(
        label=_("The matter"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    contact_phone = forms.CharField(
        label=_("Phone to call back"),
        required=False,
        max_length=20,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households.select_related("group")
        self.fields["source"].initial = RequestSource.WALK_IN

    def clean_description(self):
        text = normalize_text(self.cleaned_data["description"])
        if not text:
            raise forms.ValidationError(_("Describe the matter."))
        return self.cleaned_data["description"].strip()

    def clean_contact_phone(self):
        return normalize_phone(self.cleaned_data.get("contact_phone"))


class VersionedForm(forms.Form):
    """Every action form carries the version it was shown at (no lost updates)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TextActionForm(VersionedForm):
    text = forms.CharField(
        label=_("Remarks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EscalateForm(VersionedForm):
    level = forms.ChoiceField(label=_("Escalate to"), choices=EscalationLevel.choices)
    text = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(VersionedForm):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=None)
    text = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username


class ReplyForm(VersionedForm):
    text = forms.CharField(
        label=_("Reply to the household"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The household reads this on its card page."),
    )
