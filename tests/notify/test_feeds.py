"""The worker's poll (notify.feeds): every timeline line that causes a text is read once,
whatever dies midway and however many workers poll; the polling keeps itself going."""

import datetime
import threading
import time
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from casebook import texts
from casebook.models import RequestEvent
from notify import feeds
from notify import services as notify
from notify.models import Cursor, Message
from tests.factories import HouseholdFactory, RequestEventFactory, RequestFactory
from tests.jobs import run_tasks

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DELIVERIES = ["notify.tasks.deliver_message", "notify.tasks.deliver_messages"]


@pytest.fixture(autouse=True)
def _noon():
    """Outside the quiet hours: the texts go at once."""
    moment = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=True):
        yield


def _consenting(village=None, n: int = 0):
    kwargs = {"village": village} if village else {}
    return HouseholdFactory(sms_consent_at=timezone.now(), phone=f"1390000{n:04d}", **kwargs)


def _reply_lines(count: int) -> list[RequestEvent]:
    """`count` replies, each to a consenting household of its own (written as a reply
    writes its line: the texts' poll reads nothing else)."""
    return [
        RequestEventFactory(request=RequestFactory(household=_consenting(n=n)), kind="replied")
        for n in range(count)
    ]


def _position() -> int:
    return Cursor.objects.get(name=texts.TIMELINE).position


def _deliveries() -> int:
    return DBTaskResult.objects.filter(task_path__in=DELIVERIES).count()


def test_each_line_is_read_once(world, _sms_outbox):
    lines = _reply_lines(3)
    before = _position()
    assert feeds.feeds_pass() == {texts.TIMELINE: lines[-1].pk - before}
    assert _position() == lines[-1].pk
    assert feeds.feeds_pass() == {texts.TIMELINE: 0}  # a second poll finds nothing new
    assert Message.objects.count() == 3 and _deliveries() == 3
    run_tasks()
    assert len(_sms_outbox.sent) == 3


def test_a_batch_larger_than_one_transaction_is_read_in_several(world, monkeypatch):
    monkeypatch.setattr(feeds, "BATCH", 2)
    lines = _reply_lines(5)
    feeds.feed_pass(feeds.FEEDS[texts.TIMELINE], limit=2)
    assert _position() == lines[-1].pk
    assert Message.objects.count() == 5 and _deliveries() == 5


def test_a_poll_that_dies_midway_queues_nothing_and_the_next_reads_it_all(
    world, monkeypatch, _sms_outbox
):
    lines = _reply_lines(3)
    before = _position()
    queue = notify.message_queue
    calls = []

    def dies_at_the_second(**kwargs):
        calls.append(kwargs["key"])
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return queue(**kwargs)

    monkeypatch.setattr(notify, "message_queue", dies_at_the_second)
    with pytest.raises(RuntimeError):
        feeds.feeds_pass()
    assert _position() == before  # the cursor stayed
    assert not Message.objects.exists() and _deliveries() == 0  # the first text went too
    monkeypatch.setattr(notify, "message_queue", queue)
    run_tasks()
    assert _position() == lines[-1].pk
    assert Message.objects.count() == 3 and _deliveries() == 3
    assert sorted(m["phone"] for m in _sms_outbox.sent) == [f"1390000{n:04d}" for n in range(3)]


def test_two_workers_polling_at_once_read_each_line_once(transactional_db, reference_data):
    lines = _reply_lines(4)
    before = _position()
    feed = feeds.FEEDS[texts.TIMELINE]

    def slow_read(after, upto, limit):
        time.sleep(0.3)  # the other worker polls meanwhile
        return texts.timeline_read(after, upto, limit)

    slow = feeds.Feed(name=feed.name, events=feed.events, read=slow_read)
    read, errors = [], []

    def worker():
        try:
            read.append(feeds.feed_pass(slow))
        except Exception as error:  # noqa: BLE001 -- reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(read) == [0, lines[-1].pk - before]
    assert _position() == lines[-1].pk
    assert Message.objects.count() == 4
    assert _deliveries() == 4  # one task a text: the second worker queued none


def test_a_line_committed_late_under_a_lower_id_is_not_stepped_over(
    transactional_db, reference_data, monkeypatch
):
    """PostgreSQL gives a line its id before its transaction commits: a poll that saw a
    later line must not move past the earlier one still being written (SQLite lets one
    writer in at a time: the later line waits; the poll neither waits nor moves)."""
    monkeypatch.setattr(feeds, "SETTLE_SECONDS", 0.3)
    request = RequestFactory(household=_consenting(n=1))
    written, release, errors = threading.Event(), threading.Event(), []

    def slow_reply():
        try:
            with transaction.atomic():
                RequestEventFactory(request=request, kind="replied")
                written.set()
                release.wait(10)
        except Exception as error:  # noqa: BLE001 -- reported below
            errors.append(error)
        finally:
            connections.close_all()

    writer = threading.Thread(target=slow_reply)
    writer.start()
    assert written.wait(10)
    before = _position()
    if connection.vendor == "postgresql":  # a later line, committed first
        RequestEventFactory(request=RequestFactory(household=_consenting(n=2)), kind="replied")
    assert feeds.feeds_pass() == {texts.TIMELINE: 0}
    assert _position() == before and not Message.objects.exists()
    release.set()
    writer.join()
    assert errors == []
    feeds.feeds_pass()
    assert _position() == RequestEvent.objects.order_by("-pk").first().pk
    expected = 2 if connection.vendor == "postgresql" else 1
    assert Message.objects.filter(kind="request_replied").count() == expected


def test_the_poll_queues_its_next_run_first_and_stays_one(db):
    assert feeds.poll_ensure()
    assert not feeds.poll_ensure()  # one waiting already: the polls stay one chain
    polls = DBTaskResult.objects.filter(task_path=feeds.POLL_TASK)
    assert polls.count() == 1
    run_tasks()
    [done, following] = polls.order_by("enqueued_at")
    assert done.status == "SUCCESSFUL" and following.status == "READY"
    assert following.run_after > timezone.now()  # in POLL_SECONDS


def test_a_poll_that_fails_does_not_end_the_polling(db, monkeypatch):
    from notify.tasks import poll_feeds

    def broken():
        raise RuntimeError("database went away")

    monkeypatch.setattr(feeds, "feeds_pass", broken)
    with pytest.raises(RuntimeError):
        poll_feeds.call()
    polls = DBTaskResult.objects.filter(task_path=feeds.POLL_TASK)
    assert list(polls.values_list("status", flat=True)) == ["READY"]  # the next one


def test_the_sweep_queues_the_poll_again_when_its_worker_died(db):
    feeds.poll_ensure()
    DBTaskResult.objects.filter(task_path=feeds.POLL_TASK).update(status="RUNNING")  # killed
    call_command("sms_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
    waiting = DBTaskResult.objects.filter(task_path=feeds.POLL_TASK, status="READY")
    assert waiting.count() == 1


def test_a_poll_with_nothing_new_writes_nothing(world, django_assert_max_num_queries):
    _reply_lines(1)
    feeds.feeds_pass()
    with django_assert_max_num_queries(2):  # the cursor and the newest line: no lock, no write
        assert feeds.feeds_pass() == {texts.TIMELINE: 0}
