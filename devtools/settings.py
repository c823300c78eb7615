"""The product's settings with the developer tooling installed and the benchmark's trivial
view added (manage.py bench measures with DEBUG off, as in production)."""

from liaison.settings import *  # noqa: F403

if "devtools" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405
ROOT_URLCONF = "devtools.urls"
