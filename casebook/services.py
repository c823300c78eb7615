"""Changes to the notebook and to requests. Each function is one transaction.

Every request transition writes exactly one RequestEvent with its actor, refuses an illegal
move with a message fit for the user, and refuses a stale form (optimistic version check
under a row lock), so that two people acting at once never overwrite each other.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from base import audio
from casebook.models import (
    OPEN_STATUSES,
    Duty,
    EscalationLevel,
    EventKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Request,
    RequestCategory,
    RequestEvent,
    RequestSource,
    RequestStatus,
    Satisfaction,
    Visit,
    VisitRevision,
    VoiceNote,
)
from households.models import Household, Role, RoleKind
from infra import cache
from members import services as members
from members.models import PartyMember
from members.proposal import propose
from members.selectors import linked_member, open_links

CORRECTION_WINDOW = datetime.timedelta(hours=24)
# A voice message: what a phone records in 60 s at the bit rates browsers use (Opus ~32 kbit/s,
# AAC up to ~128 kbit/s) fits well within 2 MB; the seconds are read from the container.
MAX_VOICE_BYTES = 2 * 1024 * 1024
MAX_VOICE_SECONDS = 60
VOICE_GRACE_SECONDS = 2  # a recorder stops a moment after the 60 s timer
HOUSEHOLD_LABEL = gettext_lazy("Household (card page)")


class CasebookError(Exception):
    """A change the casebook refuses; the message is fit to show the user."""


class StaleRequest(CasebookError):
    """Someone else changed the request since the form was shown."""


# --- The notebook ---------------------------------------------------------------------------


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
    by,
    visited_on: datetime.date,
    channel: str,
    duties: list[Duty],
    notes: str = "",
    sanitation: str = "",
    hazard_found: bool = False,
    follow_up: bool = False,
    client_id: uuid.UUID | None = None,
) -> Visit:
    """Write a notebook entry by (or on behalf of) the member linked to the household.

    `client_id` is the id the phone made for the entry (see visit_submit); the database's
    unique index, not a query here, settles two sends of the same entry.
    """
    if visited_on > timezone.localdate():
        raise CasebookError(_("A visit cannot be dated in the future."))
    if household.village_id != member.village_id:
        raise CasebookError(_("The member and the household belong to different villages."))
    visit = Visit(
        member=member,
        household=household,
        visited_on=visited_on,
        channel=channel,
        notes=notes,
        sanitation=sanitation,
        hazard_found=hazard_found,
        follow_up=follow_up,
        recorded_by=by,
        client_id=client_id,
    )
    _full_clean(visit, exclude=["client_id"])
    visit.save()
    visit.duties.set(duties)
    visits_changed(household_ids=[visit.household_id])
    return visit


def visit_can_correct(visit: Visit, user, *, is_staff_level: bool) -> bool:
    """The author may correct an entry for 24 hours; afterwards only staff may."""
    if is_staff_level:
        return True
    fresh = timezone.now() - visit.created_at <= CORRECTION_WINDOW
    return fresh and visit.recorded_by_id == user.pk


@transaction.atomic
def visit_correct(*, visit: Visit, by, is_staff_level: bool, **changes) -> Visit:
    """Correct a notebook entry, keeping what it said before in a revision."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if not visit_can_correct(visit, by, is_staff_level=is_staff_level):
        raise CasebookError(
            _("Entries can be corrected by their author for 24 hours; after that ask staff.")
        )
    if changes.get("visited_on") and changes["visited_on"] > timezone.localdate():
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
    duties = changes.pop("duties", None)
    for name, value in changes.items():
        setattr(visit, name, value)
    visit.corrected_at = timezone.now()
    visit.corrected_by = by
    _full_clean(visit)
    visit.save()
    if duties is not None:
        visit.duties.set(duties)
    VisitRevision.objects.create(visit=visit, changed_by=by, before=before)
    visits_changed(household_ids=[visit.household_id])
    return visit


