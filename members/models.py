from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from base.pinyin import search_key
from base.validators import (
    coordinate_constraints,
    latitude_field,
    longitude_field,
    phone_validator,
)
from households.models import Household, Village, VillageGroup


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class PartyMember(models.Model):
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="members", verbose_name=_("village")
    )
    group = models.ForeignKey(
        VillageGroup,
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
        verbose_name=pgettext_lazy("village group", "group"),
    )
    name = models.CharField(_("name"), max_length=30)
    search_key = models.CharField(_("search key"), max_length=200, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    phone = models.CharField(_("phone"), max_length=20, validators=[phone_validator])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_member",
        verbose_name=_("login"),
    )
    joined_party_on = models.DateField(_("joined the party on"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("How many households this member can be linked to."),
    )
    # The member's home: the point from which walking distance to linked households is measured.
    latitude = latitude_field()
    longitude = longitude_field()
    is_active = models.BooleanField(_("active"), default=True)
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    retired_reason = models.CharField(_("reason for retiring"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["village_id", "name", "id"]
        indexes = [
            models.Index(fields=["village", "is_active"], name="member_village_active"),
            models.Index(fields=["name"], name="member_name"),
            models.Index(fields=["phone"], name="member_phone"),
            models.Index(fields=["search_key"], name="member_search_key"),
        ]
        constraints = [
            *coordinate_constraints("member"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived column only; bulk paths set it themselves.
        self.search_key = search_key(self.name)
        super().save(*args, **kwargs)

    def clean(self):
        if self.group_id and self.village_id and self.group.village_id != self.village_id:
            raise ValidationError({"group": _("This group belongs to another village.")})


class Assignment(models.Model):
    """One link between a member and a household over a period: 联户关系.

    History is never overwritten: a change ends the open row and opens a new one.
    """

    member = models.ForeignKey(
        PartyMember,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("party member"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("household"),
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    capacity_override = models.BooleanField(
        _("over capacity by decision"),
        default=False,
        help_text=_("Set when staff link a member beyond capacity; the note must say why."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(ended_on__isnull=True),
                name="assignment_one_open_per_household",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="assignment_ends_after_start",
            ),
            # An over-capacity link is a recorded decision: it must say why.
            models.CheckConstraint(
                condition=Q(capacity_override=False) | ~Q(note=""),
                name="assignment_override_has_note",
            ),
        ]
        indexes = [
            models.Index(
                fields=["member"],
                condition=Q(ended_on__isnull=True),
                name="assignment_open_by_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.household}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None
