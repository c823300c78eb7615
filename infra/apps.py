from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfraConfig(AppConfig):
    """The platform floor: services with tables of their own (background jobs, the figures
    cache, audit and access log, rate limits). It knows no feature: features register the
    job kinds and audit actions they use (infra.registry)."""

    name = "infra"
    verbose_name = _("Records")
