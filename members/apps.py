from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Party members")

    def ready(self):
        # The job kinds and audit actions members register (infra.registry).
        from members import importing, services, tasks  # noqa: F401
