"""The outbox: messages go out through the worker, once per event and recipient, within
the limits, and the provider's receipts are accepted only with the shared secret."""

import datetime
import json
import zoneinfo

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from notify import services
from notify.models import Message, MessageStatus, mask_phone
from notify.selectors import cap_reached
from tests.jobs import run_tasks

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOON = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=SHANGHAI)


def queue(key="event:1:household:1", phone="13900000001", township_id=1, **kw):
    """Queue a message; the outbox's row for its key (None: nothing queued)."""
    defaults = {
        "kind": "request_received",
        "recipient": "household:1",
        "variables": [("no", 12), ("due", "12月5日")],
        "subject": "request:12",
    }
    defaults.update(kw)
    services.message_queue(key=key, phone=phone, township_id=township_id, **defaults)
    return Message.objects.filter(key=key).first()


def test_a_queued_message_is_sent_by_the_worker_not_by_the_caller(db, noon, _sms_outbox):
    message = queue()
    assert message.status == MessageStatus.QUEUED
    assert _sms_outbox.sent == []  # nothing left while the action ran
    run_tasks()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1 and message.units == 1 and message.provider_id
    assert _sms_outbox.sent[0]["phone"] == "13900000001"
    assert _sms_outbox.sent[0]["variables"] == [["no", "12"], ["due", "12月5日"]]


def test_the_same_event_and_recipient_is_texted_once(db, noon, _sms_outbox):
    first = queue()
    again = queue(variables=[("no", 99)])
    assert again.pk == first.pk and again.variables == [["no", "12"], ["due", "12月5日"]]
    run_tasks()
    assert queue().pk == first.pk
    run_tasks()
    assert len(_sms_outbox.sent) == 1 and Message.objects.count() == 1


def test_the_database_refuses_a_second_row_for_one_event_and_recipient(db, noon):
    queue()
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            key="event:1:household:1",
            kind="x",
            recipient="household:1",
            phone="13900000001",
            send_after=NOON,
            created_at=NOON,
        )


def test_a_number_that_is_not_a_mobile_gets_no_message(db, noon):
    assert queue(phone="09718123456") is None
    assert queue(phone="") is None
    assert not Message.objects.exists()


def test_the_provider_down_for_a_minute_delays_but_loses_and_doubles_nothing(db, noon, _sms_outbox):
    messages = [queue(key=f"e:{n}", phone=f"1390000{n:04d}") for n in range(5)]
    _sms_outbox.fail = lambda call: True  # the provider is down
    run_tasks()
    assert _sms_outbox.sent == []
    assert {m.status for m in Message.objects.all()} == {MessageStatus.QUEUED}
    noon.shift(datetime.timedelta(seconds=31))
    run_tasks()  # still down: the second try waits longer
    assert Message.objects.filter(attempts=2).count() == 5
    _sms_outbox.fail = None  # back after a minute
    noon.shift(datetime.timedelta(seconds=61))
    run_tasks()
    assert sorted(m["phone"] for m in _sms_outbox.sent) == sorted(m.phone for m in messages)
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    noon.shift(datetime.timedelta(hours=1))
    assert run_tasks() == 0  # nothing left to send again
    assert len(_sms_outbox.sent) == 5


def test_a_provider_that_never_recovers_fails_the_message_for_staff(
    db, noon, _sms_outbox, settings
):
    settings.SMS_MAX_ATTEMPTS = 3
    message = queue()
    _sms_outbox.fail = lambda call: True
    for _ in range(4):
        run_tasks()
        noon.shift(datetime.timedelta(minutes=15))
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    assert "3" in message.error


def test_a_phone_gets_at_most_one_message_a_minute(db, noon, _sms_outbox):
    queue(key="e:1")
    queue(key="e:2")
    run_tasks()
    assert len(_sms_outbox.sent) == 1
    noon.shift(datetime.timedelta(seconds=62))
    run_tasks()
    assert len(_sms_outbox.sent) == 2
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 2


def test_a_phone_gets_at_most_ten_a_day_the_rest_wait_for_the_morning(
    db, noon, _sms_outbox, settings
):
    settings.SMS_PER_PHONE_PER_MINUTE = 0
    for n in range(12):
        queue(key=f"e:{n}")
    run_tasks()
    assert len(_sms_outbox.sent) == 10
    waiting = Message.objects.filter(status=MessageStatus.QUEUED)
    assert waiting.count() == 2
    assert {m.send_after.astimezone(SHANGHAI).hour for m in waiting} == {7}
    noon.move_to(datetime.datetime(2026, 11, 29, 7, 0, 5, tzinfo=SHANGHAI))
    run_tasks()
    assert len(_sms_outbox.sent) == 12


