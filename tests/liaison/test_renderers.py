"""The Jinja2 <select> (templates/jinja2/forms/select.html) writes exactly what Django's own
templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import RequestFactory

from base.renderers import FormRenderer
from households.filters import HouseholdFilter


class Choices(forms.Form):
    plain = forms.ChoiceField(
        choices=[("", "全部"), ("x&y", "<b>X</b>"), ("2", "二")], required=False
    )
    grouped = forms.MultipleChoiceField(choices=[("组", [("1", "一"), ("2", "二")]), ("3", "三")])
    typed = forms.TypedChoiceField(
        choices=[(1, "a"), (2, "b")],
        widget=forms.Select(attrs={"disabled": True, "class": "form-select", "data-x": False}),
    )


@pytest.mark.parametrize("data", [None, {"plain": "x&y", "grouped": ["1", "3"], "typed": "2"}])
def test_select_html_matches_djangos_templates(data):
    ours, django = Choices(data, renderer=FormRenderer()), Choices(data, renderer=DjangoTemplates())
    for name in ours.fields:
        assert str(ours[name]) == str(django[name])
    # Labels and values are escaped, the chosen option is marked.
    assert "&lt;b&gt;X&lt;/b&gt;" in str(ours["plain"])
    if data:
        assert '<option value="x&amp;y" selected>' in str(ours["plain"])


def test_household_filters_render_the_same(world):
    request = RequestFactory().get("/households/", {"village": world.village_a.pk})
    data = request.GET
    ours = HouseholdFilter(data, user=world.staff).form
    ours.renderer = FormRenderer()
    django = HouseholdFilter(data, user=world.staff).form
    django.renderer = DjangoTemplates()
    for name in ("village", "group", "flag", "visited"):
        assert str(ours[name]) == str(django[name])
    assert f'<option value="{world.village_a.pk}" selected>' in str(ours["village"])