# --- Requests -------------------------------------------------------------------------------


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        raise CasebookError("; ".join(error.messages)) from error


def role_user(kind: str, *, village=None, township_id=None):
    roles = Role.objects.filter(kind=kind, user__is_active=True).select_related("user")
    if kind == RoleKind.SECRETARY:
        roles = roles.filter(village=village)
    else:
        roles = roles.filter(township_id=township_id)
    role = roles.order_by("id").first()
    return role.user if role else None


def default_owner(household: Household):
    """The household's member if they have a login, else the village secretary."""
    member = linked_member(household.pk)
    if member and member.is_active and member.user and member.user.is_active:
        return member.user
    return role_user(RoleKind.SECRETARY, village=household.village)


def voice_check(data: bytes) -> audio.Audio:
    """A voice recording as its bytes say it is: WebM, MP4 or Ogg audio, at most 60 s and
    2 MB. Its file name and the browser's content type are never trusted."""
    if not data:
        raise CasebookError(_("The recording is empty; hold the button while you speak."))
    if len(data) > MAX_VOICE_BYTES:
        raise CasebookError(_("The recording is too large (at most 2 MB)."))
    try:
        found = audio.sniff(data)
    except audio.AudioError as error:
        raise CasebookError(
            _("This is not a voice recording. Record again, or type your matter.")
        ) from error
    if found.seconds > MAX_VOICE_SECONDS + VOICE_GRACE_SECONDS:
        raise CasebookError(_("The recording is longer than 60 seconds."))
    return found


def _voice_label(found: audio.Audio) -> str:
    return _("(Voice message, %(seconds)d seconds)") % {"seconds": max(round(found.seconds), 1)}


def _voice_save(event: RequestEvent, data: bytes, found: audio.Audio) -> VoiceNote:
    return VoiceNote.objects.create(
        request_id=event.request_id,
        event=event,
        content_type=found.content_type,
        seconds=max(round(found.seconds), 1),
        size=len(data),
        data=data,
        created_at=event.at,
    )


@transaction.atomic
def request_raise(
    *,
    household: Household,
    category: RequestCategory,
    description: str,
    source: str,
    by=None,
    actor_label: str = "",
    contact_phone: str = "",
    visit: Visit | None = None,
    voice: bytes | None = None,
) -> Request:
    """Record a household's matter; it gets an owner and due dates from its category.

    A voice recording (checked by its bytes) may stand in for the typed description.
    """
    found = voice_check(voice) if voice is not None else None
    description = (description or "").strip()
    if not description and found:
        description = _voice_label(found)
    if not description:
        raise CasebookError(_("Describe the matter."))
    if not household.is_active:
        raise CasebookError(_("This household is no longer on the roster."))
    if visit is not None and visit.household_id != household.pk:
        raise CasebookError(_("A request raised from an entry concerns the entry's household."))
    now = timezone.now()
    today = timezone.localdate(now)
    request = Request(
        household=household,
        village_id=household.village_id,
        recorded_by=by,
        source=source,
        category=category,
        description=description,
        contact_phone=contact_phone,
        owner=default_owner(household),
        visit=visit,
        accept_due_on=today + datetime.timedelta(days=category.accept_days),
        due_on=today + datetime.timedelta(days=category.reply_days),
        created_at=now,
    )
    _full_clean(request)
    request.save()
    cache.touch([request.village_id])
    event = RequestEvent.objects.create(
        request=request,
        kind=EventKind.CREATED,
        actor=by,
        actor_label=str(actor_label),
        to_status=RequestStatus.NEW,
        text=description,
        at=now,
    )
    if found:
        _voice_save(event, voice, found)
    # Its texts (received; the member's, from the card page) follow from the "raised" line:
    # the worker's poll queues them (casebook.texts), raising writes nothing for them.
    return request


