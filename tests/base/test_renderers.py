"""The Jinja2 <select> (templates/jinja2/forms/select.html) writes exactly what Django's own
templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import engines
from django.test import RequestFactory

from base.renderers import FormRenderer
from casebook.filters import RequestFilter
from households.filters import HouseholdFilter
from members.filters import MemberFilter


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


FILTER_BARS = [
    (HouseholdFilter, None),
    (HouseholdFilter, {"village": "a", "group": "x", "flag": "priority", "visited": "no"}),
    (HouseholdFilter, {"status": "retired", "assigned": "yes", "village": "999999"}),
    (MemberFilter, {"active": "no", "village": "<b>"}),
    (RequestFilter, None),
    (RequestFilter, {"status": "open", "category": "x", "source": "card", "village": "a"}),
]


@pytest.mark.parametrize(("filter_class", "data"), FILTER_BARS)
def test_filter_bars_write_their_selects_as_the_widgets_do(world, filter_class, data):
    """_filter_field.html writes a filter bar's <select> from its choices; every field of
    every bar, chosen or not, reads as Django's widget writes it."""
    if data and data.get("village") == "a":
        data = {**data, "village": str(world.village_a.pk)}
    form = filter_class(data, user=world.staff).form
    template = engines["jinja2"].get_template("_filter_field.html")
    selects = [name for name in form.fields if form[name].widget_type == "select"]
    assert selects
    for name in selects:
        html = template.render({"field": form[name]})
        assert str(form[name]) in html, name
    village = template.render({"field": form["village"]})
    if data and "village" in data:  # a village the user sees is chosen; any other is not
        chosen = f'<option value="{world.village_a.pk}" selected>'
        assert (chosen in village) == (data["village"] == str(world.village_a.pk))
    else:
        assert '<option value="" selected>' in village
