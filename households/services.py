"""Changes to the household roster. Each function is one transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from households.models import Household, HouseholdStatus, new_card_code, new_card_token
from liaison.audit import log_access
from liaison.models import AccessLog
from members.services import assignments_end


class RegistryError(Exception):
    """A roster change that breaks a rule; the message is fit to show the user."""


RETIRED_STATUSES = (HouseholdStatus.MOVED_OUT, HouseholdStatus.MERGED, HouseholdStatus.INACTIVE)


@transaction.atomic
def household_save(*, household: Household, by) -> Household:
    """Create or update a household after validating every field and constraint."""
    household.full_clean()
    household.save()
    return household


@transaction.atomic
def household_retire(
    *, household: Household, status: str, on: datetime.date, reason: str, by
) -> Household:
    """Retire a household (moved out, merged, inactive): never deleted, its links ended.

    Its open assignment ends on the same day with the reason, so the member's load drops and
    the history shows why.
    """
    if status not in RETIRED_STATUSES:
        raise RegistryError(_("Choose moved out, merged or inactive."))
    if not reason.strip():
        raise RegistryError(_("Give a reason for retiring."))
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status != HouseholdStatus.ACTIVE:
        raise RegistryError(_("This household is already retired."))
    household.status = status
    household.retired_on = on
    household.retired_reason = reason.strip()
    try:
        household.full_clean()
    except ValidationError as error:
        raise RegistryError("; ".join(error.messages)) from error
    household.save()
    assignments_end(
        assignments=household.assignments.filter(ended_on__isnull=True),
        on=on,
        reason=_("Household retired: %(reason)s") % {"reason": household.retired_reason},
        by=by,
    )
    return household


@transaction.atomic
def household_reinstate(*, household: Household, by) -> Household:
    """Bring a retired household back to the active roster (it then needs a member)."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status == HouseholdStatus.ACTIVE:
        raise RegistryError(_("This household is already active."))
    household.status = HouseholdStatus.ACTIVE
    household.retired_on = None
    household.retired_reason = ""
    household.save()
    return household


@transaction.atomic
def card_rotate(*, household: Household, by) -> Household:
    """A lost card: new token and code, so the old QR code stops working; reprint the card."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    household.card_token = new_card_token()
    household.card_code = new_card_code()
    household.card_version += 1
    household.save(update_fields=["card_token", "card_code", "card_version", "updated_at"])
    return household


@transaction.atomic
def cards_mark_printed(*, households: list[Household], by, request, description: str) -> None:
    """Record a printed card sheet: the cards count as printed at their version; log it."""
    by_version: dict[int, list[int]] = {}
    for household in households:
        if household.card_printed_version != household.card_version:  # else nothing to write
            by_version.setdefault(household.card_version, []).append(household.pk)
    for version, ids in by_version.items():
        # Only if the card has not changed again since the sheet was drawn.
        Household.objects.filter(pk__in=ids, card_version=version).update(
            card_printed_version=version
        )
    log_access(
        request,
        action=AccessLog.Action.PRINT_CARDS,
        description=description,
        record_count=len(households),
    )
