"""The text messages' two benchmark targets (issue 26), on a seeded database:

- a staff reply's request time with messages on against off: on, a worker runs beside
  the replies (`manage.py db_worker`: its poll turns each reply's timeline line into a text
  within seconds and sends it to a provider double in a process of its own) and the
  household agreed to texts; off, no worker and no consent. Blocks of rounds with the
  worker and without it alternate (a worker cannot be switched on and off for one
  request); in a block with the worker, a household that agreed alternates with one that
  did not (the reply's own path, the same code either way). Each reply is to a household
  of its own; the difference of the medians, on against off, within 5 %. Also how long
  after each reply its text was queued and accepted by the provider;
- 3,066 monthly reminders queued, then handed to a provider double (Alibaba Cloud's real
  SDK, SMS_ENDPOINT on loopback) by one worker (`manage.py db_worker --batch`): ≤ 60 s.

`manage.py bench_sms` runs them alone; `manage.py bench` runs them at scale 1.
"""

import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from devtools.sms_double import ProviderDouble

BASE_DIR = Path(settings.BASE_DIR)
REMINDERS = 3066
BLOCK = 10  # rounds in a block, with the worker running or not


def _worker_env(double_url: str) -> dict:
    return {
        **os.environ,
        "SMS_BACKEND": "aliyun",
        "SMS_ENDPOINT": double_url,
        "SMS_ACCESS_KEY_ID": "bench-key",
        "SMS_ACCESS_KEY_SECRET": "bench-secret",
        "SMS_TEMPLATE_MEMBER_MONTHLY_DUE": "SMS_BENCH",
        "SMS_TEMPLATE_REQUEST_RECEIVED": "SMS_BENCH_RECEIVED",
        "SMS_TEMPLATE_REQUEST_REPLIED": "SMS_BENCH_REPLIED",
        "SMS_PER_PHONE_PER_MINUTE": "0",
        "SMS_TOWNSHIP_DAILY_CAP": "0",
        "SMS_QUIET_START": "0",
        "SMS_QUIET_END": "0",
    }


