from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Logins: passwords of one's own, changed in time, the second factor (TOTP), account
    state, their pages and their admin."""

    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Reads the password state at log-in, audits log-ins, registers its audit actions.
        from accounts import services  # noqa: F401
