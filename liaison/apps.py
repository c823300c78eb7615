from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "liaison"
    verbose_name = _("Liaison")

    def ready(self):
        from liaison import aggregates, figures  # noqa: F401 -- registers SQLite's MEDIAN

        figures.connect()
