"""One rule for which engine renders what (README, "How the code is laid out"): a page and
what it includes are Django templates; the rows of a list and the pieces every list shares
are Jinja2 templates in a `jinja2/` directory, which a page calls with {% jinja %}."""

import re
from pathlib import Path

from django.conf import settings
from django.template import engines

ROOT = Path(settings.BASE_DIR)
JINJA_DIRS = [Path(d) for d in engines["jinja2"].template_dirs]


def _ours(directory: Path) -> bool:
    return directory.is_relative_to(ROOT) and ".venv" not in directory.relative_to(ROOT).parts


def _templates(dirs, *, skip=()) -> dict[str, Path]:
    """{template name: file} of the project's directories among `dirs`, the first one found
    winning as the engine's loader would."""
    found: dict[str, Path] = {}
    for directory in map(Path, dirs):
        if not _ours(directory):
            continue
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not any(path.is_relative_to(d) for d in skip):
                found.setdefault(path.relative_to(directory).as_posix(), path)
    return found


JINJA = _templates(JINJA_DIRS)
# templates/jinja2/ lies inside Django's templates/: its files are Jinja2's, not Django's.
DJANGO = _templates(engines["django"].template_dirs, skip=JINJA_DIRS)

NAMED = re.compile(r"""\{%-?\s*(include|extends|jinja|from|import)\s+["']([^"']+)["']""")
PAGE_LOOP = re.compile(r"\{%-?\s*for\s[^%]*\sin\s+page(\.object_list)?\s*-?%\}")


def test_both_engines_hold_templates():
    # The rule below would hold vacuously if the directories were not found.
    assert "base.html" in DJANGO and "households/list.html" in DJANGO
    assert "_pagination.html" in JINJA and "households/_list_rows.html" in JINJA


def test_no_template_name_is_kept_for_both_engines():
    assert sorted(DJANGO.keys() & JINJA.keys()) == []


def _is_jinja2(named: str) -> bool:
    # "jinja2/…" would reach templates/jinja2/ through Django's own templates/ directory.
    return named in JINJA or named.startswith("jinja2/")


def test_a_django_template_names_a_jinja2_one_only_through_the_jinja_tag():
    wrong = [
        f"{name}: {{% {tag} {named!r} %}}"
        for name, path in DJANGO.items()
        for tag, named in NAMED.findall(path.read_text())
        if (tag == "jinja") != _is_jinja2(named)
    ]
    assert wrong == []


def test_a_jinja2_template_includes_only_jinja2_ones():
    wrong = [
        f"{name}: {named}"
        for name, path in JINJA.items()
        for _tag, named in NAMED.findall(path.read_text())
        if named not in JINJA
    ]
    assert wrong == []


def test_python_renders_a_jinja2_template_only_through_the_jinja2_engine():
    literal = re.compile(r"""["']([\w/.-]+\.html)["']""")
    wrong = []
    for path in ROOT.glob("*/**/*.py"):
        if not _ours(path.parent) or path.is_relative_to(ROOT / "tests"):
            continue
        text = path.read_text()
        for named in literal.findall(text):
            if _is_jinja2(named) and 'engines["jinja2"]' not in text:
                wrong.append(f"{path.relative_to(ROOT)}: {named}")
    assert wrong == []


def test_the_rows_of_a_paginated_list_are_a_jinja2_fragment():
    """A page of 50 rows through Django's engine costs milliseconds Jinja2 does not (README,
    "Performance"): a Django template never loops over a page's rows."""
    loops = [name for name, path in DJANGO.items() if PAGE_LOOP.search(path.read_text())]
    assert loops == []
