"""Changes to the household roster. Each function is one transaction."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.cards import Card
from households.models import (
    ConsentChange,
    ConsentVia,
    Household,
    HouseholdStatus,
    new_card_code,
    new_card_token,
)
from infra import audit, cache
from infra.audit import log_access_as
from infra.registry import register_access_action, register_audit_action
from notify import services as notify
from notify.selectors import opted_out

# What the audit log records of roles (given, changed, taken away in the admin).
ROLE_ADDED = register_audit_action("role_added", gettext_lazy("Role given"))
ROLE_CHANGED = register_audit_action("role_changed", gettext_lazy("Role changed"))
ROLE_REMOVED = register_audit_action("role_removed", gettext_lazy("Role taken away"))
# What it records of the roster: a household retired (members.services ends its link) or
# brought back, a lost card replaced, a household's consent to text messages changed.
HOUSEHOLD_RETIRED = register_audit_action("household_retired", gettext_lazy("Household retired"))
HOUSEHOLD_REINSTATED = register_audit_action(
    "household_reinstated", gettext_lazy("Household brought back to the roster")
)
CARD_ROTATED = register_audit_action("card_rotated", gettext_lazy("Lost household card replaced"))
SMS_CONSENT_CHANGED = register_audit_action(
    "sms_consent", gettext_lazy("Consent to text messages changed")
)
# What the access log records of the registry's personal data leaving the system.
EXPORTED_HOUSEHOLDS = register_access_action(
    "export_households", gettext_lazy("Exported households")
)
PRINTED_CARDS = register_access_action("print_cards", gettext_lazy("Printed cards"))
IMPORTED_ROSTER = register_access_action("import", gettext_lazy("Imported a roster"))


class RegistryError(Exception):
    """A roster change that breaks a rule; the message is fit to show the user."""


RETIRED_STATUSES = (HouseholdStatus.MOVED_OUT, HouseholdStatus.MERGED, HouseholdStatus.INACTIVE)


# Columns kept by other services (the notebook's last visit, the cards): an edit form
# loaded before one of them changed must not write back the old value.
NOT_EDITED = (
    "id",
    "last_visited_on",
    "card_token",
    "card_code",
    "card_version",
    "card_printed_version",
    "sms_consent_at",
)


@transaction.atomic
def household_save(*, household: Household, by: User) -> Household:
    """Create or update a household after validating every field and constraint.

    An update writes the edited columns only; a household that moves village changes the
    figures of both villages.
    """
    household.full_clean()
    if household._state.adding:
        household.save()
        cache.touch([household.village_id])
        return household
    before = Household.objects.select_for_update().values_list("village_id", "status")
    left, status = before.get(pk=household.pk)
    household.save(
        update_fields=[f.name for f in Household._meta.concrete_fields if f.name not in NOT_EDITED]
    )
    cache.touch([household.village_id, left])
    _status_audited(household, was=status, by=by)
    return household


def _status_audited(household: Household, *, was: str, by: User) -> None:
    """A status edited by hand (the admin) retires or brings back a household as the roster's
    own steps do: the audit log says so too."""
    active = HouseholdStatus.ACTIVE
    if (was == active) == (household.status == active):
        return
    if household.status == active:
        audit.record(HOUSEHOLD_REINSTATED, user=by, target=str(household))
    else:
        audit.record(
            HOUSEHOLD_RETIRED,
            user=by,
            target=str(household),
            detail=_retired_detail(household.get_status_display(), household.retired_reason),
        )


def _retired_detail(status: str, reason: str) -> str:
    return f"{status}: {reason}" if reason else status


@transaction.atomic
def household_reinstate(*, household: Household, by: User) -> Household:
    """Bring a retired household back to the active roster (it then needs a member)."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status == HouseholdStatus.ACTIVE:
        raise RegistryError(_("This household is already active."))
    household.status = HouseholdStatus.ACTIVE
    household.retired_on = None
    household.retired_reason = ""
    household.save(update_fields=["status", "retired_on", "retired_reason", "updated_at"])
    cache.touch([household.village_id])
    audit.record(HOUSEHOLD_REINSTATED, user=by, target=str(household))
    return household


@transaction.atomic
def card_rotate(*, household: Household, by: User) -> Household:
    """A lost card: new token and code, so the old QR code stops working; reprint the card."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    household.card_token = new_card_token()
    household.card_code = new_card_code()
    household.card_version += 1
    household.save(update_fields=["card_token", "card_code", "card_version", "updated_at"])
    audit.record(
        CARD_ROTATED,
        user=by,
        target=str(household),
        detail=_("Card version %(version)d") % {"version": household.card_version},
    )
    return household


@transaction.atomic
def cards_mark_printed(
    *, households: list[Card], by: User, ip: str | None, description: str
) -> None:
    """Record a printed card sheet: the cards count as printed at their version; log who
    printed it (`by`) from which address (`ip`)."""
    by_version: dict[int, list[int]] = {}
    for household in households:
        if household.card_printed_version != household.card_version:  # else nothing to write
            by_version.setdefault(household.card_version, []).append(household.pk)
    for version, ids in by_version.items():
        # Only if the card has not changed again since the sheet was drawn.
        Household.objects.filter(pk__in=ids, card_version=version).update(
            card_printed_version=version
        )
    log_access_as(
        by,
        ip,
        action=PRINTED_CARDS,
        description=description,
        record_count=len(households),
    )


@transaction.atomic
def household_sms_consent(
    *, household: Household, consent: bool, via: str, by: User | None = None, note: str = ""
) -> Household:
    """Give or withdraw a household's consent to text messages, recording who, when and how.

    Staff act on the household's word and must say so in a note; a withdrawal is honoured at
    once: messages still waiting for the household are cancelled in the same transaction.
    """
    note = (note or "").strip()
    if via not in ConsentVia.values:
        raise RegistryError(_("Say how the household gave its answer."))
    if via == ConsentVia.STAFF and not note:
        raise RegistryError(_("Note when and how the household told you (e.g. by phone today)."))
    if consent and not notify.is_mobile(household.phone):
        raise RegistryError(
            _("Text messages need a mobile number on file; add the household's number first.")
        )
    locked = Household.objects.select_for_update().get(pk=household.pk)
    replied_td = consent and opted_out(locked.phone)
    if locked.sms_consent == consent and not replied_td:
        return locked
    now = timezone.now()
    change = ConsentChange(
        household=locked, consent=consent, via=via, by=by, note=note[:200], at=now
    )
    change.full_clean()
    change.save()
    locked.sms_consent_at = now if consent else None
    Household.objects.filter(pk=locked.pk).update(sms_consent_at=locked.sms_consent_at)
    if consent:
        notify.phone_opt_in(phone=locked.phone)  # agreeing again lifts a 退订 reply
    else:
        notify.messages_cancel(recipient=f"household:{locked.pk}")
    _consent_audited(change)
    return locked


def _consent_audited(change: ConsentChange) -> None:
    """The audit log's line for a consent given or withdrawn: by whom (nobody: the household
    itself, on its card page), how, and the staff's note."""
    text = (
        _("Agreed to text messages (%(via)s)")
        if change.consent
        else _("Withdrew consent to text messages (%(via)s)")
    ) % {"via": change.get_via_display()}
    if change.note:
        text = f"{text}: {change.note}"
    audit.record(SMS_CONSENT_CHANGED, user=change.by, target=str(change.household), detail=text)