def test_the_townships_daily_cap_holds_the_rest_and_staff_are_told(db, noon, _sms_outbox, settings):
    settings.SMS_TOWNSHIP_DAILY_CAP = 3
    for n in range(5):
        queue(key=f"e:{n}", phone=f"1390000{n:04d}")
    queue(key="other", phone="13700000000", township_id=2)
    assert not cap_reached(1)
    run_tasks()
    assert len(_sms_outbox.sent) == 4  # three of township 1, the other township's one
    assert cap_reached(1) and not cap_reached(2)
    held = Message.objects.filter(status=MessageStatus.QUEUED)
    assert held.count() == 2
    assert all(m.error == str(services.CAP_REACHED) for m in held)


def test_a_value_too_long_for_the_provider_is_trimmed_never_refused(
    db, noon, _sms_outbox, settings
):
    settings.SMS_VARIABLE_MAX_CHARS = 12
    queue(variables=[("name", "欧阳" * 10), ("no", 7)])
    run_tasks()
    name = _sms_outbox.sent[0]["variables"][0][1]
    assert len(name) == 12 and name.endswith("…")
    assert _sms_outbox.sent[0]["variables"][1] == ["no", "7"]


def test_an_opt_out_cancels_what_still_waits(db, noon, _sms_outbox):
    queue()
    assert services.messages_cancel(recipient="household:1") == 1
    run_tasks()
    assert _sms_outbox.sent == []
    assert Message.objects.get().status == MessageStatus.CANCELLED


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((21, 59), (21, 59)),
        ((22, 0), (7, 0)),
        ((23, 30), (7, 0)),
        ((3, 15), (7, 0)),
        ((7, 0), (7, 0)),
    ],
)
def test_quiet_hours_hold_a_message_until_seven(local, expected):
    moment = datetime.datetime(2026, 11, 28, *local, tzinfo=SHANGHAI)
    held = services.after_quiet_hours(moment).astimezone(SHANGHAI)
    assert (held.hour, held.minute) == expected
    assert held >= moment and held - moment < datetime.timedelta(hours=9, minutes=1)


def test_a_full_number_never_shows_in_the_admin_list_or_a_log(
    client, world, noon, caplog, settings
):
    settings.SMS_BACKEND = "console"
    queue(phone="13912345678", recipient="member:7")  # a member: no household consent asked
    with caplog.at_level("INFO"):
        run_tasks()
    assert "13912345678" not in caplog.text
    assert mask_phone("13912345678") in caplog.text
    client.force_login(world.admin)
    page = client.get(reverse("admin:notify_message_changelist")).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    detail = client.get(
        reverse("admin:notify_message_change", args=[Message.objects.get().pk])
    ).content.decode()
    assert "13912345678" not in detail
    assert client.post(reverse("admin:notify_message_delete", args=[1])).status_code == 403


def _receipt(client, provider, secret, body):
    return client.post(
        reverse("notify:receipt", args=[provider, secret]),
        data=json.dumps(body),
        content_type="application/json",
    )


def test_receipts_mark_messages_delivered_or_failed(plain_client, db, noon, settings):
    settings.SMS_RECEIPT_SECRET = "s3cret-for-receipts"
    delivered, failed = queue(key="a"), queue(key="b", phone="13900000002")
    Message.objects.filter(pk=delivered.pk).update(provider="aliyun", provider_id="111^0")
    Message.objects.filter(pk=failed.pk).update(provider="aliyun", provider_id="222^0")
    body = [
        {"phone_number": "13900000001", "success": True, "biz_id": "111^0",
         "err_code": "DELIVERED", "report_time": "2026-11-28 12:00:05", "sms_size": "1"},
        {"phone_number": "13900000002", "success": False, "biz_id": "222^0",
         "err_code": "MK:0001", "report_time": "2026-11-28 12:00:06", "sms_size": "1"},
    ]  # fmt: skip
    response = _receipt(plain_client, "aliyun", "s3cret-for-receipts", body)
    assert response.status_code == 200 and response.json() == {"code": 0, "msg": "成功"}
    delivered.refresh_from_db()
    failed.refresh_from_db()
    assert delivered.status == MessageStatus.DELIVERED and delivered.delivered_at
    assert failed.status == MessageStatus.FAILED and "MK:0001" in failed.error


