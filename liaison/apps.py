from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    """The top floor: settings, the URL root, the home page, dashboards and reports."""

    name = "liaison"
    verbose_name = _("Liaison")

    def ready(self):
        from liaison import accounts  # noqa: F401 -- reads the password state at log-in
