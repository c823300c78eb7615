"""What a review of the text messages found: consent asked again when sending, the callback
secret kept out of logs, the card code kept out of the console, 退订 however it is said."""

import io
import logging
from contextlib import redirect_stdout

import pytest
from django.conf import settings
from django.utils import timezone

from households.models import Household
from notify import services
from notify.backends import ConsoleBackend
from notify.log_filters import RedactCallbackSecret, redact
from notify.models import Message, MessageStatus
from tests.factories import HouseholdFactory
from tests.jobs import run_tasks

pytestmark = pytest.mark.django_db


def _queue_for(household: Household, key: str = "event:1") -> Message:
    services.message_queue(
        key=key,
        phone=household.phone,
        township_id=None,
        kind="request_replied",
        recipient=f"household:{household.pk}",
        variables=[("no", 12), ("code", "T69XM3PUMJ")],
        subject="request:12",
    )
    return Message.objects.get(key=key)


def test_a_withdrawal_that_missed_the_cancel_still_stops_the_text(world, _sms_outbox):
    """The worker asks again: a household that withdrew after its text was queued (a retry,
    a dead worker's message put back, a reply racing the withdrawal) is not texted."""
    household = HouseholdFactory(village=world.village_a, sms_consent_at=timezone.now())
    message = _queue_for(household)
    Household.objects.filter(pk=household.pk).update(sms_consent_at=None)  # no cancel ran
    assert services.message_deliver(message.key) == "cancelled"
    run_tasks()
    message.refresh_from_db()
    assert message.status == MessageStatus.CANCELLED and _sms_outbox.sent == []


def test_a_text_queued_for_an_old_number_is_not_sent_to_it(world, _sms_outbox):
    household = HouseholdFactory(village=world.village_a, sms_consent_at=timezone.now())
    message = _queue_for(household)
    Household.objects.filter(pk=household.pk).update(phone="13700000000")
    assert services.message_deliver(message.key) == "cancelled"
    assert _sms_outbox.sent == []


def test_a_consenting_household_is_texted(world, _sms_outbox):
    household = HouseholdFactory(village=world.village_a, sms_consent_at=timezone.now())
    message = _queue_for(household)
    assert services.message_deliver(message.key) == "sent"
    assert _sms_outbox.sent[0]["phone"] == household.phone


def test_the_callback_secret_never_reaches_a_log_line():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Method Not Allowed (%s): %s",
        ("GET", "/sms/receipts/aliyun/s3cr3t-value-123/"),
        None,
    )
    assert RedactCallbackSecret().filter(record)
    assert "s3cr3t-value-123" not in record.getMessage()
    assert "/sms/receipts/aliyun/***/" in record.getMessage()
    assert redact("POST /sms/replies/tencent/abc/ 403") == "POST /sms/replies/tencent/***/ 403"
    # And every line the project logs passes through it.
    assert "callback_secret" in settings.LOGGING["handlers"]["console"]["filters"]


def test_the_console_backend_shows_no_card_code(caplog):
    out = io.StringIO()
    with redirect_stdout(out), caplog.at_level(logging.WARNING):
        ConsoleBackend().send(
            phone="13912345678",
            template_code="",
            variables=[("no", 12), ("code", "T69XM3PUMJ")],
            sign_name="东山乡",
            out_id="x",
        )
    assert "T69XM3PUMJ" not in out.getvalue() + caplog.text
    assert "13912345678" not in out.getvalue() + caplog.text


@pytest.mark.parametrize(
    "text", ["退订", "退订。谢谢", "我要退订", "退订TD", " td ", "T", "请不要再发了", "拒收"]
)
def test_opt_out_however_it_is_said(text):
    assert services.is_opt_out_reply(text)


@pytest.mark.parametrize("text", ["好的", "谢谢", "已收到", "", "TODAY OK"])
def test_other_replies_are_not_opt_outs(text):
    assert not services.is_opt_out_reply(text)


@pytest.mark.parametrize(
    "phone", ["13912345678", "+8613912345678", "8613912345678", "0086 139 1234 5678"]
)
def test_a_provider_number_is_read_without_its_country_code(phone):
    assert services.mobile_digits(phone) == "13912345678"