def reply_times(blocks: int = 8) -> dict:
    """Median request time of a staff reply (POST, redirect not followed) in three cases:
    texts on (a worker polling and sending, the household agreed), the same worker but a
    household that did not agree (the reply's own path, which is the same code), and texts
    off (no worker, no consent). Blocks with the worker and without it alternate, after a
    warm-up block of each; in a block with the worker, rounds alternate between a household
    that agreed and one that did not."""
    from casebook import services
    from casebook.models import Request, RequestCategory, RequestSource
    from households.models import Household
    from notify import feeds
    from notify.models import Message, MessageStatus

    staff = _township_user()
    per_case = (blocks + 1) * BLOCK
    households = list(
        Household.objects.filter(status="active", phone__regex=r"^1[3-9][0-9]{9}$")
        .exclude(requests__description__startswith="bench ")
        .order_by("pk")[: 3 * per_case]
    )
    if len(households) < 3 * per_case:
        raise RuntimeError(f"{3 * per_case} households with a mobile are needed")
    texted = households[:per_case]
    Household.objects.filter(pk__in=[h.pk for h in texted]).update(sms_consent_at=timezone.now())
    untexted = households[per_case:]
    Household.objects.filter(pk__in=[h.pk for h in untexted]).update(sms_consent_at=None)
    category = RequestCategory.objects.filter(is_active=True).first()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST="localhost")
    client.force_login(staff)
    times: dict[str, list[float]] = {"on": [], "worker, no consent": [], "off": []}
    replied_on: list[int] = []

    def reply(household, n: int) -> tuple[float, int]:
        request = services.request_raise(
            household=household,
            category=category,
            description=f"bench {n}",
            source=RequestSource.WALK_IN,
            by=staff,
        )
        request = services.request_accept(request=request, by=staff, expected_version=None)
        url = f"/casebook/requests/{request.pk}/reply/"
        data = {"version": request.version, "text": "已办理，请查看。"}
        started = time.perf_counter()
        response = client.post(url, data)
        took = time.perf_counter() - started
        if response.status_code != 302:
            raise RuntimeError(f"reply answered {response.status_code}")
        if Request.objects.get(pk=request.pk).status != "replied":
            raise RuntimeError("the reply was not saved")
        return took, request.pk

    with _double_in_its_own_process() as double_url:
        env = _worker_env(double_url)
        for block in range(2 * (blocks + 1)):
            # worker/none, then none/worker, …: neither always first
            with_worker = block % 2 == (block // 2) % 2
            worker = None
            if with_worker:
                feeds.poll_ensure()
                connection.close()
                worker = subprocess.Popen(  # noqa: S603 -- fixed arguments
                    _niced(worker_nice(), [sys.executable, "manage.py", "db_worker",
                     "--no-reload", "--no-startup-delay", "--interval", "1",
                     "--worker-id", "bench-poll"]),
                    cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                _wait_until_polling(since=timezone.now())
            try:
                for n in range(BLOCK):
                    if not with_worker:
                        label, household = "off", untexted.pop()
                    elif n % 2 == (block // 2) % 2:
                        label, household = "on", texted.pop()
                    else:
                        label, household = "worker, no consent", untexted.pop()
                    took, pk = reply(household, block * BLOCK + n)
                    if block >= 2:  # the first block of each is the warm-up
                        times[label].append(took)
                        if label == "on":
                            replied_on.append(pk)
                if with_worker:  # its texts queued by the poll and sent before it stops
                    sent = Message.objects.filter(
                        kind="request_replied",
                        subject__in=[f"request:{pk}" for pk in replied_on],
                        status=MessageStatus.SENT,
                    )
                    deadline = time.monotonic() + 30
                    while sent.count() < len(replied_on) and time.monotonic() < deadline:
                        time.sleep(0.5)
            finally:
                if worker is not None:
                    worker.terminate()
                    worker.wait(timeout=60)
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    same_worker = statistics.median(times["worker, no consent"])
    latency = _text_latency(replied_on)
    return {
        "reply_ms_texts_on": round(on * 1000, 2),
        "reply_ms_texts_off": round(off * 1000, 2),
        "reply_change_percent": round(100 * (on - off) / off, 1),
        "reply_ms_worker_no_consent": round(same_worker * 1000, 2),
        "reply_path_change_percent": round(100 * (on - same_worker) / same_worker, 1),
        "reply_rounds": {label: len(found) for label, found in times.items()},
        "texts_sent_for_replies": latency["sent"],
        "reply_to_text_queued_s_median": latency["queued_median"],
        "reply_to_text_sent_s_median": latency["sent_median"],
        "reply_to_text_sent_s_max": latency["sent_max"],
    }


def _wait_until_polling(*, since) -> None:
    """Until the worker has started and polled once: a worker starting (its imports take a
    core for seconds on a busy machine) would slow the replies measured beside it, which
    no running worker does."""
    from django_tasks_db.models import DBTaskResult

    from notify import feeds

    polls = DBTaskResult.objects.filter(task_path=feeds.POLL_TASK, finished_at__gt=since)
    deadline = time.monotonic() + 120
    while not polls.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not poll within two minutes")
        time.sleep(0.2)
    time.sleep(1)


# The worker runs below the web processes, as deploy/liaison-worker@.service runs it: there
# CPUWeight ranks its unit's cgroup below the web's; here, where the bench, the worker and
# the double share one session, `nice` stands for it (SMS_BENCH_WORKER_NICE, default 10;
# 0: the web's own priority). The provider double of the replies' run stands for the
# provider's servers, which are not on this host: it runs at the lowest priority, so that
# its answers take what the web and the worker leave.
ELSEWHERE_NICE = 19


def worker_nice() -> int:
    return int(os.environ.get("SMS_BENCH_WORKER_NICE", "10"))


def _niced(level: int, argv: list[str]) -> list[str]:
    """`argv` run at niceness `level` (coreutils' nice: no code runs in the child before it
    starts, unlike preexec_fn beside the double's thread)."""
    return ["nice", "-n", str(level), *argv] if level else argv


@contextlib.contextmanager
def _double_in_its_own_process():
    """The provider double in a process of its own, as the provider is elsewhere: in this
    one its answers would take the measured replies' interpreter."""
    code = (
        "import sys; from devtools.sms_double import ProviderDouble\n"
        "with ProviderDouble() as double:\n"
        "    print(double.url, flush=True); sys.stdin.read()"
    )
    process = subprocess.Popen(  # noqa: S603 -- fixed arguments
        _niced(ELSEWHERE_NICE, [sys.executable, "-c", code]), cwd=BASE_DIR,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield process.stdout.readline().strip()
    finally:
        process.stdin.close()
        process.wait(timeout=10)


def _text_latency(request_ids: list[int]) -> dict:
    """Seconds from each reply's timeline line to its text queued (the poll) and accepted
    by the provider."""
    from casebook.models import RequestEvent
    from notify.models import Message

    replied_at = dict(
        RequestEvent.objects.filter(request_id__in=request_ids, kind="replied").values_list(
            "request_id", "at"
        )
    )
    queued, sent = [], []
    for subject, created, sent_at in Message.objects.filter(
        kind="request_replied", subject__in=[f"request:{pk}" for pk in request_ids]
    ).values_list("subject", "created_at", "sent_at"):
        at = replied_at[int(subject.split(":")[1])]
        queued.append((created - at).total_seconds())
        if sent_at:
            sent.append((sent_at - at).total_seconds())
    return {
        "sent": len(sent),
        "queued_median": round(statistics.median(queued), 1) if queued else None,
        "sent_median": round(statistics.median(sent), 1) if sent else None,
        "sent_max": round(max(sent), 1) if sent else None,
    }


def reminders_through_one_worker(count: int = REMINDERS) -> dict:
    """Queue `count` monthly reminders and time one worker handing them to the provider."""
    from notify import services
    from notify.models import Message, MessageStatus

    with ProviderDouble() as double:
        started = time.perf_counter()
        run = time.time_ns()
        services.messages_queue_many(
            {
                "kind": "member_monthly_due",
                "key": f"bench:{run}:member:{n}",
                "recipient": f"member:{n}",
                "phone": f"13{n % 10}{n:08d}",
                "variables": [("name", "郭有德"), ("count", n % 9)],
                "township_id": None,
                "send_after": None,
            }
            for n in range(count)
        )
        queued = time.perf_counter() - started
        connection.close()  # the worker writes; SQLite: no reader holds a snapshot meanwhile
        env = _worker_env(double.url)
        subprocess.run(  # noqa: S603 -- fixed arguments
            _niced(worker_nice(), [sys.executable, "manage.py", "db_worker", "--batch",
             "--no-startup-delay", "--no-reload", "--interval", "0", "--worker-id", "bench-sms"]),
            cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        total = time.perf_counter() - started
        sent = Message.objects.filter(
            kind="member_monthly_due", key__startswith=f"bench:{run}:", status=MessageStatus.SENT
        ).count()
        return {
            "reminders": count,
            "reminders_queued_seconds": round(queued, 1),
            "reminders_total_seconds": round(total, 1),
            "reminders_sent": sent,
            "provider_accepted": len(double.accepted),
        }


def _township_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="township")


def run() -> dict:
    return {"worker_nice": worker_nice(), **reply_times(), **reminders_through_one_worker()}