S = RequestStatus
# action: the statuses it may start from
TRANSITIONS = {
    "accept": (S.NEW,),
    "assign": OPEN_STATUSES,
    "note": (S.ACCEPTED, S.IN_PROGRESS, S.ESCALATED),
    "escalate": (S.NEW, S.ACCEPTED, S.IN_PROGRESS, S.ESCALATED),
    "reply": (S.ACCEPTED, S.IN_PROGRESS, S.ESCALATED),
    "close": (S.REPLIED,),
    "reopen": (S.REPLIED, S.CLOSED),
    "confirm": (S.REPLIED,),
}
ILLEGAL = {
    "accept": gettext_lazy("Only a new request can be accepted."),
    "assign": gettext_lazy("A replied or closed request has no owner to change."),
    "note": gettext_lazy("Accept the request before adding progress."),
    "escalate": gettext_lazy("A replied or closed request cannot be escalated."),
    "reply": gettext_lazy("Accept the request before replying."),
    "close": gettext_lazy("Only a replied request can be closed."),
    "reopen": gettext_lazy("Only a replied or closed request can be reopened."),
    "confirm": gettext_lazy("There is no reply to confirm yet."),
}


def _lock(request: Request, action: str, expected_version: int | None) -> Request:
    locked = Request.objects.select_for_update().get(pk=request.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleRequest(
            _("This request was changed by someone else; here is the new state. Nothing was saved.")
        )
    if locked.status not in TRANSITIONS[action]:
        raise CasebookError(str(ILLEGAL[action]))
    return locked


def _commit(
    request: Request, *, kind, by, from_status, text="", actor_label="", fields=(), voice=None
):
    now = timezone.now()
    request.version = F("version") + 1
    request.save(update_fields=["status", "version", "updated_at", *fields])
    request.refresh_from_db(fields=["version"])
    cache.touch([request.village_id])  # open, replied, overdue… are counted per village
    event = RequestEvent.objects.create(
        request=request,
        kind=kind,
        actor=by,
        actor_label=str(actor_label),
        from_status=from_status,
        to_status=request.status,
        text=text,
        at=now,
    )
    if voice is not None:
        _voice_save(event, *voice)
    return request


@transaction.atomic
def request_accept(
    *, request: Request, by, expected_version: int | None, text: str = ""
) -> Request:
    """new → accepted: someone has taken the matter on."""
    request = _lock(request, "accept", expected_version)
    from_status = request.status
    request.status = S.ACCEPTED
    fields = []
    if request.owner_id is None:
        request.owner = by
        fields.append("owner")
    return _commit(
        request, kind=EventKind.ACCEPTED, by=by, from_status=from_status, text=text, fields=fields
    )


@transaction.atomic
def request_assign(
    *, request: Request, owner, by, expected_version: int | None, text: str = ""
) -> Request:
    """Give an open request a new owner (status unchanged)."""
    request = _lock(request, "assign", expected_version)
    if owner is None or not owner.is_active:
        raise CasebookError(_("Choose an active user as the owner."))
    request.owner = owner
    label = owner.get_full_name() or owner.username
    text = _("New owner: %(owner)s") % {"owner": label} + (f"。{text}" if text else "")
    return _commit(
        request,
        kind=EventKind.ASSIGNED,
        by=by,
        from_status=request.status,
        text=text,
        fields=["owner"],
    )


@transaction.atomic
def request_note(*, request: Request, by, text: str, expected_version: int | None) -> Request:
    """A progress note; an accepted request moves to "in progress"."""
    if not text.strip():
        raise CasebookError(_("Write what was done."))
    request = _lock(request, "note", expected_version)
    from_status = request.status
    if request.status == S.ACCEPTED:
        request.status = S.IN_PROGRESS
    return _commit(request, kind=EventKind.NOTE, by=by, from_status=from_status, text=text.strip())


@transaction.atomic
def request_escalate(
    *, request: Request, level: str, reason: str, by, expected_version: int | None
) -> Request:
    """Hand the request up to the village or the township, with a reason and a new owner."""
    if not reason.strip():
        raise CasebookError(_("Give a reason for escalating."))
    if level not in EscalationLevel.values:
        raise CasebookError(_("Escalate to the village or the township."))
    request = _lock(request, "escalate", expected_version)
    if request.status == S.ESCALATED and (
        request.escalation_level == EscalationLevel.TOWNSHIP or level == request.escalation_level
    ):
        raise CasebookError(_("The request is already escalated there."))
    village = request.village
    if level == EscalationLevel.VILLAGE:
        owner = role_user(RoleKind.SECRETARY, village=village)
    else:
        owner = role_user(RoleKind.TOWNSHIP, township_id=village.township_id)
    from_status = request.status
    request.status = S.ESCALATED
    request.escalation_level = level
    request.owner = owner or request.owner
    return _commit(
        request,
        kind=EventKind.ESCALATED,
        by=by,
        from_status=from_status,
        text=reason.strip(),
        fields=["escalation_level", "owner"],
    )


@transaction.atomic
def request_reply(*, request: Request, text: str, by, expected_version: int | None) -> Request:
    """The answer the household reads on its card page."""
    if not text.strip():
        raise CasebookError(_("Write the reply."))
    request = _lock(request, "reply", expected_version)
    from_status = request.status
    request.status = S.REPLIED
    request.reply = text.strip()
    request.replied_at = timezone.now()
    request.replied_by = by
    request.satisfaction = ""
    _commit(
        request,
        kind=EventKind.REPLIED,
        by=by,
        from_status=from_status,
        text=request.reply,
        fields=["reply", "replied_at", "replied_by", "satisfaction"],
    )
    # Its text follows from the "replied" line (casebook.texts): nothing more written here.
    return request


@transaction.atomic
def request_close(*, request: Request, reason: str, by, expected_version: int | None) -> Request:
    """Staff close a replied request the household cannot confirm, saying why."""
    if not reason.strip():
        raise CasebookError(_("Give a reason for closing without the household's confirmation."))
    request = _lock(request, "close", expected_version)
    from_status = request.status
    request.status = S.CLOSED
    request.closed_at = timezone.now()
    return _commit(
        request,
        kind=EventKind.CLOSED,
        by=by,
        from_status=from_status,
        text=reason.strip(),
        fields=["closed_at"],
    )


@transaction.atomic
def request_reopen(*, request: Request, reason: str, by, expected_version: int | None) -> Request:
    """Take a replied or closed matter up again."""
    if not reason.strip():
        raise CasebookError(_("Give a reason for reopening."))
    request = _lock(request, "reopen", expected_version)
    from_status = request.status
    request.status = S.IN_PROGRESS
    request.closed_at = None
    request.satisfaction = (
        Satisfaction.UNSATISFIED if from_status == S.REPLIED else request.satisfaction
    )
    return _commit(
        request,
        kind=EventKind.REOPENED,
        by=by,
        from_status=from_status,
        text=reason.strip(),
        fields=["closed_at", "satisfaction"],
    )


RATING_TEXT = {
    Satisfaction.SATISFIED: gettext_lazy("The household rated the handling: satisfied."),
    Satisfaction.BASIC: gettext_lazy("The household rated the handling: basically satisfied."),
    Satisfaction.UNSATISFIED: gettext_lazy(
        "The household rated the handling: not satisfied. Follow it up."
    ),
}


@transaction.atomic
def request_rate(*, request: Request, rating: str, text: str = "") -> Request:
    """一事一评: the household rates the reply from its card page, in one tap.

    满意 and 基本满意 close the matter; 不满意 puts it back to its owner (in progress, a
    timeline line with the household's reason) and is counted on the request.
    """
    if rating not in Satisfaction.values:
        raise CasebookError(_("Choose satisfied, basically satisfied or not satisfied."))
    request = _lock(request, "confirm", None)
    from_status = request.status
    text = (text or "").strip()[:500]
    request.satisfaction = rating
    fields = ["satisfaction", "closed_at"]
    if rating == Satisfaction.UNSATISFIED:
        request.status = S.IN_PROGRESS
        request.unsatisfied_count = F("unsatisfied_count") + 1
        fields.append("unsatisfied_count")
        kind = EventKind.REOPENED
    else:
        request.status = S.CLOSED
        request.closed_at = timezone.now()
        kind = EventKind.CONFIRMED
    label = str(RATING_TEXT[rating])
    request = _commit(
        request,
        kind=kind,
        by=None,
        from_status=from_status,
        text=f"{label} {text}".strip() if text else label,
        actor_label=HOUSEHOLD_LABEL,
        fields=fields,
    )
    request.refresh_from_db(fields=["unsatisfied_count"])
    return request


def request_confirm(*, request: Request, solved: bool, text: str = "") -> Request:
    """The household's yes or no from its card page: solved is satisfied, not solved is not
    satisfied (see request_rate)."""
    rating = Satisfaction.SATISFIED if solved else Satisfaction.UNSATISFIED
    return request_rate(request=request, rating=rating, text=text)


@transaction.atomic
def request_add(*, request: Request, text: str = "", voice: bytes | None = None) -> Request:
    """The household adds to its open matter from the card page: words, a voice message or
    both. A timeline line for the owner; the status stays as it is."""
    found = voice_check(voice) if voice is not None else None
    text = (text or "").strip()
    if not text and not found:
        raise CasebookError(_("Write or record what you want to add."))
    locked = Request.objects.select_for_update().get(pk=request.pk)
    if locked.status not in OPEN_STATUSES:
        raise CasebookError(
            _("This matter has been answered; say whether it is solved, or raise a new one.")
        )
    return _commit(
        locked,
        kind=EventKind.ADDED,
        by=None,
        from_status=locked.status,
        text=text or _voice_label(found),
        actor_label=HOUSEHOLD_LABEL,
        voice=(voice, found) if found else None,
    )


def request_sources_for_staff() -> list[tuple[str, str]]:
    """Sources staff and members record by hand (the card page records its own)."""
    return [(value, label) for value, label in RequestSource.choices if value != RequestSource.CARD]


def owner_candidates(request: Request):
    """Who may own a request: the village's member logins, its secretaries, township staff."""
    village = request.village
    # Ids from the village's own rows (indexed by village), not ORs across joins: the
    # latter read every login of the prefecture to keep a dozen.
    members = PartyMember.objects.filter(village=village, is_active=True, user__isnull=False)
    roles = Role.objects.filter(Q(village=village) | Q(township_id=village.township_id))
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(pk__in=members.values("user_id")) | Q(pk__in=roles.values("user_id")))
        .order_by("username")
    )


