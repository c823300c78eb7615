"""The product's settings with the benchmark's trivial view added (manage.py bench)."""

from liaison.settings import *  # noqa: F403

ROOT_URLCONF = "devtools.urls"