def test_tencent_receipts_are_read_by_their_serial_number(plain_client, db, noon, settings):
    settings.SMS_RECEIPT_SECRET = "s3cret-for-receipts"
    message = queue()
    Message.objects.filter(pk=message.pk).update(provider="tencent", provider_id="2028:42")
    body = [{"user_receive_time": "2026-11-28 12:00:09", "nationcode": "86",
             "mobile": "13900000001", "report_status": "SUCCESS", "errmsg": "DELIVRD",
             "description": "用户短信送达成功", "sid": "2028:42"}]  # fmt: skip
    response = _receipt(plain_client, "tencent", "s3cret-for-receipts", body)
    assert response.json() == {"result": 0, "errmsg": "OK"}
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


@pytest.mark.parametrize(
    ("configured", "given", "body"),
    [
        ("", "", [{"biz_id": "111^0", "success": True}]),  # no secret set: refuse all
        ("s3cret-for-receipts", "guess", [{"biz_id": "111^0", "success": True}]),
        ("s3cret-for-receipts", "s3cret-for-receipts", {"biz_id": "111^0"}),  # not a list
        ("s3cret-for-receipts", "s3cret-for-receipts", "not json"),
    ],
)
def test_a_receipt_without_the_secret_or_in_another_shape_is_refused(
    plain_client, db, noon, settings, configured, given, body
):
    settings.SMS_RECEIPT_SECRET = configured
    message = queue()
    Message.objects.filter(pk=message.pk).update(provider="aliyun", provider_id="111^0")
    url = reverse("notify:receipt", args=["aliyun", given or "x"])
    data = body if isinstance(body, str) else json.dumps(body)
    response = plain_client.post(url, data=data, content_type="application/json")
    assert response.status_code in (400, 403)
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED


def test_a_message_a_dead_worker_left_sending_is_sent_later(db, noon, _sms_outbox):
    message = queue()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING)
    noon.shift(datetime.timedelta(minutes=11))
    assert services.messages_recover() == 1
    run_tasks()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and len(_sms_outbox.sent) == 1


def test_a_message_whose_task_went_with_a_dead_worker_is_queued_again(db, noon, _sms_outbox):
    from django_tasks_db.models import DBTaskResult

    queue()
    DBTaskResult.objects.all().delete()  # the worker died holding the task
    noon.shift(datetime.timedelta(minutes=11))
    assert services.messages_recover() == 1
    run_tasks()
    assert len(_sms_outbox.sent) == 1


def test_many_messages_go_in_one_task_each_once(db, noon, _sms_outbox):
    items = [
        {
            "kind": "member_monthly_due",
            "key": f"due:2026-11:member:{n}",
            "recipient": f"member:{n}",
            "phone": f"1380000{n:04d}",
            "variables": [("name", "郭有德"), ("count", n)],
            "township_id": 1,
            "send_after": None,
        }
        for n in range(7)
    ]
    assert services.messages_queue_many(items) == 7
    assert services.messages_queue_many(items[:3]) == 3  # asked again: nothing new
    assert run_tasks() == 2
    assert sorted(m["phone"] for m in _sms_outbox.sent) == [f"1380000{n:04d}" for n in range(7)]
    assert Message.objects.count() == 7


def test_a_sent_message_is_recorded_through_a_short_database_outage(monkeypatch):
    from django.db import OperationalError

    calls = []

    def write():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(services.connection, "close", lambda: None)
    services._write_hard(write)
    assert len(calls) == 3


def test_a_batch_sent_by_several_threads_sends_each_message_once(
    transactional_db, _sms_outbox, settings
):
    settings.SMS_SEND_THREADS = 3
    settings.SMS_QUIET_START = settings.SMS_QUIET_END = 0
    keys = [f"due:batch:member:{n}" for n in range(9)]
    for n, key in enumerate(keys):
        services.message_queue(
            kind="member_monthly_due",
            key=key,
            recipient=f"member:{n}",
            phone=f"1370000{n:04d}",
            variables=[("count", n)],
        )
    outcomes = services.messages_deliver_many(keys + keys[:4])  # four asked twice
    assert outcomes == {"sent": 9, "skipped": 4}
    assert sorted(m["out_id"] for m in _sms_outbox.sent) == sorted(keys)
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_the_opt_outs_show_in_the_admin_masked_and_read_only(client, world):
    from notify.models import OptOut

    services.phone_opt_out(phone="13912345678", provider="aliyun")
    client.force_login(world.admin)
    page = client.get(reverse("admin:notify_optout_changelist")).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    detail = client.get(reverse("admin:notify_optout_change", args=[OptOut.objects.get().pk]))
    assert detail.status_code == 200 and "13912345678" not in detail.content.decode()