@transaction.atomic
def visit_record_with_request(
    *, household: Household, by, request_category=None, request_description="", **visit
) -> tuple[Visit, Request | None]:
    """A notebook entry, and (when asked) the request it raises, in one step.

    The entry is written for the member linked to the household now.
    """
    member = linked_member(household.pk)
    if member is None:
        raise CasebookError(_("This household has no liaison member; link one first."))
    entry = visit_record(member=member, household=household, by=by, **visit)
    request = None
    if request_category is not None:
        request = request_raise(
            household=household,
            category=request_category,
            description=request_description,
            source=RequestSource.VISIT,
            by=by,
            visit=entry,
        )
    return entry, request


@dataclass(frozen=True)
class Submitted:
    """What visit_submit did: the entry, the request it raised, and whether it was new."""

    visit: Visit
    request: Request | None
    replayed: bool  # the entry had been recorded before under the same phone id


@transaction.atomic
def visit_submit(*, client_id: uuid.UUID | None, by, household: Household, **fields) -> Submitted:
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
                household=household, by=by, client_id=client_id, **fields
            )
    except IntegrityError:
        found = _visit_sent_before(client_id, by) if client_id is not None else None
        if found is None:
            raise
        return found
    return Submitted(visit=visit, request=raised, replayed=False)


