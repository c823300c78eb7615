"""The casebook's text messages (短信): what is sent, to whom, with which variables.

Each kind is a template the township registers with its provider (README, "Text
messages"); this module names the kinds, fills their variables and hands them to the
outbox (`notify`), which sends them from the worker. Nothing here waits for a provider.

- `request_received` → the household: its matter is recorded (number, reply due);
- `request_replied` → the household: a reply to read and rate (number, card code for the
  short link /k/<code>);
- `member_new_request` → the member: a matter raised on one of their households' cards
  (held during quiet hours unless its category is urgent);
- `owner_overdue` → an owner: one digest a day of their overdue matters;
- `member_monthly_due` → a member: households still to visit this month (if the township
  turns it on).

The first three follow from a request's timeline lines ("raised", "replied"), which the
action writes anyway: the action itself writes nothing for the texts and reads nothing for
them, so a reply or a card submission takes no longer with texts on. The worker's poll
(`notify.feeds`, every few seconds) reads the lines written since its last poll
(`timeline_read`, the feed TIMELINE) and queues their texts; until then the request's page
shows the text as waiting (`waiting_texts`). The digests and monthly reminders are queued
by their commands.

A household gets messages only with a mobile number and its consent (read when the poll
queues the text, and again when the worker sends it); the key of each message (event and
recipient) makes a second text for the same event impossible.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from casebook.models import EventKind, Request, RequestEvent, RequestSource
from members.models import Assignment, PartyMember
from notify import feeds
from notify import services as notify
from notify.models import Cursor, Message, mask_phone

RECEIVED = "request_received"
REPLIED = "request_replied"
MEMBER_NEW = "member_new_request"
OWNER_OVERDUE = "owner_overdue"
MEMBER_DUE = "member_monthly_due"
KINDS = (RECEIVED, REPLIED, MEMBER_NEW, OWNER_OVERDUE, MEMBER_DUE)

TIMELINE = "casebook.timeline"  # the feed's name (its cursor's)
TEXTED = (EventKind.CREATED, EventKind.REPLIED)  # the timeline lines that cause texts


@dataclass(frozen=True)
class TextLine:
    """A text message as a line of a request's timeline (casebook/request_detail.html)."""

    at: datetime.datetime
    status: str
    to_household: bool
    masked_phone: str
    send_after: datetime.datetime
    error: str
    provider: str
    waiting: bool = False  # not yet in the outbox: the worker's poll has yet to queue it
    is_text: bool = True

    @classmethod
    def of(cls, message: Message) -> "TextLine":
        return cls(
            at=message.sent_at or message.created_at,
            status=message.status,
            to_household=message.recipient.startswith("household:"),
            masked_phone=message.masked_phone,
            send_after=message.send_after,
            error=message.error,
            provider=message.provider,
        )


def _day(value: datetime.date | None) -> str:
    return f"{value.month}月{value.day}日" if value else "-"


def _received_key(request_id: int, household_id: int) -> str:
    return f"{RECEIVED}:{request_id}:household:{household_id}"


def _replied_key(request_id: int, version: int, household_id: int) -> str:
    # The request's version the reply made: a second reply is a new event, texted again.
    return f"{REPLIED}:{request_id}:{version}:household:{household_id}"


def _member_key(request_id: int, member_id: int) -> str:
    return f"{MEMBER_NEW}:{request_id}:member:{member_id}"


# Each timeline line after the reply raised the request's version by one (services._commit),
# so the version a reply made is the request's version now less the lines written since.
_LATER_LINES = (
    RequestEvent.objects.filter(request=OuterRef("request"), pk__gt=OuterRef("pk"))
    .order_by()
    .values("request")
    .annotate(n=Count("pk"))
    .values("n")
)

_FIELDS = {  # what a line's texts need, read with it
    "household_id": F("request__household_id"),
    "source": F("request__source"),
    "due_on": F("request__due_on"),
    "version": F("request__version"),
    "category": F("request__category__name"),
    "urgent": F("request__category__is_urgent"),
    "phone": F("request__household__phone"),
    "card_code": F("request__household__card_code"),
    "consent": F("request__household__sms_consent_at"),
    "head_name": F("request__household__head_name"),
    "township_id": F("request__household__village__township_id"),
}


def timeline_read(after: int, upto: int, limit: int) -> int:
    """The feed TIMELINE (run by the worker's poll, in its transaction): queue the texts of
    the "raised" and "replied" lines with after < id ≤ upto, at most `limit` of them; the
    id of the last line read.

    Per line, as the action would have: the household's text if it consents now (received
    or replied), the member's if the matter was raised on the card page (at night only an
    urgent category goes at once). Three queries for the whole batch, then the outbox's
    rows.
    """
    lines = list(
        RequestEvent.objects.filter(pk__gt=after, pk__lte=upto, kind__in=TEXTED)
        .order_by("pk")
        .annotate(later=Coalesce(Subquery(_LATER_LINES), Value(0), output_field=IntegerField()))
        .values("pk", "kind", "later", "request_id", **_FIELDS)[:limit]
    )
    card_households = {
        line["household_id"]
        for line in lines
        if line["kind"] == EventKind.CREATED and line["source"] == RequestSource.CARD
    }
    members = _members_of(card_households)
    now = timezone.now()
    morning = notify.after_quiet_hours(now)
    for line in lines:
        _queue_line(line, members, now=now, morning=morning)
    return lines[-1]["pk"] if len(lines) == limit else upto


