from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BaseConfig(AppConfig):
    """The ground floor: helpers every feature uses, with no knowledge of any feature."""

    name = "base"
    verbose_name = _("Records")

    def ready(self):
        from base import aggregates  # noqa: F401 -- registers SQLite's MEDIAN