def _visit_sent_before(client_id: uuid.UUID, by) -> Submitted | None:
    visit = Visit.objects.filter(client_id=client_id).select_related("household").first()
    if visit is None:
        return None
    if visit.recorded_by_id != by.pk:
        raise CasebookError(_("This entry was recorded by someone else; it was not saved again."))
    raised = visit.requests.order_by("id").first()
    return Submitted(visit=visit, request=raised, replayed=True)


# --- The pavilion ---------------------------------------------------------------------------

MEETING_OUTCOMES = ("note", "reply", "follow_up")


@transaction.atomic
def request_meeting_note(*, request: Request, meeting, text: str, by) -> Request:
    """The request was discussed at a meeting: a timeline line that names the meeting."""
    request = Request.objects.select_for_update().get(pk=request.pk)
    line = _("%(kind)s on %(day)s: %(topic)s") % {
        "kind": meeting.get_kind_display(),
        # The timeline is read in Chinese: 2026年11月29日, not 2026-11-29.
        "day": date_format(timezone.localtime(meeting.held_at).date(), "DATE_FORMAT"),
        "topic": meeting.topic,
    }
    return _commit(
        request,
        kind=EventKind.MEETING,
        by=by,
        from_status=request.status,
        text=f"{line}。{text.strip()}" if text.strip() else line,
    )


