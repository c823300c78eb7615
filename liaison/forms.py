from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.normalize import normalize_text
from liaison.widgets import DateInput


class RetireForm(forms.Form):
    """Taking someone off the roster: when, and why (a reason is required)."""

    on = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean_reason(self):
        reason = normalize_text(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError(_("Give a reason for retiring."))
        return reason
