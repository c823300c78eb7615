"""The accounts' one table: where a login stands in its password's life. It keeps the table
it had when it lived in `base` (`db_table`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountState(models.Model):
    """Where a login stands in its password's life (accounts.services reads and writes it).

    A login without a row never chose its own password (an administrator created it):
    it must change it at its first log-in, as must a login whose password an administrator
    reset (`must_change_password`) or whose password is older than PASSWORD_MAX_AGE_DAYS.
    Demo logins (`is_demo`, set by the demo seed only) are never asked.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="account_state",
        verbose_name=_("user"),
    )
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    is_demo = models.BooleanField(_("demo account"), default=False)

    class Meta:
        db_table = "base_accountstate"
        verbose_name = _("account state")
        verbose_name_plural = _("account states")

    def __str__(self) -> str:
        return str(self.user)
