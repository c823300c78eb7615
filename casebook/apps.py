from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasebookConfig(AppConfig):
    name = "casebook"
    verbose_name = _("Casebook")

    def ready(self):
        from casebook import (
            tasks,  # noqa: F401 -- registers its job kind (infra.registry)
            texts,
        )

        # The worker's poll turns new timeline lines into text messages (casebook.texts).
        texts.register()
