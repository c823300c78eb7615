"""Queueing and delivering text messages. Nothing here waits for a provider on a request.

`message_queue()` writes the outbox row and its worker task in the caller's transaction
(both are committed, or neither: no message is lost, none is queued for an action that was
rolled back), in two statements: the row is inserted unless its key exists (INSERT … ON
CONFLICT DO NOTHING, no savepoint, no read first), and the task names the key, so a
second call for the same key at most queues a task that finds nothing to send.

The worker's `message_deliver()` claims the row (queued → sending, one statement), checks
the limits, calls the backend and records the answer; a provider error queues it again
with back-off, up to SMS_MAX_ATTEMPTS tries. The unique `key` makes a second
message for the same event and recipient impossible.
"""

import datetime
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypedDict

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notify.backends import PermanentFailure, TemporaryFailure, get_backend, units_for
from notify.models import Message, MessageStatus, OptOut

logger = logging.getLogger(__name__)

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
STALE_SENDING = datetime.timedelta(minutes=10)


CAP_REACHED = gettext_lazy(
    "Waiting until tomorrow: the township's daily number of text messages is reached."
)


class NotifyError(Exception):
    """A message that cannot be queued; the message is fit to show the user."""


def is_mobile(phone: str) -> bool:
    """A mainland mobile number (11 digits, 1[3-9]…): the only numbers a text reaches."""
    return bool(MOBILE_RE.match(phone or ""))


def after_quiet_hours(moment: datetime.datetime) -> datetime.datetime:
    """The moment itself, or the end of the night (SMS_QUIET_END, local time) when it falls
    between SMS_QUIET_START and SMS_QUIET_END: nobody's phone buzzes at night."""
    local = timezone.localtime(moment)
    start, end = settings.SMS_QUIET_START, settings.SMS_QUIET_END
    if start == end:
        return moment
    quiet = local.hour >= start or local.hour < end if start > end else start <= local.hour < end
    if not quiet:
        return moment
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if local.hour >= end:
        morning += datetime.timedelta(days=1)
    return morning


