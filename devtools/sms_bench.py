"""The text messages' two benchmark targets (issue 26), on a seeded database:

- a staff reply's request time with messages on (the household agreed: the reply queues a
  text in its transaction) against off (no consent: nothing queued), in alternate rounds:
  the difference of the medians within 5 %;
- 3,066 monthly reminders queued, then handed to a provider double (Alibaba Cloud's real
  SDK, SMS_ENDPOINT on loopback) by one worker (`manage.py db_worker --batch`): ≤ 60 s.

`manage.py bench_sms` runs them alone; `manage.py bench` runs them at scale 1.
"""

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


def reply_times(rounds: int = 60) -> dict:
    """Median request time of a staff reply (POST, redirect not followed), texts on and off."""
    from casebook import services
    from casebook.models import Request, RequestCategory, RequestSource
    from households.models import Household
    from notify.models import Message

    staff = _township_user()
    pair = list(
        Household.objects.filter(status="active", phone__regex=r"^1[3-9][0-9]{9}$").order_by("pk")[
            :2
        ]
    )
    Household.objects.filter(pk=pair[0].pk).update(sms_consent_at=timezone.now())
    Household.objects.filter(pk=pair[1].pk).update(sms_consent_at=None)
    category = RequestCategory.objects.filter(is_active=True).first()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST="localhost")
    client.force_login(staff)
    times: dict[str, list[float]] = {"on": [], "off": []}
    before = Message.objects.count()
    for n in range(rounds + 2):  # two rounds of warm-up
        turns = (("on", pair[0]), ("off", pair[1]))
        for label, household in turns if n % 2 else turns[::-1]:  # neither always first
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
            if n >= 2:
                times[label].append(took)
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    return {
        "reply_ms_texts_on": round(on * 1000, 2),
        "reply_ms_texts_off": round(off * 1000, 2),
        "reply_change_percent": round(100 * (on - off) / off, 1),
        "texts_queued_by_replies": Message.objects.count() - before,
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
        env = {
            **os.environ,
            "SMS_BACKEND": "aliyun",
            "SMS_ENDPOINT": double.url,
            "SMS_ACCESS_KEY_ID": "bench-key",
            "SMS_ACCESS_KEY_SECRET": "bench-secret",
            "SMS_TEMPLATE_MEMBER_MONTHLY_DUE": "SMS_BENCH",
            "SMS_PER_PHONE_PER_MINUTE": "0",
            "SMS_QUIET_START": "0",
            "SMS_QUIET_END": "0",
        }
        subprocess.run(  # noqa: S603 -- fixed arguments
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
             "--no-reload", "--interval", "0", "--worker-id", "bench-sms"],
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
    return {**reply_times(), **reminders_through_one_worker()}