@transaction.atomic
def meeting_save(*, form, decisions, village, by) -> Meeting:
    """Record a meeting, or a change to it, with its attendees and decisions, in one step.

    `form` and `decisions` are the validated meeting form and decisions formset.
    """
    meeting = form.save(commit=False)
    if meeting.pk is None:
        meeting.village = village
        meeting.created_by = by
    meeting.save()
    form.save_m2m()
    decisions.instance = meeting
    decisions.save()
    cache.touch([meeting.village_id])
    return meeting


@transaction.atomic
def meeting_close(
    *, meeting, by, outcomes: dict[int, tuple[str, str]], reply_all: str = ""
) -> None:
    """Mark a meeting held and record, per request on its agenda, what was decided.

    Each request gets a timeline line naming the meeting, then (as decided) a reply to the
    household or a new follow-up request; all through the casebook's services, in one step.
    `reply_all`, the meeting's decision, answers every request left at a progress note
    without a text of its own: a matter many households raised gets one decision, and each
    household its own reply on its own timeline.
    """
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise CasebookError(_("Only a planned meeting can be closed."))
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["status"])
    cache.touch([meeting.village_id])
    reply_all = reply_all.strip()
    for request in meeting.requests.select_related("household", "category"):
        kind, text = outcomes.get(request.pk, ("note", ""))
        if reply_all and kind == "note" and not text.strip():
            kind, text = "reply", reply_all
        if kind not in MEETING_OUTCOMES:
            raise CasebookError(_("Choose what was decided for each request."))
        if kind in ("reply", "follow_up") and not text.strip():
            raise CasebookError(
                _("Write the reply or the follow-up for request #%(id)d.") % {"id": request.pk}
            )
        note = text if kind == "note" else ""
        request = request_meeting_note(request=request, meeting=meeting, text=note, by=by)
        if kind == "reply":
            if request.status == S.NEW:
                request = request_accept(request=request, by=by, expected_version=None)
            if request.status in TRANSITIONS["reply"]:
                request_reply(request=request, text=text, by=by, expected_version=None)
        elif kind == "follow_up":
            request_raise(
                household=request.household,
                category=request.category,
                description=text,
                source=RequestSource.PAVILION,
                by=by,
            )


