"""The form renderer: Django's templates, except that <select> is rendered with Jinja2.

Django renders every <option> through its own template include (about 20 µs each); the
household list's filters alone hold ~100 options, which made the widget rendering the
largest single cost of the page. templates/jinja2/forms/select.html writes byte for byte
what Django's templates write (`django/forms/widgets/select.html`, `select_option.html`,
`attrs.html`); tests/base/test_renderers.py compares the two.
"""

from django.forms.renderers import DjangoTemplates
from django.template import engines

SELECT_TEMPLATE = "django/forms/widgets/select.html"


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            template = engines["jinja2"].get_template("forms/select.html")
            return template.render(context, request=request).strip()
        return super().render(template_name, context, request=request)
