from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Households")

    def ready(self):
        # The job kinds and audit actions the registry registers (infra.registry).
        from households import importing, services, tasks  # noqa: F401
        from households.selectors import household_wants_texts
        from notify import services as notify

        # A text to a household is sent only while it consents at that number.
        notify.register_recipient_check("household", household_wants_texts)
