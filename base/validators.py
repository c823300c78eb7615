"""Validators shared by every app: phone numbers and coordinates."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# An 11-digit mainland mobile (1[3-9]…) or a landline with its area code (0972-8321234).
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

phone_validator = RegexValidator(
    PHONE_RE,
    _("Enter an 11-digit mobile number or a landline with area code, e.g. 0972-8321234."),
    code="invalid_phone",
)


def validate_latitude(value):
    if value is not None and not -90 <= value <= 90:
        raise ValidationError(_("Latitude must be between -90 and 90."), code="latitude")


def validate_longitude(value):
    if value is not None and not -180 <= value <= 180:
        raise ValidationError(_("Longitude must be between -180 and 180."), code="longitude")


def latitude_field():
    return models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[validate_latitude],
    )  # fmt: skip


def longitude_field():
    return models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[validate_longitude],
    )  # fmt: skip


def coordinate_constraints(prefix: str) -> list:
    """Check constraints that keep a model's latitude and longitude in range (or empty)."""
    return [
        models.CheckConstraint(
            condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            name=f"{prefix}_latitude_in_range",
        ),
        models.CheckConstraint(
            condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_longitude_in_range",
        ),
    ]


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number, not enough to call it."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:2] + "*" * (len(phone) - 2)
    return phone[:3] + "****" + phone[-4:]
