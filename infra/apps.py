from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfraConfig(AppConfig):
    """The platform floor: services with tables of their own (background jobs, the figures
    cache, audit and access log, rate limits). It knows no feature."""

    name = "infra"
    verbose_name = _("Records")

    def ready(self) -> None:
        from infra import audit

        audit.connect_signals()
