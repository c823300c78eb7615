"""The casebook's text messages: the household hears its matter was received and replied
(with its consent), the member hears of a matter raised on the card (not at night unless
urgent), owners get one overdue digest a day, members a monthly reminder; and 一事一评."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casebook import reminders, services
from casebook.models import EventKind, RequestSource
from households import services as registry
from households.models import ConsentChange, ConsentVia
from notify.models import Message, MessageStatus
from tests.factories import AssignmentFactory, HouseholdFactory, RequestFactory, at, category
from tests.jobs import run_tasks

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def consent(household):
    return registry.household_sms_consent(
        household=household, consent=True, via=ConsentVia.STAFF, note="电话确认"
    )


def raise_on_card(household, code="other"):
    return services.request_raise(
        household=household,
        category=category(code),
        description="路灯坏了",
        source=RequestSource.CARD,
        actor_label=services.HOUSEHOLD_LABEL,
    )


def replied(request, by):
    request = services.request_accept(request=request, by=by, expected_version=None)
    return services.request_reply(request=request, text="已修好", by=by, expected_version=None)


def sent_to(outbox, phone):
    return [m for m in outbox.sent if m["phone"] == phone]


def test_a_card_matter_texts_the_household_and_its_member(world, _sms_outbox):
    consent(world.household_a)
    with at(10):
        request = raise_on_card(world.household_a)
        assert _sms_outbox.sent == []  # raising never waits for the provider
        run_tasks()
    [received] = sent_to(_sms_outbox, world.household_a.phone)
    assert received["template_code"] == "request_received"
    due = f"{request.due_on.month}月{request.due_on.day}日"
    assert received["variables"] == [["no", str(request.pk)], ["due", due]]
    [alert] = sent_to(_sms_outbox, world.member_a.phone)
    assert alert["template_code"] == "member_new_request"
    assert ["name", world.household_a.head_name] in alert["variables"]


def test_without_consent_the_household_gets_nothing_but_its_member_is_told(world, _sms_outbox):
    with at(10):
        raise_on_card(world.household_a)
        run_tasks()
    assert sent_to(_sms_outbox, world.household_a.phone) == []
    assert len(sent_to(_sms_outbox, world.member_a.phone)) == 1


def test_a_matter_recorded_by_staff_does_not_alert_the_member(world, _sms_outbox):
    with at(10):
        services.request_raise(
            household=world.household_a,
            category=category(),
            description="低保咨询",
            source=RequestSource.WALK_IN,
            by=world.staff,
        )
        run_tasks()
    assert sent_to(_sms_outbox, world.member_a.phone) == []


def test_at_night_the_member_hears_at_seven_unless_the_matter_is_urgent(world, _sms_outbox):
    with at(23, 10) as night:
        ordinary = raise_on_card(world.household_a)
        hazard = raise_on_card(world.household_a2, code="hazard")
        run_tasks()
        assert sent_to(_sms_outbox, world.member_a.phone) == []
        assert len(sent_to(_sms_outbox, world.member_a2.phone)) == 1  # urgent: at once
        waiting = Message.objects.get(subject=f"request:{ordinary.pk}", kind="member_new_request")
        assert waiting.send_after.astimezone(SHANGHAI).hour == 7
        night.move_to(datetime.datetime(2026, 11, 29, 7, 0, 1, tzinfo=SHANGHAI))
        run_tasks()
    assert len(sent_to(_sms_outbox, world.member_a.phone)) == 1
    assert hazard.category.is_urgent


def test_a_reply_texts_the_short_link_that_opens_the_card_page(client, world, _sms_outbox):
    consent(world.household_a)
    with at(10):
        request = replied(RequestFactory(household=world.household_a), world.staff)
        run_tasks()
    [message] = sent_to(_sms_outbox, world.household_a.phone)
    assert message["template_code"] == "request_replied"
    code = dict(message["variables"])["code"]
    response = client.get(reverse("card-short", args=[code]))
    assert response.status_code == 302
    assert response.url == reverse("card", args=[world.household_a.card_token])
    assert client.get(reverse("card-short", args=[code.lower()])).status_code == 302
    assert client.get(reverse("card-short", args=["NOTACODE00"])).status_code == 404
    assert Message.objects.get(kind="request_replied").subject == f"request:{request.pk}"


def test_a_second_reply_is_a_new_event_and_texts_again(world, _sms_outbox):
    consent(world.household_a)
    with at(10) as clock:
        request = replied(RequestFactory(household=world.household_a), world.staff)
        run_tasks()
        services.request_rate(request=request, rating="unsatisfied")
        services.request_reply(request=request, text="再修", by=world.staff, expected_version=None)
        clock.shift(datetime.timedelta(minutes=2))
        run_tasks()
    assert len(sent_to(_sms_outbox, world.household_a.phone)) == 2


def test_opting_out_on_the_card_page_cancels_the_text_still_waiting(client, world, _sms_outbox):
    url = reverse("card-sms", args=[world.household_a.card_token])
    client.post(url, {"consent": "1"})
    assert ConsentChange.objects.get().via == ConsentVia.CARD
    with at(23):
        replied(RequestFactory(household=world.household_a), world.staff)  # waits for 7:00
        run_tasks()  # the worker's poll, seconds later, queues it
    page = client.get(reverse("card", args=[world.household_a.card_token])).content.decode()
    assert "答复时发短信告诉我" in page and "139****" in page
    assert world.household_a.phone not in page
    client.post(url, {})  # unticked
    with at(7, 30, day=29):
        run_tasks()
    assert _sms_outbox.sent == []
    assert Message.objects.get().status == MessageStatus.CANCELLED
    assert list(ConsentChange.objects.values_list("consent", flat=True)) == [False, True]


def test_staff_record_consent_only_with_a_note(client, world):
    client.force_login(world.staff)
    url = reverse("households:sms-consent", args=[world.household_a.pk])
    response = client.post(url, {"consent": "1", "note": ""}, follow=True)
    assert "请注明" in response.content.decode() or "Note when" in response.content.decode()
    world.household_a.refresh_from_db()
    assert not world.household_a.sms_consent
    client.post(url, {"consent": "1", "note": "12月3日电话确认"})
    world.household_a.refresh_from_db()
    change = ConsentChange.objects.get()
    assert world.household_a.sms_consent
    assert (change.by, change.via, change.note) == (
        world.staff,
        ConsentVia.STAFF,
        "12月3日电话确认",
    )


def test_consent_needs_a_mobile_number(world):
    world.household_a.phone = "0972-8123456"
    world.household_a.save()
    with pytest.raises(registry.RegistryError):
        consent(world.household_a)
    assert not ConsentChange.objects.exists()


@pytest.mark.parametrize(
    ("rating", "status", "event"),
    [
        ("satisfied", "closed", EventKind.CONFIRMED),
        ("basic", "closed", EventKind.CONFIRMED),
        ("unsatisfied", "in_progress", EventKind.REOPENED),
    ],
)
def test_one_tap_rating_on_the_card_page(client, world, rating, status, event):
    request = replied(RequestFactory(household=world.household_a), world.staff)
    page = client.get(reverse("card", args=[world.household_a.card_token])).content.decode()
    assert "满意" in page and "基本满意" in page and "不满意" in page
    url = reverse("card-confirm", args=[world.household_a.card_token, request.pk])
    client.post(url, {"rating": rating, "text": "还是漏水" if rating == "unsatisfied" else ""})
    request.refresh_from_db()
    assert (request.status, request.satisfaction) == (status, rating)
    last = request.events.order_by("-id").first()
    assert last.kind == event
    assert request.unsatisfied_count == (1 if rating == "unsatisfied" else 0)
    if rating == "unsatisfied":
        assert "还是漏水" in last.text and request.owner_id  # back to its owner


def test_an_unknown_rating_changes_nothing(client, world):
    request = replied(RequestFactory(household=world.household_a), world.staff)
    url = reverse("card-confirm", args=[world.household_a.card_token, request.pk])
    client.post(url, {"rating": "great"})
    request.refresh_from_db()
    assert (request.status, request.satisfaction) == ("replied", "")


def test_the_timeline_says_the_household_was_texted_or_to_phone_it(client, world, _sms_outbox):
    consent(world.household_a)
    with at(10):
        request = replied(RequestFactory(household=world.household_a), world.staff)
        run_tasks()
    client.force_login(world.staff)
    url = reverse("casebook:request-detail", args=[request.pk])
    assert "已短信告知农户" in client.get(url).content.decode()
    Message.objects.filter(kind="request_replied").update(
        status=MessageStatus.FAILED, error="aliyun: isv.MOBILE_NUMBER_ILLEGAL"
    )
    page = client.get(url).content.decode()
    assert "短信未送达" in page and "请电话告知农户" in page


def test_owners_get_one_overdue_digest_a_day(world, _sms_outbox):
    with at(9, day=20):
        for _ in range(3):
            RequestFactory(household=world.household_a, owner=world.member_user)
    with at(8, day=28):
        first = reminders.send_overdue_reminders(email=False)
        again = reminders.send_overdue_reminders(email=False)
        run_tasks()
    assert (first["texted"], again["texted"]) == (1, 1)  # the second run finds it queued
    [digest] = _sms_outbox.sent
    assert digest["phone"] == world.member_a.phone
    assert dict(digest["variables"])["count"] == "3"
    assert mail.outbox == []  # texts replace email by default


def test_monthly_reminder_on_the_townships_day_only(world, _sms_outbox):
    with at(9, day=27):
        assert reminders.remind_members_due() == 0  # off
    world.township.sms_members_due_day = 28
    world.township.save()
    with at(9, day=27):
        assert reminders.remind_members_due() == 0  # not the day
    with at(9, day=28):
        assert reminders.remind_members_due() == 3  # members a, a2 (and b) of this township
        assert reminders.remind_members_due() == 3  # already queued: no new message
        run_tasks()
    phones = {m["phone"] for m in _sms_outbox.sent}
    assert phones == {world.member_a.phone, world.member_a2.phone, world.member_b.phone}
    assert Message.objects.filter(kind="member_monthly_due").count() == 3


def test_staff_are_told_on_the_inbox_when_the_daily_cap_is_reached(
    client, world, _sms_outbox, settings
):
    settings.SMS_TOWNSHIP_DAILY_CAP = 1
    settings.SMS_PER_PHONE_PER_MINUTE = 0
    client.force_login(world.staff)
    with at(10):
        raise_on_card(world.household_a)
        raise_on_card(world.household_a2)
        assert "data-texts-capped" not in client.get(reverse("casebook:inbox")).content.decode()
        run_tasks()
        page = client.get(reverse("casebook:inbox")).content.decode()
    assert len(_sms_outbox.sent) == 1
    assert "data-texts-capped" in page and "今日短信已达上限" in page
    client.force_login(world.other_staff)  # another township's staff: not theirs
    with at(10):
        assert "data-texts-capped" not in client.get(reverse("casebook:inbox")).content.decode()


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("aliyun", lambda phone: [{"phone_number": phone, "content": "TD", "sign_name": "东山乡",
                                   "send_time": "2026-11-28 23:01:00", "dest_code": "1"}]),
        ("tencent", lambda phone: [{"mobile": phone, "nationcode": "86", "text": "退订",
                                    "sign": "东山乡", "time": 1795000000, "extend": ""}]),
    ],
)  # fmt: skip
def test_replying_td_stops_every_text_to_that_number_at_once(
    client, world, _sms_outbox, settings, provider, body
):
    import json

    settings.SMS_RECEIPT_SECRET = "s3cret-for-receipts"
    consent(world.household_a)
    with at(23):
        replied(RequestFactory(household=world.household_a), world.staff)  # waits for 7:00
        url = reverse("notify:reply", args=[provider, "s3cret-for-receipts"])
        response = client.post(
            url, json.dumps(body(world.household_a.phone)), content_type="application/json"
        )
        assert response.status_code == 200
        replied(RequestFactory(household=world.household_a), world.staff)  # after the 退订
    with at(7, 30, day=29):
        run_tasks()
    assert _sms_outbox.sent == []
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.CANCELLED}
    page = client.get(reverse("card", args=[world.household_a.card_token])).content.decode()
    assert 'id="sms-consent" checked' not in page
    # Ticking the box again is agreeing again: texts resume.
    client.post(reverse("card-sms", args=[world.household_a.card_token]), {"consent": "1"})
    with at(10, day=29):
        replied(RequestFactory(household=world.household_a), world.staff)
        run_tasks()
    assert len(_sms_outbox.sent) == 1


def test_another_reply_or_a_wrong_secret_stops_nothing(client, world, settings):
    import json

    settings.SMS_RECEIPT_SECRET = "s3cret-for-receipts"
    phone = world.household_a.phone
    ok = reverse("notify:reply", args=["aliyun", "s3cret-for-receipts"])
    client.post(ok, json.dumps([{"phone_number": phone, "content": "谢谢"}]),
                content_type="application/json")  # fmt: skip
    wrong = reverse("notify:reply", args=["aliyun", "guess"])
    response = client.post(wrong, json.dumps([{"phone_number": phone, "content": "TD"}]),
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    from notify.selectors import opted_out

    assert not opted_out(phone)


# --- Off the request's path: the texts follow from the timeline, queued by the worker's poll


def _sql(queries) -> str:
    return "\n".join(query["sql"] for query in queries).lower()


@pytest.mark.parametrize("action", ["reply", "card"])
def test_an_action_writes_and_reads_nothing_for_its_texts(
    client, world, _sms_outbox, monkeypatch, action
):
    """A staff reply (and a villager's matter on the card page) runs the same statements
    whether the household agreed to texts or not, none of them on the outbox or the task
    queue: its texts are the worker's business."""
    monkeypatch.setattr("infra.ratelimit.random.random", lambda: 0.5)  # no 1-in-100 pruning
    consent(world.household_a)  # on
    # off: a neighbour of the same member (the same owner is found the same way), no consent
    neighbour = HouseholdFactory(village=world.village_a, head_name="董文福")
    AssignmentFactory(household=neighbour, member=world.member_a)
    client.force_login(world.staff)

    def act(household):
        if action == "card":
            url = reverse("card", args=[household.card_token])
            return client.post(url, {"category": category().pk, "description": "路灯坏了"})
        request = services.request_accept(
            request=RequestFactory(household=household), by=world.staff, expected_version=None
        )
        url = reverse("casebook:request-action", args=[request.pk, "reply"])
        return client.post(url, {"version": request.version, "text": "已修好"})

    with at(10):
        act(world.household_a)  # warm-up: sessions, caches and each card's rate limit
        act(neighbour)
        with CaptureQueriesContext(connection) as off:
            assert act(neighbour).status_code == 302
        with CaptureQueriesContext(connection) as on:
            assert act(world.household_a).status_code == 302
        assert len(on.captured_queries) == len(off.captured_queries)
        for table in ("notify_", "django_tasks_database"):
            assert table not in _sql(on.captured_queries)
        assert not Message.objects.exists()
        run_tasks()  # the worker's poll, then the sending
    kind = "request_replied" if action == "reply" else "request_received"
    texted = Message.objects.filter(phone=world.household_a.phone)
    assert list(texted.values_list("kind", flat=True)) == [kind, kind]  # and the warm-up's
    assert len(sent_to(_sms_outbox, world.household_a.phone)) == 1  # the next in a minute
    assert not Message.objects.filter(phone=neighbour.phone).exists()


def test_staff_see_the_text_waiting_until_the_poll_has_passed(client, world, _sms_outbox):
    consent(world.household_a)
    client.force_login(world.staff)
    with at(10):
        told = replied(RequestFactory(household=world.household_a), world.staff)
        untold = replied(RequestFactory(household=world.household_a2), world.staff)
        page = client.get(reverse("casebook:request-detail", args=[told.pk])).content.decode()
        assert "短信待发送" in page and "已短信告知农户" not in page
        assert world.household_a.phone[:3] + "****" in page  # the number, masked
        other = client.get(reverse("casebook:request-detail", args=[untold.pk])).content.decode()
        assert "短信待发送" not in other  # no consent: no text to wait for
        run_tasks()
        page = client.get(reverse("casebook:request-detail", args=[told.pk])).content.decode()
    assert "已短信告知农户" in page and "短信待发送" not in page


def test_a_card_matter_shows_the_members_text_waiting_then_sent(client, world, _sms_outbox):
    client.force_login(world.staff)
    with at(10):
        request = raise_on_card(world.household_a)  # no consent: only the member is texted
        url = reverse("casebook:request-detail", args=[request.pk])
        assert "短信待发送" in client.get(url).content.decode()
        run_tasks()
        page = client.get(url).content.decode()
    assert "已短信告知联户党员" in page and "短信待发送" not in page


def test_a_line_the_poll_passed_without_a_text_is_not_shown_waiting(client, world):
    client.force_login(world.staff)
    with at(10):
        request = replied(RequestFactory(household=world.household_a), world.staff)
        run_tasks()  # no consent when the poll read the reply: no text for it
        consent(world.household_a)
        page = client.get(reverse("casebook:request-detail", args=[request.pk])).content.decode()
    assert "短信待发送" not in page and not Message.objects.exists()


def test_a_reply_is_texted_under_the_version_it_made(world, _sms_outbox):
    """The key names the reply by the request's version it made, as when the reply itself
    queued its text: a text queued that way is never sent again by the poll."""
    consent(world.household_a)
    with at(10):
        request = replied(RequestFactory(household=world.household_a), world.staff)
        version = request.version
        services.request_rate(request=request, rating="unsatisfied")  # a line after it
        run_tasks()
    [message] = Message.objects.filter(kind="request_replied")
    assert message.key == f"request_replied:{request.pk}:{version}:household:{world.household_a.pk}"
    assert len(sent_to(_sms_outbox, world.household_a.phone)) == 1


def test_consent_is_read_when_the_poll_queues_the_text(world, _sms_outbox):
    with at(10):
        request = replied(RequestFactory(household=world.household_a), world.staff)
        consent(world.household_a)  # agreed seconds after the reply, before the poll
        run_tasks()
    assert [m["template_code"] for m in _sms_outbox.sent] == ["request_replied"]
    assert Message.objects.get().subject == f"request:{request.pk}"


def test_a_deployment_texts_nothing_of_the_past(world, _sms_outbox):
    """A township running before the texts' poll came: its timeline is history. The
    migration that brings the poll starts its cursor at the newest line."""
    from django.core.management import call_command

    from notify.models import Cursor

    consent(world.household_a)
    with at(10):
        raise_on_card(world.household_a)
        replied(RequestFactory(household=world.household_a), world.staff)
        Cursor.objects.all().delete()  # the database before the migration
        call_command("migrate", verbosity=0)
        run_tasks()
        assert _sms_outbox.sent == [] and not Message.objects.exists()
        request = replied(RequestFactory(household=world.household_a), world.staff)
        run_tasks()
    [message] = _sms_outbox.sent
    assert message["template_code"] == "request_replied"
    assert Message.objects.get().subject == f"request:{request.pk}"
