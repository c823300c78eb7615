"""The Jinja2 fragments (base/jinja_env.py) write values as Django's templates write them."""

import datetime

import pytest
from django.template import engines
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

VALUES = [
    "plain 文字",
    "<b>\"quoted\" & 'single'</b>",
    "it's",
    'say "hi"',
    "a < b > c & d",
    mark_safe("<i>safe</i>"),
    None,
    0,
    12.5,
    "",
]


@pytest.mark.parametrize("value", VALUES)
def test_values_are_escaped_as_django_escapes_them(value):
    ours = engines["jinja2"].from_string("[{{ v }}]").render({"v": value})
    django = engines["django"].from_string("[{{ v }}]").render({"v": value})
    assert ours == django


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dates_and_translations_as_django_writes_them(language, settings):
    moment = timezone.make_aware(datetime.datetime(2026, 11, 29, 23, 30), datetime.UTC)
    context = {"day": datetime.date(2026, 3, 5), "moment": moment, "nothing": None}
    with translation.override(language):
        ours = (
            engines["jinja2"]
            .from_string('{{ day|date }}|{{ moment|date }}|{{ nothing|date }}|{{ _("Priority") }}')
            .render(context)
        )
        django = (
            engines["django"]
            .from_string(
                "{% load i18n %}{{ day|date }}|{{ moment|date }}|{{ nothing|date }}|"
                '{% translate "Priority" %}'
            )
            .render(context)
        )
    assert ours == django
    if language == "zh-hans":
        # 23:30 UTC is the next morning in Asia/Shanghai.
        assert ours.startswith("2026年3月5日|2026年11月30日||")