@transaction.atomic
def cluster_to_agenda(
    *,
    requests: list[Request],
    pavilion,
    held_at: datetime.datetime,
    by,
) -> Meeting:
    """Put a cluster of similar matters on a new planned deliberation meeting's agenda.

    Rules: the requests are open and all of the pavilion's village, and the meeting is not in
    the past; each request's timeline says it went to the pavilion (its own event). The
    meeting's topic and agenda name the matter and the households, for staff to complete.
    """
    if not requests:
        raise CasebookError(_("These matters have all been answered meanwhile."))
    if held_at < timezone.now() - datetime.timedelta(minutes=5):
        raise CasebookError(_("Choose a time that has not passed."))
    if any(r.village_id != pavilion.village_id for r in requests):
        raise CasebookError(_("The pavilion must be in the village the matters come from."))
    locked = list(
        Request.objects.select_for_update()
        .filter(pk__in=[r.pk for r in requests], status__in=OPEN_STATUSES)
        .select_related("household__group", "category")
        .order_by("created_at", "pk")
    )
    if not locked:
        raise CasebookError(_("These matters have all been answered meanwhile."))
    first = locked[0]
    topic = _("%(group)s: %(category)s, raised by %(count)d households") % {
        "group": first.household.group.name,
        "category": first.category,
        "count": len({r.household_id for r in locked}),
    }
    meeting = Meeting(
        pavilion=pavilion,
        village_id=pavilion.village_id,
        kind=MeetingKind.DELIBERATION,
        status=MeetingStatus.PLANNED,
        held_at=held_at,
        topic=topic[:200],
        agenda="\n".join(f"#{r.pk} {r.household.head_name}：{r.description[:80]}" for r in locked),
        created_by=by,
    )
    _full_clean(meeting)
    meeting.save()
    meeting.requests.set(locked)
    day = date_format(timezone.localtime(held_at).date(), "DATE_FORMAT")
    line = _("Put on the agenda of the deliberation on %(day)s: %(topic)s") % {
        "day": day,
        "topic": meeting.topic,
    }
    for request in locked:
        _commit(request, kind=EventKind.MEETING, by=by, from_status=request.status, text=line)
    cache.touch([meeting.village_id])
    return meeting


# --- A member's handover -------------------------------------------------------------------


@transaction.atomic
def member_handover(
    *, member: PartyMember, by, reason: str, to_member: PartyMember | None = None
) -> dict:
    """Move everything a member holds: their households (to one member, or by the automatic
    proposal) and the open requests they own; the cards become stale. One transaction.

    It lives in the casebook, the floor that knows both links and requests.
    """
    if not reason.strip():
        raise CasebookError(_("Give a reason for the handover."))
    households = list(
        Household.objects.filter(pk__in=open_links().filter(member=member).values("household_id"))
    )
    members.assignments_end(
        assignments=member.assignments.all(),
        on=timezone.localdate(),
        reason=_("Handover: %(reason)s") % {"reason": reason.strip()},
        by=by,
    )
    if to_member is not None:
        if to_member.pk == member.pk:
            raise CasebookError(_("Choose another member to hand over to."))
        for household in households:
            members.assignment_assign(
                household=household,
                member=to_member,
                by=by,
                note=_("Handover from %(member)s") % {"member": member},
            )
        new_owner_for = {h.pk: to_member.user for h in households}
    else:
        PartyMember.objects.filter(pk=member.pk).update(is_active=False)  # out of the proposal
        try:
            proposal = propose(member.village, keep_existing=True)
        finally:
            PartyMember.objects.filter(pk=member.pk).update(is_active=member.is_active)
        chosen = [c for c in proposal.changes if c.household.pk in {h.pk for h in households}]
        for change in chosen:
            members.assignment_assign(
                household=change.household,
                member=change.new_member,
                by=by,
                note=_("Handover from %(member)s") % {"member": member},
            )
        new_owner_for = {c.household.pk: c.new_member.user for c in chosen}
    moved_requests = 0
    if member.user_id:
        for request in Request.objects.filter(owner_id=member.user_id, status__in=OPEN_STATUSES):
            new_owner = new_owner_for.get(request.household_id) or role_user(
                RoleKind.SECRETARY, village=member.village
            )
            if new_owner is None or new_owner.pk == member.user_id:
                continue
            request_assign(
                request=request,
                owner=new_owner,
                by=by,
                expected_version=None,
                text=_("Handover from %(member)s") % {"member": member},
            )
            moved_requests += 1
    return {"households": len(households), "requests": moved_requests}
