import secrets
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


def new_card_token() -> str:
    """A long random token for the card's QR link (128 bits): unguessable, unrelated to the id."""
    return secrets.token_urlsafe(16)


CARD_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: easy to read aloud


def new_card_code() -> str:
    """The short code printed under the QR code for people who type (10 characters, 50 bits)."""
    return "".join(secrets.choice(CARD_CODE_ALPHABET) for _ in range(10))


def format_card_code(code: str) -> str:
    """The code as printed and read aloud: two groups of five (T69XM-3PUMJ)."""
    return f"{code[:5]}-{code[5:]}"


class County(models.Model):
    """A county (县) above its townships: its organisation department compares them."""

    name = models.CharField(_("name"), max_length=50)
    code = models.SlugField(_("code"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Township(models.Model):
    # Empty for a township whose county is not (yet) on the system: it works as before.
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="townships",
        verbose_name=_("county"),
    )
    name = models.CharField(_("name"), max_length=50)
    code = models.SlugField(_("code"), max_length=20, unique=True)
    # The day of the month (1–28) on which each member is texted how many of their
    # households are still to visit this month; empty: no such text.
    sms_members_due_day = models.PositiveSmallIntegerField(
        _("day of the members' monthly text"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Empty: off. 1–28: the day members are texted their households still due."),
    )

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="villages", verbose_name=_("township")
    )
    name = models.CharField(_("name"), max_length=50)
    code = models.SlugField(_("code"), max_length=20, unique=True)
    latitude = latitude_field()
    longitude = longitude_field()

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["township_id", "code"]

    def __str__(self) -> str:
        return self.name


class VillageGroup(models.Model):
    """社 / 组: a hamlet within a village."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="groups", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=30)
    number = models.PositiveSmallIntegerField(_("number"))

    class Meta:
        # A context of its own: Django's auth "groups" must not read 社 as well.
        verbose_name = pgettext_lazy("village group", "group")
        verbose_name_plural = pgettext_lazy("village group", "groups")
        ordering = ["village_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "number"], name="group_number_unique_in_village"
            ),
            models.UniqueConstraint(
                fields=["village", "name"], name="group_name_unique_in_village"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MOVED_OUT = "moved_out", _("Moved out")
    MERGED = "merged", _("Merged")
    INACTIVE = "inactive", _("Inactive")


class Household(models.Model):
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="households", verbose_name=_("village")
    )
    group = models.ForeignKey(
        VillageGroup,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=pgettext_lazy("village group", "group"),
    )
    number = models.CharField(_("household number"), max_length=20)
    head_name = models.CharField(_("head of household"), max_length=30)
    # Lower-case pinyin initials and full pinyin of the head's name ("dwx dongwenxiang"),
    # stored so that search is an indexed LIKE, never a per-row computation.
    search_key = models.CharField(_("search key"), max_length=200, blank=True, editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    door_no = models.CharField(_("door number"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()
    size = models.PositiveSmallIntegerField(
        _("household size"), default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    is_low_income = models.BooleanField(_("low income"), default=False)
    is_elderly_alone = models.BooleanField(_("elderly living alone"), default=False)
    has_left_behind_children = models.BooleanField(_("left-behind children"), default=False)
    has_disability = models.BooleanField(_("disability"), default=False)
    # Kept in step with the four flags above by the services (and seed); indexed for filters.
    is_priority = models.BooleanField(_("priority household"), default=False, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE
    )
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    retired_reason = models.CharField(_("reason for retiring"), max_length=200, blank=True)
    card_token = models.CharField(
        _("card token"), max_length=64, unique=True, default=new_card_token, editable=False
    )
    card_code = models.CharField(
        _("card code"), max_length=12, unique=True, default=new_card_code, editable=False
    )
    card_version = models.PositiveIntegerField(_("card version"), default=1, editable=False)
    card_printed_version = models.PositiveIntegerField(
        _("printed card version"), null=True, blank=True, editable=False
    )
    # The date of the latest notebook entry, kept by the notebook's services (casebook) when
    # an entry is written or corrected, so lists read "last visit" and "visited this month" as
    # a column instead of a subquery per row. The registry's services never write it.
    last_visited_on = models.DateField(_("last visit"), null=True, blank=True, editable=False)
    # Consent to text messages (PIPL art. 13–15), given when this is set, withdrawn when it is
    # cleared; each change is a ConsentChange row (who, when, how). Nullable and without a
    # default, so that adding it never rebuilds the table (SQLite keeps triggers on it).
    sms_consent_at = models.DateTimeField(
        _("text messages agreed at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["village_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "number"],
                name="household_number_unique_in_village",
                violation_error_message=_("This village already has a household with this number."),
            ),
            *coordinate_constraints("household"),
        ]
        indexes = [
            models.Index(fields=["village", "status"], name="household_village_status"),
            models.Index(fields=["group", "number"], name="household_group_number"),
            models.Index(fields=["head_name"], name="household_head_name"),
            models.Index(fields=["phone"], name="household_phone"),
            models.Index(fields=["search_key"], name="household_search_key"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}"

    PRIORITY_FLAGS = (
        "is_low_income",
        "is_elderly_alone",
        "has_left_behind_children",
        "has_disability",
    )

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived columns only (search key, priority); bulk paths call refresh_derived().
        self.refresh_derived()
        super().save(*args, **kwargs)

    def clean(self):
        if self.group_id and self.village_id and self.group.village_id != self.village_id:
            raise ValidationError({"group": _("This group belongs to another village.")})

    def refresh_derived(self) -> None:
        self.search_key = search_key(self.head_name)
        self.is_priority = self.compute_priority()

    def compute_priority(self) -> bool:
        return any(getattr(self, flag) for flag in self.PRIORITY_FLAGS)

    @property
    def flag_labels(self) -> list[str]:
        return [
            self._meta.get_field(flag).verbose_name
            for flag in self.PRIORITY_FLAGS
            if getattr(self, flag)
        ]

    @property
    def is_active(self) -> bool:
        return self.status == HouseholdStatus.ACTIVE

    @property
    def card_is_stale(self) -> bool:
        """Never printed, or changed (new member, new token) since it was printed."""
        return self.card_printed_version is None or self.card_printed_version < self.card_version

    @property
    def sms_consent(self) -> bool:
        return self.sms_consent_at is not None

    @property
    def card_code_display(self) -> str:
        return format_card_code(self.card_code)


class ConsentVia(models.TextChoices):
    CARD = "card", _("The household, on its card page")
    STAFF = "staff", _("Staff, on the household's word")


class ConsentChange(models.Model):
    """One giving or withdrawal of a household's consent to text messages: who, when, how.
    Never edited or deleted (the record a PIPL request is answered from)."""

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="consent_changes",
        verbose_name=_("household"),
    )
    consent = models.BooleanField(_("consents"))
    via = models.CharField(_("how"), max_length=10, choices=ConsentVia.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("text-message consent")
        verbose_name_plural = _("text-message consents")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.household_id} {self.consent}"


class RosterUpload(models.Model):
    """An uploaded roster kept between its preview and its confirmation (and as history)."""

    class Kind(models.TextChoices):
        HOUSEHOLDS = "households", _("Households")
        MEMBERS = "members", _("Party members")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("content"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    # Counted when the file was checked at upload: the confirmation decides from it, without
    # reading the file again, whether a background job applies it.
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster upload")
        verbose_name_plural = _("roster uploads")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"


class CardQRCode(models.Model):
    """A drawn QR code, kept so that printing thousands of cards does not redraw them all."""

    url = models.CharField(max_length=300, unique=True)
    svg = models.TextField()

    class Meta:
        verbose_name = _("card QR code")
        verbose_name_plural = _("card QR codes")

    def __str__(self) -> str:
        return self.url


class RoleKind(models.TextChoices):
    COUNTY = "county", _("County staff")
    TOWNSHIP = "township", _("Township staff")
    SECRETARY = "secretary", _("Village secretary")


class Role(models.Model):
    """What a staff login may see: a whole county, a whole township, or one village.

    County staff see every township of their county and change nothing in them (the
    township's staff and the village secretaries do the work; the county compares).
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
    county = models.ForeignKey(
        County,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
    )
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
                    Q(
                        kind="county",
                        county__isnull=False,
                        township__isnull=True,
                        village__isnull=True,
                    )
                    | Q(
                        kind="township",
                        township__isnull=False,
                        village__isnull=True,
                        county__isnull=True,
                    )
                    | Q(
                        kind="secretary",
                        village__isnull=False,
                        township__isnull=True,
                        county__isnull=True,
                    )
                ),
                name="role_has_matching_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "county", "township", "village"],
                name="role_unique_per_user",
            ),
        ]

    def __str__(self) -> str:
        place = self.county or self.township or self.village
        return f"{self.user} · {self.get_kind_display()} · {place}"
