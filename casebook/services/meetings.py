"""The neighbour deliberation pavilion (议事亭): its meetings, their decisions, and the
matters put on their agendas."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casebook.models import (
    OPEN_STATUSES,
    EventKind,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingStatus,
    Pavilion,
    Request,
    RequestSource,
)
from casebook.services.common import CasebookError, _full_clean
from casebook.services.requests import (
    TRANSITIONS,
    S,
    _commit,
    request_accept,
    request_raise,
    request_reply,
)
from households.models import Household, Village
from infra import cache
from members.models import PartyMember

MEETING_OUTCOMES = ("note", "reply", "follow_up")


@dataclass(frozen=True)
class MeetingRecord:
    """What a meeting's record says: the meeting form's values, checked there (every choice
    from the meeting's own village, a mediation's parts only on a mediation)."""

    kind: str
    pavilion: Pavilion
    held_at: datetime.datetime
    topic: str
    convener: PartyMember | None = None
    attendee_members: Sequence[PartyMember] = ()
    attendee_households: Sequence[Household] = ()
    others_present: int = 0
    agenda: str = ""
    requests: Sequence[Request] = ()
    minutes: str = ""
    parties: Sequence[Household] = ()
    outcome: str = ""
    agreement: str = ""
    follow_up_on: datetime.date | None = None
    follow_up_member: PartyMember | None = None


@dataclass(frozen=True)
class DecisionLine:
    """One decision the meeting keeps; `pk` names a line recorded before, None a new one."""

    text: str
    responsible: PartyMember | None = None
    due_on: datetime.date | None = None
    pk: int | None = None


@transaction.atomic
def request_meeting_note(*, request: Request, meeting: Meeting, text: str, by: User) -> Request:
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
def meeting_save(
    *,
    meeting: Meeting | None,
    village: Village,
    record: MeetingRecord,
    decisions: Sequence[DecisionLine],
    removed: Sequence[int] = (),
    by: User,
) -> Meeting:
    """Record a new meeting of the village (`meeting` None), or a change to one, with its
    attendees and decisions, in one step.

    `decisions` are the lines the page showed and kept: a line with an id is changed, one
    without is added. `removed` names the lines the user struck out; a line the page did not
    show (another user added it meanwhile) stays.
    """
    if meeting is None:
        meeting = Meeting(village=village, created_by=by)
    meeting.kind = record.kind
    meeting.pavilion = record.pavilion
    meeting.held_at = record.held_at
    meeting.topic = record.topic
    meeting.convener = record.convener
    meeting.others_present = record.others_present
    meeting.agenda = record.agenda
    meeting.minutes = record.minutes
    meeting.outcome = record.outcome
    meeting.agreement = record.agreement
    meeting.follow_up_on = record.follow_up_on
    meeting.follow_up_member = record.follow_up_member
    meeting.save()
    meeting.attendee_members.set(record.attendee_members)
    meeting.attendee_households.set(record.attendee_households)
    meeting.requests.set(record.requests)
    meeting.parties.set(record.parties)
    _decisions_save(meeting, decisions, removed)
    cache.touch([meeting.village_id])
    return meeting


def _decisions_save(
    meeting: Meeting, lines: Sequence[DecisionLine], removed: Sequence[int]
) -> None:
    if removed:
        meeting.decision_lines.filter(pk__in=removed).delete()
    for line in lines:
        values = {"text": line.text, "responsible": line.responsible, "due_on": line.due_on}
        if line.pk is None:
            MeetingDecision.objects.create(meeting=meeting, **values)
        else:
            meeting.decision_lines.filter(pk=line.pk).update(**values)


@transaction.atomic
def meeting_close(
    *, meeting: Meeting, by: User, outcomes: dict[int, tuple[str, str]], reply_all: str = ""
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
    pavilion: Pavilion,
    held_at: datetime.datetime,
    by: User,
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