def _tomorrow_morning(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return (local + datetime.timedelta(days=1)).replace(
        hour=settings.SMS_QUIET_END, minute=0, second=0, microsecond=0
    )


def _enqueue(message: Message) -> None:
    from notify.tasks import deliver_message

    deliver_message.using(run_after=message.send_after).enqueue(message.key)


# Joins the caller's transaction without a savepoint (two statements, not four): nothing
# here needs rolling back on its own.
@transaction.atomic(savepoint=False)
def message_queue(
    *,
    kind: str,
    key: str,
    recipient: str,
    phone: str,
    variables: Iterable[tuple[str, object]],
    subject: str = "",
    township_id: int | None = None,
    send_after: datetime.datetime | None = None,
) -> Message | None:
    """Queue one text message for the worker, once per `key` (event and recipient).

    A number that is not a mainland mobile gets no message (None). A second call with the
    same key changes nothing: the row of the first stays as it is (the message returned is
    the one asked for, not read back).
    """
    message = _message(
        kind=kind,
        key=key,
        recipient=recipient,
        phone=phone,
        variables=variables,
        subject=subject,
        township_id=township_id,
        send_after=send_after,
    )
    if message is None:
        return None
    Message.objects.bulk_create([message], ignore_conflicts=True)
    _enqueue(message)
    return message


def _message(
    *,
    kind: str,
    key: str,
    recipient: str,
    phone: str,
    variables: Iterable[tuple[str, object]],
    subject: str,
    township_id: int | None,
    send_after: datetime.datetime | None,
) -> Message | None:
    if not is_mobile(phone):
        return None
    now = timezone.now()
    message = Message(
        key=key[:120],
        kind=kind,
        recipient=recipient,
        phone=phone,
        subject=subject,
        township_id=township_id,
        template_code=settings.SMS_TEMPLATES.get(kind.upper(), ""),
        variables=[[name, str(value)] for name, value in variables],
        send_after=max(send_after or now, now),
        created_at=now,
        updated_at=now,
    )
    message.full_clean(validate_unique=False)
    return message


BATCH = 500


class Text(TypedDict):
    """One message of messages_queue_many(): message_queue()'s arguments but the subject."""

    kind: str
    key: str
    recipient: str
    phone: str
    variables: Iterable[tuple[str, object]]
    township_id: int | None
    send_after: datetime.datetime | None


@transaction.atomic(savepoint=False)
def messages_queue_many(items: Iterable[Text]) -> int:
    """Queue many messages at once (a monthly reminder to every member): each as
    message_queue() would, inserted in batches, one worker task per BATCH messages (a task
    per message would cost the worker more than sending it). How many were asked for."""
    made = (
        _message(
            kind=item["kind"],
            key=item["key"],
            recipient=item["recipient"],
            phone=item["phone"],
            variables=item["variables"],
            subject="",
            township_id=item["township_id"],
            send_after=item["send_after"],
        )
        for item in items
    )
    messages = [m for m in made if m is not None]
    for start in range(0, len(messages), BATCH):
        chunk = messages[start : start + BATCH]
        Message.objects.bulk_create(chunk, ignore_conflicts=True)
        from notify.tasks import deliver_messages

        after = max(m.send_after for m in chunk)
        deliver_messages.using(run_after=after).enqueue([m.key for m in chunk])
    return len(messages)


OPT_OUT_WORDS = {"TD", "T", "N", "R", "退订", "取消", "拒收", "UNSUBSCRIBE"}


@transaction.atomic
def phone_opt_out(*, phone: str, provider: str = "") -> bool:
    """The owner of a number replied 退订: no more texts to it, from now on (those waiting
    are cancelled, later ones are cancelled by the worker)."""
    if not is_mobile(phone):
        return False
    OptOut.objects.bulk_create(
        [OptOut(phone=phone, provider=provider, at=timezone.now())], ignore_conflicts=True
    )
    Message.objects.filter(phone=phone, status=MessageStatus.QUEUED).update(
        status=MessageStatus.CANCELLED, error=_("Cancelled: the recipient opted out.")
    )
    return True


@transaction.atomic
def phone_opt_in(*, phone: str) -> None:
    """The household agreed again (card page or staff): its number may be texted."""
    OptOut.objects.filter(phone=phone).delete()


# Said anywhere in a reply ("退订。谢谢", "我要退订", "退订TD"): the number wants no texts.
OPT_OUT_PHRASES = ("退订", "拒收", "不要再发", "UNSUBSCRIBE")


def is_opt_out_reply(text: str) -> bool:
    """A reply asking for no more texts: one of the usual short answers alone (TD, T, N, R,
    取消) or a phrase of OPT_OUT_PHRASES anywhere in it (spaces and punctuation aside)."""
    words = re.sub(r"[\s。.,，!！?？、]", "", text or "").upper()
    return (
        words in OPT_OUT_WORDS
        or any(phrase in words for phrase in OPT_OUT_PHRASES)
        or words.startswith("TD")
        or words.endswith("TD")
    )


def mobile_digits(phone: str) -> str:
    """A mainland mobile number as the outbox keeps it: digits only, without the country
    code a provider may put before it (+86, 86, 0086)."""
    digits = re.sub(r"\D", "", phone or "")
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


@transaction.atomic
def messages_cancel(*, recipient: str) -> int:
    """Cancel every message still waiting for a recipient (an opt-out is honoured at once)."""
    return Message.objects.filter(recipient=recipient, status=MessageStatus.QUEUED).update(
        status=MessageStatus.CANCELLED, error=_("Cancelled: the recipient opted out.")
    )


def trimmed(variables: Iterable[Sequence[object]], limit: int) -> list[list[str]]:
    """Each value (of [name, value] pairs) cut to the provider's limit, ending with "…" when
    cut: a long value is shortened, never refused."""
    out = []
    for name, value in variables:
        text = str(value)
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        out.append([str(name), text])
    return out


def _postpone(message: Message, until: datetime.datetime, note: str) -> None:
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.QUEUED,
            send_after=until,
            error=note[:200],
            attempts=F("attempts") - 1,
        )
        message.send_after = until
        _enqueue(message)


