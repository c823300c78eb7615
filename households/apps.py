from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Households")

    def ready(self):
        from households.selectors import household_wants_texts
        from notify import services

        # A text to a household is sent only while it consents at that number.
        services.register_recipient_check("household", household_wants_texts)
