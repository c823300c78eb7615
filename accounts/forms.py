from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _


class OwnPasswordForm(PasswordChangeForm):
    """Django's password change, refusing the password the user already has."""

    def clean_new_password1(self):
        password = self.cleaned_data.get("new_password1")
        if password and self.user.check_password(password):
            raise forms.ValidationError(_("Choose a password different from the current one."))
        return password


class TokenForm(forms.Form):
    # A phone opens its number pad and offers the code from a text message or the app;
    # the sign-in page's "recovery code" button switches the field to letters
    # (static/js/token-field.js), as recovery codes have them.
    token = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