def _limit_hit(message: Message, now: datetime.datetime) -> tuple[datetime.datetime, str] | None:
    """When and why a message must wait for a limit: the phone's minute and day, the
    township's day."""
    sent = Message.objects.filter(sent_at__isnull=False).exclude(pk=message.pk)
    minute = settings.SMS_PER_PHONE_PER_MINUTE
    if (
        minute
        and sent.filter(
            phone=message.phone, sent_at__gt=now - datetime.timedelta(minutes=1)
        ).count()
        >= minute
    ):
        return now + datetime.timedelta(seconds=61), _("Waiting: one message a minute per number.")
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = sent.filter(sent_at__gte=day_start)
    per_day = settings.SMS_PER_PHONE_PER_DAY
    if per_day and today.filter(phone=message.phone).count() >= per_day:
        return _tomorrow_morning(now), _(
            "Waiting until tomorrow: this number had its messages for today."
        )
    cap = settings.SMS_TOWNSHIP_DAILY_CAP
    if cap and message.township_id and today.filter(township_id=message.township_id).count() >= cap:
        return _tomorrow_morning(now), str(CAP_REACHED)
    return None


def backoff(attempts: int) -> datetime.timedelta:
    """SMS_RETRY_SECONDS (30 s), then twice as long each try, at most 15 min between tries."""
    first = settings.SMS_RETRY_SECONDS
    return datetime.timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), 900))


# Recipient kind ("household" of "household:12") → a function telling whether that
# recipient still wants texts at this number (`still_wanted(id, phone)`): the feature that
# holds the consent registers it (households.apps), this layer knows no feature.
RECIPIENT_CHECKS: dict[str, Callable[[str, str], bool]] = {}


def register_recipient_check(kind: str, still_wanted: Callable[[str, str], bool]) -> None:
    RECIPIENT_CHECKS[kind] = still_wanted


def _still_wanted(message: Message) -> bool:
    """Asked again at sending time: consent withdrawn (or the number changed) since the
    message was queued cancels it, whichever way it got here (a retry, a dead worker's
    message put back, a reply queued while the household withdrew)."""
    kind, _sep, ident = message.recipient.partition(":")
    check = RECIPIENT_CHECKS.get(kind)
    return check is None or check(ident, message.phone)


def message_deliver(key: str) -> str:
    """Send one queued message through the backend, once (run by the worker)."""
    now = timezone.now()
    claimed = Message.objects.filter(
        key=key,
        status=MessageStatus.QUEUED,
        send_after__lte=now + datetime.timedelta(seconds=1),
    ).update(status=MessageStatus.SENDING, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return "skipped"  # sent, cancelled, taken by another worker, or not yet due
    message = Message.objects.get(key=key)
    if OptOut.objects.filter(phone=message.phone).exists() or not _still_wanted(message):
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.CANCELLED, error=_("Cancelled: the recipient opted out.")
        )
        return "cancelled"
    wait = _limit_hit(message, now)
    if wait is not None:
        _postpone(message, *wait)
        return "postponed"
    backend = get_backend()
    template_code = message.template_code or settings.SMS_TEMPLATES.get(message.kind.upper(), "")
    if not template_code and backend.name in ("aliyun", "tencent"):
        return _fail(
            message,
            _("No template registered for this kind of message (%(name)s).")
            % {"name": f"SMS_TEMPLATE_{message.kind.upper()}"},
        )
    variables = trimmed(
        message.variables, settings.SMS_VARIABLE_MAX_CHARS or backend.max_variable_chars
    )
    sign_name = settings.SMS_SIGN_NAME or ""
    try:
        result = backend.send(
            phone=message.phone,
            template_code=template_code or message.kind,
            variables=variables,
            sign_name=sign_name,
            out_id=message.key,
        )
    except TemporaryFailure as error:
        if message.attempts >= settings.SMS_MAX_ATTEMPTS:
            return _fail(
                message,
                _("The provider did not take the message after %(n)d tries: %(error)s")
                % {"n": message.attempts, "error": error},
            )
        with transaction.atomic():
            Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                status=MessageStatus.QUEUED,
                send_after=now + backoff(message.attempts),
                error=str(error)[:200],
            )
            message.send_after = now + backoff(message.attempts)
            _enqueue(message)
        return "retry"
    except PermanentFailure as error:
        return _fail(message, _("The provider refused the message: %(error)s") % {"error": error})
    length = len(sign_name) + 2 + sum(len(v) for _n, v in variables) + 40
    sent = {
        "status": MessageStatus.SENT,
        "provider": backend.name,
        "provider_id": result.provider_id[:64],
        "units": result.units or units_for(length),
        "sent_at": timezone.now(),
        "error": "",
    }
    _write_hard(lambda: Message.objects.filter(pk=message.pk).update(**sent))
    return "sent"


