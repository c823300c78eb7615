"""The ground floor's own tables: the personal-data access log, rate counters and the
tokens of cached figures. None of them refers to a feature's model."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccessLog(models.Model):
    """Who exported or printed whose personal data, and how much of it. Written, never edited."""

    class Action(models.TextChoices):
        EXPORT_HOUSEHOLDS = "export_households", _("Exported households")
        EXPORT_MEMBERS = "export_members", _("Exported members")
        EXPORT_REPORT = "export_report", _("Exported a report")
        PRINT_CARDS = "print_cards", _("Printed cards")
        IMPORT = "import", _("Imported a roster")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    description = models.CharField(_("what"), max_length=300)
    record_count = models.PositiveIntegerField(_("records"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        # In context: django-axes' own (login) "access log" is another log.
        verbose_name = pgettext_lazy("personal data", "access log entry")
        verbose_name_plural = pgettext_lazy("personal data", "access log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()}"


class RateCounter(models.Model):
    """Hits per key and time window, shared by every worker and host through the database.

    Used for rate limits when no Redis is configured (base/ratelimit.py).
    """

    key = models.CharField(max_length=150)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="ratecounter_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.count}"


class CacheToken(models.Model):
    """The token under which a village's cached figures are kept (base/cache.py).

    A plain village id, not a foreign key: the ground floor knows no village model. A row
    left behind by a deleted village is never read again.
    """

    village_id = models.BigIntegerField(primary_key=True)
    token = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("cache token")
        verbose_name_plural = _("cache tokens")

    def __str__(self) -> str:
        return f"{self.village_id}: {self.token}"


class AccountState(models.Model):
    """Where a login stands in its password's life (liaison.accounts reads and writes it).

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
        verbose_name = _("account state")
        verbose_name_plural = _("account states")

    def __str__(self) -> str:
        return str(self.user)


class AuditEvent(models.Model):
    """A security event or an important change: who, when, from where, what. Never edited.

    Exports, imports and printed cards are in AccessLog (with their record counts); both
    are kept AUDIT_RETENTION_DAYS and pruned by `manage.py prune_audit`.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Log-in failed")
        LOCKED_OUT = "locked_out", _("Locked out after failed log-ins")
        LOGOUT = "logout", _("Logged out")
        PASSWORD_CHANGED = "password_changed", _("Changed own password")
        PASSWORD_SET = "password_set", _("Temporary password set by an administrator")
        OTP_ENROLLED = "otp_enrolled", _("Two-factor sign-in set up")
        OTP_VERIFIED = "otp_verified", _("Second factor passed")
        OTP_FAILED = "otp_failed", _("Second factor failed")
        OTP_RECOVERY_USED = "otp_recovery_used", _("Recovery code used")
        OTP_RESET = "otp_reset", _("Two-factor sign-in reset by an administrator")
        ROLE_ADDED = "role_added", _("Role given")
        ROLE_CHANGED = "role_changed", _("Role changed")
        ROLE_REMOVED = "role_removed", _("Role taken away")
        ACCOUNT_CHANGED = "account_changed", _("Account changed by an administrator")
        LINK_CHANGED = "link_changed", _("Household link changed")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    username = models.CharField(_("login name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    target = models.CharField(_("whom or what"), max_length=200, blank=True)
    detail = models.CharField(_("details"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"
