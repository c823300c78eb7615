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

        from casebook import selectors
        from households import hooks as household_hooks
        from members import hooks as member_hooks

        # The household page and the member roster show what is counted here; the floors
        # below read it through what is lent to them, never by reaching up.
        household_hooks.register_household_page_section(selectors.household_casebook)
        member_hooks.register_roster_columns(selectors.roster_columns)
