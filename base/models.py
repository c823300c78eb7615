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