def _members_of(household_ids) -> dict[int, tuple[int, str]]:
    """Each household's liaison member now (one open link per household): (id, phone)."""
    if not household_ids:
        return {}
    return {
        household_id: (member_id, phone)
        for household_id, member_id, phone in Assignment.objects.filter(
            household_id__in=household_ids, ended_on__isnull=True, member__is_active=True
        ).values_list("household_id", "member_id", "member__phone")
    }


def _queue_line(line: dict, members: dict, *, now, morning) -> None:
    request_id, household_id = line["request_id"], line["household_id"]
    common = {"subject": f"request:{request_id}", "township_id": line["township_id"]}
    if line["consent"] is not None:
        if line["kind"] == EventKind.CREATED:
            key = _received_key(request_id, household_id)
            variables = [("no", request_id), ("due", _day(line["due_on"]))]
            kind = RECEIVED
        else:
            key = _replied_key(request_id, line["version"] - line["later"], household_id)
            variables = [("no", request_id), ("code", line["card_code"])]
            kind = REPLIED
        notify.message_queue(
            kind=kind,
            key=key,
            recipient=f"household:{household_id}",
            phone=line["phone"],
            variables=variables,
            send_after=morning,
            **common,
        )
    member = members.get(household_id)
    if line["kind"] == EventKind.CREATED and line["source"] == RequestSource.CARD and member:
        member_id, phone = member
        notify.message_queue(
            kind=MEMBER_NEW,
            key=_member_key(request_id, member_id),
            recipient=f"member:{member_id}",
            phone=phone,
            variables=[
                ("name", line["head_name"]),
                ("category", line["category"]),
                ("no", request_id),
            ],
            send_after=now if line["urgent"] else morning,
            **common,
        )


def waiting_texts(
    request: Request, events: list[RequestEvent], texts: list[Message]
) -> list[TextLine]:
    """The texts the worker's poll has yet to queue for the request's latest lines, as
    timeline lines ("短信待发送"): staff see at once, after a reply, that the household will
    be told. Nothing to read when every line's texts are in the outbox (`texts`); else
    one query (the poll's cursor).
    """
    household = request.household
    made = {text.key for text in texts}
    member_told = any(text.kind == MEMBER_NEW for text in texts)
    consents = household.sms_consent_at is not None and notify.is_mobile(household.phone)
    ids = sorted(event.pk for event in events)
    candidates = []
    for event in events:
        if event.kind not in TEXTED:
            continue
        if consents:
            if event.kind == EventKind.CREATED:
                key = _received_key(request.pk, household.pk)
            else:
                later = len(ids) - ids.index(event.pk) - 1
                key = _replied_key(request.pk, request.version - later, household.pk)
            if key not in made:
                candidates.append((event, True))
        if (
            event.kind == EventKind.CREATED
            and request.source == RequestSource.CARD
            and not member_told
        ):
            candidates.append((event, False))
    if not candidates:
        return []
    position = Cursor.objects.filter(name=TIMELINE).values_list("position", flat=True).first()
    now = timezone.now()
    return [
        TextLine(
            waiting=True,
            status="queued",
            at=event.at,
            to_household=to_household,
            masked_phone=mask_phone(household.phone) if to_household else "",
            send_after=notify.after_quiet_hours(now)
            if to_household or not request.category.is_urgent
            else now,
            error="",
            provider="",
        )
        for event, to_household in candidates
        if position is None or event.pk > position
    ]


def register() -> None:
    """The timeline's feed, polled by the worker (casebook.apps)."""
    feeds.register_feed(TIMELINE, events=RequestEvent, read=timeline_read)


def owner_overdue(*, owner_id: int, phone: str, count: int, oldest: Request, township_id) -> bool:
    """One digest a day to an owner: how many of their matters are overdue, the oldest's
    number. The key holds the day, so a second run the same day sends nothing more."""
    today = timezone.localdate()
    message = notify.message_queue(
        kind=OWNER_OVERDUE,
        key=f"{OWNER_OVERDUE}:{today.isoformat()}:user:{owner_id}",
        recipient=f"user:{owner_id}",
        phone=phone,
        variables=[("count", count), ("no", oldest.pk), ("due", _day(oldest.due_on))],
        township_id=township_id,
        send_after=notify.after_quiet_hours(timezone.now()),
    )
    return message is not None


def members_monthly_due(*, counts: dict[PartyMember, int], township_id: int) -> int:
    """Members' monthly reminders, queued at once: households still to visit this month, one
    text per member a month (the key holds the month)."""
    month = timezone.localdate().strftime("%Y-%m")
    send_after = notify.after_quiet_hours(timezone.now())
    return notify.messages_queue_many(
        {
            "kind": MEMBER_DUE,
            "key": f"{MEMBER_DUE}:{month}:member:{member.pk}",
            "recipient": f"member:{member.pk}",
            "phone": member.phone,
            "variables": [("name", member.name), ("count", due)],
            "township_id": township_id,
            "send_after": send_after,
        }
        for member, due in counts.items()
    )
