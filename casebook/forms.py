from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.forms import ModelChoiceField, ModelMultipleChoiceField
from base.normalize import normalize_phone, normalize_text
from base.query import IdField
from base.validators import phone_validator
from base.widgets import DateInput, PickerSelect, PickerSelectMultiple
from casebook import hotspots
from casebook.models import (
    OPEN_STATUSES,
    Duty,
    EscalationLevel,
    Meeting,
    MeetingDecision,
    MeetingKind,
    Pavilion,
    Request,
    RequestCategory,
    RequestSource,
    Sanitation,
    VisitChannel,
)
from casebook.services import MAX_VOICE_BYTES, request_sources_for_staff
from households.models import Household
from members.models import PartyMember


class HouseholdChoiceField(ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.head_name}（{obj.group.name} {obj.number}）"


class VisitFieldsForm(forms.Form):
    """What a notebook entry says; recording and correcting share it."""

    visited_on = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput())
    channel = forms.ChoiceField(
        label=_("How"),
        choices=VisitChannel.choices,
        initial=VisitChannel.IN_PERSON,
        widget=forms.RadioSelect,
    )
    duties = ModelMultipleChoiceField(
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

    FUTURE = _("A visit cannot be dated in the future.")

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(self.FUTURE)
        return day


NOT_YOUR_HOUSEHOLD = _(
    "This household is not among yours (it may have moved to another member or left the "
    "roster); the entry was not recorded."
)


class VisitForm(VisitFieldsForm):
    household = HouseholdChoiceField(
        queryset=None,
        label=_("Household"),
        error_messages={"invalid_choice": NOT_YOUR_HOUSEHOLD},
    )
    # Made by the phone (static/js/offline.js) so that a resent entry is recorded once.
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    CHOOSE_CATEGORY = _("Choose the request's category.")
    DESCRIBE = _("Describe the matter.")
    open_request = forms.BooleanField(
        label=_("Open a request from this visit"),
        required=False,
        help_text=_("For a hazard, a dispute or a suggestion that someone must act on."),
    )
    request_category = ModelChoiceField(
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

    def clean(self):
        data = super().clean()
        data["notes"] = (data.get("notes") or "").strip()
        if data.get("open_request"):
            if not data.get("request_category"):
                if data.get("hazard_found"):
                    data["request_category"] = RequestCategory.objects.get(code="hazard")
                else:
                    self.add_error("request_category", self.CHOOSE_CATEGORY)
            description = (data.get("request_description") or "").strip() or data["notes"]
            if not description:
                self.add_error("request_description", self.DESCRIBE)
            data["request_description"] = description
        return data


class VisitSyncForm(VisitForm):
    """An entry from the phone's outbox: the same fields and checks, its id required."""

    client_id = forms.UUIDField()

    def refusal(self) -> str:
        """Every error in one line, each after its field's label, for the phone to show."""
        lines = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            lines += [
                _("%(field)s: %(error)s") % {"field": label, "error": error} if label else error
                for error in errors
            ]
        return " ".join(str(line) for line in lines)


class VisitCorrectionForm(VisitFieldsForm):
    """The same fields as when the entry was written."""


class RequestForm(forms.Form):
    household = HouseholdChoiceField(queryset=None, label=_("Household"))
    category = ModelChoiceField(
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

    # Raised from a notebook entry (the entry's own household).
    visit = ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, households, visits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households.select_related("group")
        self.fields["source"].initial = RequestSource.WALK_IN
        self.fields["visit"].queryset = visits

    def clean(self):
        data = super().clean()
        visit, household = data.get("visit"), data.get("household")
        if visit and household and visit.household_id != household.pk:
            self.add_error(
                "household", _("A request raised from an entry concerns the entry's household.")
            )
        return data

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
    owner = ModelChoiceField(label=_("New owner"), queryset=None)
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


class PavilionForm(forms.ModelForm):
    class Meta:
        model = Pavilion
        fields = ["village", "name", "location", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class MeetingForm(forms.ModelForm):
    """Everything is picked from the meeting's own village only."""

    held_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    class Meta:
        model = Meeting
        fields = [
            "kind", "pavilion", "held_at", "topic", "convener", "attendee_members",
            "attendee_households", "others_present", "agenda", "requests", "minutes",
            "parties", "outcome", "agreement", "follow_up_on", "follow_up_member",
        ]  # fmt: skip
        widgets = {
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 5}),
            "agreement": forms.Textarea(attrs={"rows": 3}),
            "follow_up_on": DateInput(),
            "convener": PickerSelect,
            "follow_up_member": PickerSelect,
            "attendee_members": PickerSelectMultiple(attrs={"size": 8}),
            "attendee_households": PickerSelectMultiple(attrs={"size": 8}),
            "parties": PickerSelectMultiple(attrs={"size": 6}),
            "requests": PickerSelectMultiple(attrs={"size": 6}),
        }
        field_classes = dict.fromkeys(
            ("attendee_members", "attendee_households", "parties", "requests"),
            ModelMultipleChoiceField,
        )

    # Which kinds of meeting each part of the form belongs to (the form shows only those;
    # a field of a part that does not belong is emptied on save).
    MEDIATION_FIELDS = ("parties", "outcome", "agreement", "follow_up_on", "follow_up_member")
    EMPTY = {
        "requests": [],
        "parties": [],
        "outcome": "",
        "agreement": "",
        "follow_up_on": None,
        "follow_up_member": None,
    }
    KIND_FIELDS = {
        "requests": (MeetingKind.DELIBERATION, MeetingKind.MEDIATION),
        **dict.fromkeys(MEDIATION_FIELDS, (MeetingKind.MEDIATION,)),
    }

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = MeetingKind.DELIBERATION
        self.fields["kind"].choices = MeetingKind.choices
        members = PartyMember.objects.filter(village=village, is_active=True)
        households = Household.objects.filter(village=village, status="active").select_related(
            "group"
        )
        self.fields["pavilion"].queryset = Pavilion.objects.filter(village=village, is_active=True)
        for name in ("convener", "attendee_members", "follow_up_member"):
            self.fields[name].queryset = members
        for name in ("attendee_households", "parties"):
            self.fields[name].queryset = households
            self.fields[name].label_from_instance = lambda h: (
                f"{h.head_name}（{h.group.name} {h.number}）"
            )
        open_requests = Request.objects.filter(village=village, status__in=OPEN_STATUSES)
        if self.instance.pk:
            open_requests = open_requests | self.instance.requests.all()
        self.fields["requests"].queryset = open_requests.select_related(
            "household", "category"
        ).distinct()
        self.fields["requests"].label_from_instance = lambda r: (
            f"#{r.pk} {r.category} · {r.household.head_name}：{r.description[:40]}"
        )
        self.fields["requests"].label = _("Agenda: open requests of the village")

    def clean(self):
        data = super().clean()
        for name, kinds in self.KIND_FIELDS.items():
            if data.get("kind") and data["kind"] not in kinds and name in data:
                data[name] = self.EMPTY[name]
        if data.get("kind") == MeetingKind.MEDIATION:
            if len(data.get("parties") or []) < 2:
                self.add_error("parties", _("A mediation has at least two parties."))
            if data.get("follow_up_on") and not data.get("follow_up_member"):
                self.add_error("follow_up_member", _("Who makes the follow-up visit?"))
        return data


DecisionFormSet = forms.inlineformset_factory(
    Meeting,
    MeetingDecision,
    fields=["text", "responsible", "due_on"],
    extra=3,
    can_delete=True,
    widgets={"due_on": DateInput(), "responsible": PickerSelect},
)


def voice_field() -> forms.FileField:
    """The recording the card page's script puts here (static/js/voice.js); the bytes are
    checked by the casebook's services, whatever name or type the browser gives them."""
    return forms.FileField(
        label=_("Voice message"),
        required=False,
        widget=forms.FileInput(attrs={"hidden": True, "accept": "audio/*", "data-voice-input": ""}),
    )


def voice_bytes(upload) -> bytes | None:
    """At most one byte more than a recording may hold, so the check can refuse it."""
    if upload is None:
        return None
    return upload.read(MAX_VOICE_BYTES + 1)


class CardRequestForm(forms.Form):
    """What a villager may send from the card page: short plain text, or a voice message."""

    category = ModelChoiceField(
        label=_("What is it about?"),
        queryset=RequestCategory.objects.filter(is_active=True),
        empty_label=_("Choose…"),
        required=False,
    )
    voice = voice_field()
    description = forms.CharField(
        label=_("Your matter"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
        help_text=_("At most 500 characters. With a voice message, words are optional."),
    )
    contact_phone = forms.CharField(
        label=_("Phone to call you back (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        return text if normalize_text(text) else ""

    def clean_contact_phone(self):
        phone = normalize_phone(self.cleaned_data.get("contact_phone"))
        if phone:
            phone_validator(phone)
        return phone

    def clean(self):
        data = super().clean()
        spoken = bool(data.get("voice"))
        if "description" in data and not data["description"] and not spoken:
            self.add_error("description", _("Describe the matter, or hold the button and say it."))
        if "category" in data and data["category"] is None:
            # Said aloud, the matter is sorted by whoever listens to it first.
            other = RequestCategory.objects.filter(code="other", is_active=True).first()
            if spoken and other:
                data["category"] = other
            else:
                self.add_error("category", _("Choose what the matter is about."))
        return data


class CardAddForm(forms.Form):
    """The household adds to a matter that is still open: words, a voice message, or both."""

    text = forms.CharField(
        label=_("What would you like to add?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )
    voice = voice_field()


class ClusterAgendaForm(forms.Form):
    """One cluster of similar matters (hotspots.clusters), to put on a pavilion's agenda."""

    group = IdField(required=True)
    category = IdField(required=True)
    days = forms.TypedChoiceField(
        coerce=int, choices=[(d, d) for d in hotspots.CLUSTER_DAYS], initial=14
    )
    pavilion = IdField(required=True, label=_("Pavilion"))
    held_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
