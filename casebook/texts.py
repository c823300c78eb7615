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

A household gets messages only with a mobile number and its consent; the key of each
message (event and recipient) makes a second text for the same event impossible.
"""

import datetime

from django.utils import timezone

from casebook.models import Request
from households.models import Household
from members.models import PartyMember
from members.selectors import linked_member
from notify import services as notify

RECEIVED = "request_received"
REPLIED = "request_replied"
MEMBER_NEW = "member_new_request"
OWNER_OVERDUE = "owner_overdue"
MEMBER_DUE = "member_monthly_due"
KINDS = (RECEIVED, REPLIED, MEMBER_NEW, OWNER_OVERDUE, MEMBER_DUE)


def _day(value: datetime.date | None) -> str:
    return f"{value.month}月{value.day}日" if value else "-"


def _township_id(household: Household) -> int | None:
    village = household.village
    return village.township_id if village else None


def _to_household(request: Request, kind: str, event: str, variables) -> None:
    """Queue a text to the request's household if it agreed (read afresh, in one query with
    what the message needs: a reply must not wait on the texts)."""
    found = (
        Household.objects.filter(pk=request.household_id, sms_consent_at__isnull=False)
        .values_list("phone", "card_code", "village__township_id")
        .first()
    )
    if found is None:
        return
    phone, card_code, township_id = found
    notify.message_queue(
        kind=kind,
        key=f"{kind}:{event}:household:{request.household_id}",
        recipient=f"household:{request.household_id}",
        phone=phone,
        variables=[(name, card_code if value is CARD_CODE else value) for name, value in variables],
        subject=f"request:{request.pk}",
        township_id=township_id,
        send_after=notify.after_quiet_hours(timezone.now()),
    )


CARD_CODE = object()  # filled in with the household's card code, read with its consent


def request_received(request: Request) -> None:
    """The household hears its matter is recorded, with its number and reply date."""
    _to_household(
        request, RECEIVED, str(request.pk), [("no", request.pk), ("due", _day(request.due_on))]
    )


def request_replied(request: Request, event_id: int) -> None:
    """The household hears it has a reply, with the short link to read and rate it."""
    _to_household(
        request, REPLIED, f"{request.pk}:{event_id}", [("no", request.pk), ("code", CARD_CODE)]
    )


def member_new_request(request: Request) -> None:
    """The household's member hears of a matter raised on the card, at once; at night it
    waits for the morning unless its category is urgent."""
    member = linked_member(request.household_id)
    if member is None or not member.is_active:
        return
    now = timezone.now()
    notify.message_queue(
        kind=MEMBER_NEW,
        key=f"{MEMBER_NEW}:{request.pk}:member:{member.pk}",
        recipient=f"member:{member.pk}",
        phone=member.phone,
        variables=[
            ("name", request.household.head_name),
            ("category", request.category.name),
            ("no", request.pk),
        ],
        subject=f"request:{request.pk}",
        township_id=_township_id(request.household),
        send_after=now if request.category.is_urgent else notify.after_quiet_hours(now),
    )


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
