from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.normalize import normalize_text
from base.query import parse_id
from base.widgets import DateInput


class RetireForm(forms.Form):
    """Taking someone off the roster: when, and why (a reason is required)."""

    on = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean_reason(self):
        reason = normalize_text(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError(_("Give a reason for retiring."))
        return reason


class QuerySetChoiceIterator(forms.models.ModelChoiceIterator):
    """A select's choices from one plain read of the queryset, kept on it.

    Django reads choices with `.iterator()`, which on PostgreSQL opens a server-side cursor
    (DECLARE, FETCH, CLOSE: three round trips) for a list of a dozen villages, and reads it
    again for every render. Selects are short lists; streaming is for exports.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        label_fields = getattr(self.field, "label_fields", None)
        if label_fields:
            # Labels from a few columns: no model instance per option (a filter bar's group
            # select holds every group of a township).
            for pk, *parts in self.queryset.values_list("pk", *label_fields):
                yield (pk, " ".join(str(part) for part in parts))
            return
        for obj in self.queryset:
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    """Django's, reading its choices once (above). `label_fields`: the columns whose values,
    joined by a space, label each option, read as plain values; else `label_from_instance`."""

    iterator = QuerySetChoiceIterator

    def __init__(self, *args, label_fields: tuple[str, ...] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_fields = label_fields


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = QuerySetChoiceIterator

    def _check_values(self, value):
        # Django checks each id alone, then reads them all with `pk__in`, which SQLite
        # cannot even bind for an id beyond 64 bits: refuse such an id first.
        if self.to_field_name is None and isinstance(value, list | tuple):
            for pk in value:
                if parse_id(pk) is None:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)
