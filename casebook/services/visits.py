"""The notebook: entries members write about their visits, and corrections to them."""

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casebook.models import (
    Duty,
    Request,
    RequestCategory,
    RequestSource,
    Visit,
    VisitRevision,
)
from casebook.services.common import CasebookError, _full_clean
from casebook.services.requests import request_raise
from households.models import Household
from infra import cache
from members.models import PartyMember
from members.selectors import linked_member

CORRECTION_WINDOW = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class VisitEntry:
    """What a notebook entry says, as the visit form or the phone's outbox sends it."""

    visited_on: datetime.date
    channel: str
    duties: Sequence[Duty] = ()
    notes: str = ""
    sanitation: str = ""
    hazard_found: bool = False
    follow_up: bool = False

    @classmethod
    def of(cls, visit: Visit) -> "VisitEntry":
        """What a recorded entry says now: where a correction starts."""
        return cls(
            visited_on=visit.visited_on,
            channel=visit.channel,
            duties=list(visit.duties.all()),
            notes=visit.notes,
            sanitation=visit.sanitation,
            hazard_found=visit.hazard_found,
            follow_up=visit.follow_up,
        )


def visits_changed(*, household_ids: list[int | None]) -> None:
    """Entries of these households were written: their villages' figures have changed.

    (Their last visit is kept by the database: casebook migration 0006.)
    """
    cache.touch(
        Household.objects.filter(pk__in=[pk for pk in household_ids if pk])
        .values_list("village_id", flat=True)
        .distinct()
    )


@transaction.atomic
def visit_record(
    *,
    member: PartyMember,
    household: Household,
    by: User,
    entry: VisitEntry,
    client_id: uuid.UUID | None = None,
) -> Visit:
    """Write a notebook entry by (or on behalf of) the member linked to the household.

    `client_id` is the id the phone made for the entry (see visit_submit); the database's
    unique index, not a query here, settles two sends of the same entry.
    """
    if entry.visited_on > timezone.localdate():
        raise CasebookError(_("A visit cannot be dated in the future."))
    if household.village_id != member.village_id:
        raise CasebookError(_("The member and the household belong to different villages."))
    visit = Visit(
        member=member,
        household=household,
        visited_on=entry.visited_on,
        channel=entry.channel,
        notes=entry.notes,
        sanitation=entry.sanitation,
        hazard_found=entry.hazard_found,
        follow_up=entry.follow_up,
        recorded_by=by,
        client_id=client_id,
    )
    _full_clean(visit, exclude=["client_id"])
    visit.save()
    visit.duties.set(entry.duties)
    visits_changed(household_ids=[visit.household_id])
    return visit


def visit_can_correct(visit: Visit, user: User, *, is_staff_level: bool) -> bool:
    """The author may correct an entry for 24 hours; afterwards only staff may."""
    if is_staff_level:
        return True
    fresh = timezone.now() - visit.created_at <= CORRECTION_WINDOW
    return fresh and visit.recorded_by_id == user.pk


@transaction.atomic
def visit_correct(*, visit: Visit, by: User, is_staff_level: bool, entry: VisitEntry) -> Visit:
    """Correct a notebook entry to say `entry`, keeping what it said before in a revision
    (`VisitEntry.of(visit)` with what changed replaced)."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if not visit_can_correct(visit, by, is_staff_level=is_staff_level):
        raise CasebookError(
            _("Entries can be corrected by their author for 24 hours; after that ask staff.")
        )
    if entry.visited_on > timezone.localdate():
        raise CasebookError(_("A visit cannot be dated in the future."))
    before = {
        "visited_on": visit.visited_on.isoformat(),
        "channel": visit.channel,
        "notes": visit.notes,
        "sanitation": visit.sanitation,
        "hazard_found": visit.hazard_found,
        "follow_up": visit.follow_up,
        "duties": sorted(visit.duties.values_list("code", flat=True)),
    }
    visit.visited_on = entry.visited_on
    visit.channel = entry.channel
    visit.notes = entry.notes
    visit.sanitation = entry.sanitation
    visit.hazard_found = entry.hazard_found
    visit.follow_up = entry.follow_up
    visit.corrected_at = timezone.now()
    visit.corrected_by = by
    _full_clean(visit)
    visit.save()
    visit.duties.set(entry.duties)
    VisitRevision.objects.create(visit=visit, changed_by=by, before=before)
    visits_changed(household_ids=[visit.household_id])
    return visit


@transaction.atomic
def visit_record_with_request(
    *,
    household: Household,
    by: User,
    entry: VisitEntry,
    client_id: uuid.UUID | None = None,
    request_category: RequestCategory | None = None,
    request_description: str = "",
) -> tuple[Visit, Request | None]:
    """A notebook entry, and (when asked) the request it raises, in one step.

    The entry is written for the member linked to the household now.
    """
    member = linked_member(household.pk)
    if member is None:
        raise CasebookError(_("This household has no liaison member; link one first."))
    visit = visit_record(
        member=member,
        household=household,
        by=by,
        entry=entry,
        client_id=client_id,
    )
    request: Request | None = None
    if request_category is not None:
        request = request_raise(
            household=household,
            category=request_category,
            description=request_description,
            source=RequestSource.VISIT,
            by=by,
            visit=visit,
        )
    return visit, request


@dataclass(frozen=True)
class Submitted:
    """What visit_submit did: the entry, the request it raised, and whether it was new."""

    visit: Visit
    request: Request | None
    replayed: bool  # the entry had been recorded before under the same phone id


@transaction.atomic
def visit_submit(
    *,
    client_id: uuid.UUID | None,
    by: User,
    household: Household,
    entry: VisitEntry,
    request_category: RequestCategory | None = None,
    request_description: str = "",
) -> Submitted:
    """A notebook entry as the visit form or the phone's outbox sends it: recorded once.

    The phone makes an id (a UUID) for every entry and sends it again until it hears back;
    an entry already recorded under that id is answered again, never written twice (two
    sends at once: the database's unique index lets one in, the other finds it). Only its
    author may send an id again.
    """
    if client_id is not None:
        found = _visit_sent_before(client_id, by)
        if found:
            return found
    try:
        with transaction.atomic():
            visit, raised = visit_record_with_request(
                household=household,
                by=by,
                entry=entry,
                client_id=client_id,
                request_category=request_category,
                request_description=request_description,
            )
    except IntegrityError:
        found = _visit_sent_before(client_id, by) if client_id is not None else None
        if found is None:
            raise
        return found
    return Submitted(visit=visit, request=raised, replayed=False)


def _visit_sent_before(client_id: uuid.UUID, by: User) -> Submitted | None:
    visit = Visit.objects.filter(client_id=client_id).select_related("household").first()
    if visit is None:
        return None
    if visit.recorded_by_id != by.pk:
        raise CasebookError(_("This entry was recorded by someone else; it was not saved again."))
    raised = visit.requests.order_by("id").first()
    return Submitted(visit=visit, request=raised, replayed=True)
