"""The real SDKs of Alibaba Cloud and Tencent Cloud, pointed at a local double of their
APIs (SMS_ENDPOINT=http://127.0.0.1:<port>): what they send, and how their answers are read."""

import datetime
import zoneinfo

import pytest

from devtools.sms_double import ProviderDouble
from notify import services
from notify.models import Message, MessageStatus
from tests.jobs import run_tasks

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request, settings):
    with ProviderDouble() as double:
        settings.SMS_BACKEND = request.param
        settings.SMS_ENDPOINT = double.url
        settings.SMS_ACCESS_KEY_ID = "test-key-id"
        settings.SMS_ACCESS_KEY_SECRET = "test-key-secret"
        settings.SMS_SIGN_NAME = "东山乡"
        settings.SMS_APP_ID = "1400000000"
        settings.SMS_TEMPLATES = {"REQUEST_REPLIED": "SMS_465900001"}
        double.name = request.param
        yield double


def queue(key="request_replied:12:3:household:1", phone="13900000001", **kw):
    services.message_queue(
        kind="request_replied",
        key=key,
        recipient="household:1",
        phone=phone,
        variables=kw.pop("variables", [("no", 12), ("code", "T69XM3PUMJ")]),
        township_id=1,
        **kw,
    )
    return Message.objects.get(key=key)


def test_the_sdk_sends_the_signed_template_and_its_variables(db, noon, provider):
    message = queue()
    run_tasks()
    [call] = provider.calls
    assert call["action"] == "SendSms" and call["signed"]
    assert call["template"] == "SMS_465900001" and call["sign"] == "东山乡"
    if provider.name == "aliyun":
        assert call["phone"] == "13900000001"
        assert call["params"] == {"no": "12", "code": "T69XM3PUMJ"}
    else:
        assert call["phone"] == "+8613900000001" and call["app_id"] == "1400000000"
        assert call["params"] == ["12", "T69XM3PUMJ"]  # positional, in the template's order
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert (message.provider, message.provider_id) == (provider.name, provider.accepted[0]["id"])


def test_the_provider_down_for_a_minute_then_every_message_once(db, noon, provider):
    for n in range(4):
        queue(key=f"request_replied:{n}:1:household:{n}", phone=f"1390000{n:04d}")
    provider.down = True
    run_tasks()
    noon.shift(datetime.timedelta(seconds=31))
    run_tasks()
    assert provider.accepted == [] and len(provider.calls) == 8
    provider.down = False
    noon.shift(datetime.timedelta(seconds=61))
    run_tasks()
    noon.shift(datetime.timedelta(hours=1))
    run_tasks()
    phones = sorted(call["phone"][-11:] for call in provider.accepted)
    assert phones == [f"1390000{n:04d}" for n in range(4)]  # each once
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_a_refusal_fails_the_message_without_trying_again(db, noon, provider):
    provider.refuse = (
        "isv.MOBILE_NUMBER_ILLEGAL"
        if provider.name == "aliyun"
        else "InvalidParameterValue.IncorrectPhoneNumber"
    )
    message = queue()
    run_tasks()
    noon.shift(datetime.timedelta(hours=1))
    run_tasks()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and provider.refuse in message.error
    assert len(provider.calls) == 1


def test_a_value_longer_than_the_providers_limit_is_trimmed_and_sent(db, noon, provider):
    queue(variables=[("no", 12), ("name", "马" * 60)])
    run_tasks()
    [call] = provider.accepted
    value = call["params"]["name"] if provider.name == "aliyun" else call["params"][1]
    assert value.endswith("…") and len(value) == (35 if provider.name == "aliyun" else 12)
