"""Requests (诉求): raised, accepted, answered, closed or reopened, each step on the timeline.

Every request transition writes exactly one RequestEvent with its actor, refuses an illegal
move with a message fit for the user, and refuses a stale form (optimistic version check
under a row lock), so that two people acting at once never overwrite each other.
"""

import datetime
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from base import audio
from casebook.models import (
    OPEN_STATUSES,
    EscalationLevel,
    EventKind,
    Request,
    RequestCategory,
    RequestEvent,
    RequestSource,
    RequestStatus,
    Satisfaction,
    Visit,
    VoiceNote,
)
from casebook.services.common import CasebookError, StaleRequest, _full_clean, role_user
from households.models import Household, Role, RoleKind
from infra import cache
from members.models import PartyMember
from members.selectors import linked_member

# A voice message: what a phone records in 60 s at the bit rates browsers use (Opus ~32 kbit/s,
# AAC up to ~128 kbit/s) fits well within 2 MB; the seconds are read from the container.
MAX_VOICE_BYTES = 2 * 1024 * 1024
MAX_VOICE_SECONDS = 60
VOICE_GRACE_SECONDS = 2  # a recorder stops a moment after the 60 s timer
HOUSEHOLD_LABEL = gettext_lazy("Household (card page)")
# A text either plain or translated when it is shown (gettext_lazy).
StrOrPromise = str | Promise


def default_owner(household: Household) -> User | None:
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
    by: User | None = None,
    actor_label: StrOrPromise = "",
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
    if voice is not None and found:
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
    request: Request,
    *,
    kind: str,
    by: User | None,
    from_status: str,
    text: str = "",
    actor_label: StrOrPromise = "",
    fields: Sequence[str] = (),
    voice: tuple[bytes, audio.Audio] | None = None,
) -> Request:
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
    *, request: Request, by: User, expected_version: int | None, text: str = ""
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
    *, request: Request, owner: User | None, by: User, expected_version: int | None, text: str = ""
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
def request_note(*, request: Request, by: User, text: str, expected_version: int | None) -> Request:
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
    *, request: Request, level: str, reason: str, by: User, expected_version: int | None
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
        owner = role_user(RoleKind.TOWNSHIP, village=village)
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
def request_reply(
    *, request: Request, text: str, by: User, expected_version: int | None
) -> Request:
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
def request_close(
    *, request: Request, reason: str, by: User, expected_version: int | None
) -> Request:
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
def request_reopen(
    *, request: Request, reason: str, by: User, expected_version: int | None
) -> Request:
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


RATING_TEXT: dict[str, Promise] = {
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
        text=text if found is None else text or _voice_label(found),
        actor_label=HOUSEHOLD_LABEL,
        voice=(voice, found) if voice is not None and found is not None else None,
    )


def request_sources_for_staff() -> list[tuple[str, StrOrPromise]]:
    """Sources staff and members record by hand (the card page records its own)."""
    return [(value, label) for value, label in RequestSource.choices if value != RequestSource.CARD]


def owner_candidates(request: Request) -> QuerySet[User]:
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
