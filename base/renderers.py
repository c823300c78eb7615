"""The form renderer: Django's templates, except that <select> is written in Python.

Django renders every <option> through its own template include (about 20 µs each); the
household list's filters alone hold ~100 options, which made the widget rendering the
largest single cost of the page. The HTML written here is byte for byte what Django's
templates write (`django/forms/widgets/select.html`, `select_option.html`, `attrs.html`);
tests/liaison/test_renderers.py compares the two.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"


def _attrs(attrs: dict) -> str:
    # attrs.html: True is a bare attribute, False is left out, anything else is name="value".
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(o["value"])}"{_attrs(o["attrs"])}>'
            f"{conditional_escape(o['label'])}</option>\n"
            for o in group_choices
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    # Every value above went through conditional_escape.
    return mark_safe("".join(parts))  # noqa: S308 # nosec B308 B703


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            return render_select(context["widget"])
        return super().render(template_name, context, request=request)
