from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from households.models import Township, Village


class RoleKind(models.TextChoices):
    TOWNSHIP = "township", _("Township staff")
    SECRETARY = "secretary", _("Village secretary")


class Role(models.Model):
    """What a staff login may see: a whole township, or one village.

    Party members need no Role: their scope comes from their PartyMember.user link.
    A user may hold several roles (a member who is also the village secretary).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="liaison_roles",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("role"), max_length=10, choices=RoleKind.choices)
    township = models.ForeignKey(
        Township,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="township", township__isnull=False, village__isnull=True)
                    | Q(kind="secretary", village__isnull=False, township__isnull=True)
                ),
                name="role_has_matching_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "township", "village"], name="role_unique_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.township or self.village}"


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
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()}"


class RateCounter(models.Model):
    """Hits per key and time window, shared by every worker and host through the database.

    Used for rate limits when no Redis is configured (liaison/ratelimit.py).
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


class VillageTarget(models.Model):
    """What counts as on track for a village; admins change it per village (defaults apply)."""

    village = models.OneToOneField(
        Village, on_delete=models.CASCADE, related_name="target", verbose_name=_("village")
    )
    visits_per_household = models.PositiveSmallIntegerField(
        _("visits per household a month"), default=1
    )
    visits_per_priority_household = models.PositiveSmallIntegerField(
        _("visits per priority household a month"), default=2
    )
    reply_days = models.PositiveSmallIntegerField(_("median days to reply, at most"), default=7)
    confirmed_percent = models.PositiveSmallIntegerField(
        _("replies confirmed by the household, at least (%)"), default=80
    )

    class Meta:
        verbose_name = _("village target")
        verbose_name_plural = _("village targets")

    def __str__(self) -> str:
        return str(self.village)


class VillageFigures(models.Model):
    """The token of a village's cached figures (liaison/figures.py).

    Every write that changes one of the village's dashboard figures, or its map, sets a new
    random token in the same transaction; figures are cached under the tokens of their
    villages, so a changed village is recomputed on the next read and nothing else is.
    """

    village = models.OneToOneField(
        Village, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("village figures token")
        verbose_name_plural = _("village figures tokens")

    def __str__(self) -> str:
        return f"{self.village_id}: {self.token}"


DEFAULT_TARGET = VillageTarget(
    visits_per_household=1, visits_per_priority_household=2, reply_days=7, confirmed_percent=80
)