def _write_hard(write: Callable[[], object], seconds: float = 60) -> None:
    """Record what the provider took, through a database outage of up to a minute: a row
    left "sending" would be queued again by the sweep and the text sent twice."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            write()
            return
        except DatabaseError:
            if time.monotonic() > deadline or connection.in_atomic_block:
                raise
            logger.warning("SMS: the database is away; the sent message is written again")
            connection.close()
            time.sleep(1)


def messages_deliver_many(keys: list[str]) -> dict[str, int]:
    """Deliver a batch, SMS_SEND_THREADS calls to the provider at a time (each waits mostly
    on the network; every message is still claimed once, in one statement). Inside a
    transaction (tests) one at a time, on the caller's connection."""
    outcomes: dict[str, int] = {}
    threads = settings.SMS_SEND_THREADS
    if threads <= 1 or connection.in_atomic_block:
        results = [message_deliver(key) for key in keys]
    else:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sms") as pool:
            results = list(pool.map(_deliver_on_own_connection, keys))
    for outcome in results:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _deliver_on_own_connection(key: str) -> str:
    try:
        return message_deliver(key)
    finally:
        connection.close()  # this thread's connection


def _fail(message: Message, error: str) -> str:
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, error=error[:200])
    logger.warning("SMS %s (%s) failed: %s", message.pk, message.kind, error)
    return "failed"


def messages_recover(*, older_than: datetime.timedelta = STALE_SENDING) -> int:
    """Queue again what a dead worker left behind (`manage.py sms_sweep`, from cron): the
    messages it left "sending", and those still queued long after their time (their task
    went with the worker). A message claimed twice is sent once: the claim is one statement.
    The provider may have taken a "sending" one just before the worker died: that one rare
    case is the only way a text can arrive twice."""
    cutoff = timezone.now() - older_than
    stale = Message.objects.filter(
        Q(status=MessageStatus.SENDING, updated_at__lt=cutoff)
        | Q(status=MessageStatus.QUEUED, send_after__lt=cutoff)
    )
    count = 0
    for message in stale:
        with transaction.atomic():
            if Message.objects.filter(
                pk=message.pk, status__in=[MessageStatus.SENDING, MessageStatus.QUEUED]
            ).update(status=MessageStatus.QUEUED, send_after=timezone.now()):
                message.send_after = timezone.now()
                _enqueue(message)
                count += 1
    return count


@transaction.atomic
def receipt_record(
    *,
    provider: str,
    provider_id: str,
    delivered: bool,
    error: str = "",
    at: datetime.datetime | None = None,
) -> bool:
    """A provider's delivery receipt: the message is delivered, or failed with the
    carrier's code. Unknown ids are ignored (False)."""
    if not provider_id:
        return False
    found = Message.objects.filter(provider=provider, provider_id=provider_id).exclude(
        status=MessageStatus.DELIVERED
    )
    if delivered:
        return bool(found.update(status=MessageStatus.DELIVERED, delivered_at=at or timezone.now()))
    return bool(
        found.update(
            status=MessageStatus.FAILED,
            error=(_("The phone did not receive it: %(error)s") % {"error": error or "?"})[:200],
        )
    )
