"""The dashboards' own table: what counts as on track for a village."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from households.models import Village


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


DEFAULT_TARGET = VillageTarget(
    visits_per_household=1, visits_per_priority_household=2, reply_days=7, confirmed_percent=80
)
