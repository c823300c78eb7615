"""The interface speaks Chinese by default, and no page can ship an untranslated string."""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

PO_PATH = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def fresh_catalogue(tmp_path, settings, monkeypatch):
    """Re-extract every string of the code and templates into a copy of the project."""
    if not shutil.which("xgettext"):
        pytest.fail("xgettext is missing: `make test` installs gettext (see Makefile system-deps)")
    copy = tmp_path / "project"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".*", "staticfiles", "static", "tests", "__pycache__", "*.sqlite3*", "*.mo"
        ),
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        verbosity=0,
    )
    return polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def test_catalogue_has_no_untranslated_or_fuzzy_entry(fresh_catalogue):
    untranslated = [e.msgid for e in fresh_catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in fresh_catalogue.fuzzy_entries()]
    assert untranslated == [], "translate these in locale/zh_Hans/LC_MESSAGES/django.po"
    assert fuzzy == [], "review these fuzzy entries in locale/zh_Hans"


def test_committed_catalogue_is_complete():
    catalogue = polib.pofile(str(PO_PATH))
    assert catalogue.percent_translated() == 100
    assert not catalogue.fuzzy_entries()


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()
    assert "登录" in response.content.decode()


def test_english_can_be_chosen(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert "Log in" in page and 'lang="en"' in page


@pytest.mark.django_db
def test_dates_are_written_the_chinese_way():
    import datetime

    from django.template import Context, Template
    from django.utils import translation

    with translation.override("zh-hans"):
        rendered = Template("{{ day|date }}").render(Context({"day": datetime.date(2026, 11, 28)}))
    assert rendered == "2026年11月28日"
