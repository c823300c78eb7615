"""The README stands alone and says what the Makefile does."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def test_readme_sends_nobody_outside_the_repository():
    assert "../" not in README
    assert not re.search(r"\]\((?!#)[^)]*://", README)  # no links to other sites


def test_readme_lists_the_system_packages_make_test_installs():
    installed = re.findall(r'missing="\$\$missing (\S+)"', MAKEFILE)
    assert installed, "the Makefile's system-deps changed shape"
    line = re.search(r"apt-get install -y ([^\n]+)", README).group(1).split()
    assert line == installed


def test_readme_explains_host_and_the_villagers_page():
    assert "make run HOST=" in README and "HOST ?=" in MAKEFILE
    assert "/c/<token>/" in README and "Try the villager's page" in README
