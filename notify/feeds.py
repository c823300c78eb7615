"""The worker's poll: messages derived from the events a feature already writes.

An action that causes a message (a reply, a matter raised) writes its event (a timeline
line) and nothing else for the texts: no outbox row, no task, no read of consent on its
path. A feature registers a *feed* (its events' model and a `read` function); the worker
polls every POLL_SECONDS and, per feed, in one transaction:

1. locks the feed's cursor (`Cursor`: the id of the last event read), so two workers take
   turns and the second finds nothing left;
2. calls `read(after, upto, limit)`, which reads the events after the cursor and queues
   their messages (`services.message_queue`: each keyed by event and recipient, so even a
   second reading could never make a second text);
3. moves the cursor to the last event read.

All three commit together or not at all: a worker that dies midway leaves the cursor
where it was, and the next poll reads the same events again. `upto` is the newest event
whose predecessors are all committed (`_settled`): an event committed late under a lower
id (PostgreSQL hands ids out before commit) is never stepped over.

A new feed's cursor starts at its newest event (`cursors_start`, after every `migrate`):
deploying the feature texts nothing of the past. The poll is a django-tasks task that
queues its own next run before it works (a failure or a killed worker does not end the
polling); `migrate` and `sms_sweep` queue it if none is waiting.
"""

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from notify.models import Cursor

logger = logging.getLogger(__name__)

POLL_SECONDS = 3  # between two polls: a reply's text is queued within a few seconds
BATCH = 200  # events read in one transaction
SETTLE_SECONDS = 2.0  # how long a poll waits for an earlier event's transaction to end
POLL_TASK = "notify.tasks.poll_feeds"


@dataclass(frozen=True)
class Feed:
    """A feature's events that cause messages.

    `read(after, upto, limit)` queues the messages of at most `limit` events with
    after < id ≤ upto, oldest first, and returns the id of the last event it read (`upto`
    when there were fewer than `limit`). It runs inside the poll's transaction.
    """

    name: str
    events: type[models.Model]
    read: Callable[[int, int, int], int]


FEEDS: dict[str, Feed] = {}


def register_feed(name: str, *, events: type[models.Model], read) -> None:
    """Called by the feature that owns the events (its AppConfig.ready): this floor knows no
    feature."""
    FEEDS[name] = Feed(name=name, events=events, read=read)


def _newest(feed: Feed) -> int:
    return feed.events.objects.aggregate(newest=Max("pk"))["newest"] or 0


def cursors_start(feeds=None) -> list[str]:
    """Give every feed without a cursor one at its newest event: what happened before the
    feed existed is history, never texted. Run after every `migrate` (a no-op once each
    feed has its cursor); the names of the cursors made."""
    made = []
    for feed in FEEDS.values() if feeds is None else feeds:
        if not Cursor.objects.filter(name=feed.name).exists():
            Cursor.objects.bulk_create(
                [Cursor(name=feed.name, position=_newest(feed), updated_at=timezone.now())],
                ignore_conflicts=True,
            )
            made.append(feed.name)
    return made


def cursors_past() -> None:
    """Move every feed's cursor to its newest event: what was written so far is history (a
    bulk load of past months, such as the demo's seed), never texted."""
    for feed in FEEDS.values():
        Cursor.objects.update_or_create(
            name=feed.name,
            defaults={"position": _newest(feed), "updated_at": timezone.now()},
        )


def _settled(feed: Feed, newest: int) -> int | None:
    """The newest event id up to which every event is committed or never will be, or None
    if an earlier event's transaction is still open after SETTLE_SECONDS.

    SQLite has one writer at a time: an event is visible only after every lower id's
    transaction ended. PostgreSQL hands ids out before commit: a transaction may still
    hold a lower id than the newest one visible. Every transaction that holds one was
    writing the table when `newest` was read; the poll waits until each transaction
    writing it then has ended (from pg_locks: no lock taken, no writer ever waits for the
    poll). Those that begin later take higher ids.
    """
    if connection.vendor != "postgresql":
        return newest
    table = feed.events._meta.db_table
    writers_sql = (
        "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'relation'"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND relation = %s::regclass AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + SETTLE_SECONDS
    with connection.cursor() as cursor:
        cursor.execute(writers_sql, [table])
        writers = [row[0] for row in cursor.fetchall()]
        while writers:
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)
            cursor.execute(writers_sql + " AND virtualtransaction = ANY(%s)", [table, writers])
            writers = [row[0] for row in cursor.fetchall()]
    return newest


def _lock(name: str) -> int | None:
    """The cursor's position, its row locked until the transaction ends (SQLite: every
    transaction here begins IMMEDIATE, one writer at a time)."""
    return (
        Cursor.objects.select_for_update()
        .filter(name=name)
        .values_list("position", flat=True)
        .first()
    )


def feed_pass(feed: Feed, *, limit: int = BATCH) -> int:
    """Read the feed's new events and queue their messages, `limit` events a transaction,
    until it has caught up; how many events it read."""
    position = Cursor.objects.filter(name=feed.name).values_list("position", flat=True).first()
    if position is None:
        cursors_start([feed])  # no migrate since the feed came: it starts now
        logger.warning("Texts: %s had no cursor; it starts at its newest event", feed.name)
        return 0
    newest = _newest(feed)
    if newest <= position:
        return 0  # nothing new: no write, no lock (the poll's usual answer)
    upto = _settled(feed, newest)
    if upto is None:
        logger.info("Texts: an earlier event of %s is still being written; next poll", feed.name)
        return 0
    read = 0
    while True:
        with transaction.atomic():
            position = _lock(feed.name)
            if position is None or position >= upto:
                return read
            reached = feed.read(position, upto, limit)
            if not position < reached <= upto:
                raise ValueError(f"{feed.name}: read {position} → {reached}, up to {upto}")
            Cursor.objects.filter(name=feed.name).update(
                position=reached, updated_at=timezone.now()
            )
        read += reached - position


def feeds_pass() -> dict[str, int]:
    """One poll of every feed (the worker's; tests call it through tests/jobs.run_tasks)."""
    return {name: feed_pass(feed) for name, feed in FEEDS.items()}


def feeds_behind() -> bool:
    """Whether a feed has events its poll has not read yet (the soak waits for it)."""
    positions = dict(Cursor.objects.values_list("name", "position"))
    return any(_newest(feed) > positions.get(name, 0) for name, feed in FEEDS.items())


def poll_ensure(*, after: float = 0) -> bool:
    """Queue the poll to run `after` seconds from now unless one is already waiting; whether
    it queued one. Two callers at once take turns (a lock), so the polls stay one chain."""
    from django_tasks_db.models import DBTaskResult

    from notify.tasks import poll_feeds

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [POLL_TASK])
        polls = DBTaskResult.objects.filter(task_path=POLL_TASK)
        # The chain's trail: a finished poll's row says nothing a minute later (failures stay).
        polls.filter(
            status="SUCCESSFUL", finished_at__lt=timezone.now() - datetime.timedelta(minutes=1)
        ).delete()
        if polls.filter(status="READY").exists():
            return False
        run_after = timezone.now() + datetime.timedelta(seconds=after) if after else None
        poll_feeds.using(run_after=run_after).enqueue()
        return True
