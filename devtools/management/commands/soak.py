"""Reliability soak: gunicorn servers with several workers under mixed reads and writes.

    manage.py soak --seconds 60 --workers 4 [--kill-worker] [--restart-postgres]
    manage.py soak --servers 2 --workers 2 --kill-server --kill-worker --restart-redis \
        --restart-postgres

Readers browse lists and dashboards; villagers raise requests from their card pages;
members record visits; staff add progress notes. Every write a server acknowledged is
looked up afterwards. With several servers the clients go through a balancer (a refused
connection is tried on the next server, as nginx does) and the servers share the database
and, with --restart-redis, a Redis of the soak's own. Mid-run: a whole server killed, a
worker killed, Redis restarted, PostgreSQL (the cluster on DATABASE_URL's port) stopped and
started. Fails (exit 1) on any 5xx outside an outage, any lost acknowledged write, or a
"database is locked" error. Loopback only, bounded in time.

With --sms, text messages are on: the villagers' households agreed to them, a task worker
queues them from the matters' timelines (its poll) and sends them (Alibaba Cloud's real
SDK, SMS_ENDPOINT pointed at a provider double of the soak's own that refuses one call in
five). After the run it
waits for the outbox to drain and fails on a message lost (an acknowledged card matter
without its texts, or a text never sent) or sent twice (one event and recipient accepted
by the provider more than once)."""

import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.utils import timezone

from casebook.models import Request, RequestCategory, RequestEvent, Visit
from casebook.texts import KINDS
from devtools import loadtest
from devtools.sms_double import ProviderDouble
from households.models import Household
from infra.models import Job
from members.models import PartyMember
from members.selectors import open_links
from notify import feeds
from notify.models import Message, MessageStatus
from notify.services import is_mobile, messages_recover


class Command(BaseCommand):
    help = "Mixed load on a real gunicorn; checks for 5xx, lost writes and lock errors."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument("--servers", type=int, default=1, help="app servers (gunicorn)")
        parser.add_argument("--workers", type=int, default=4, help="workers per server")
        parser.add_argument("--clients", type=int, default=8)
        parser.add_argument("--kill-worker", action="store_true")
        parser.add_argument("--kill-server", action="store_true", help="SIGKILL one server")
        parser.add_argument(
            "--restart-redis",
            action="store_true",
            help="the servers share a Redis of the soak's own (REDIS_URL), restarted mid-run",
        )
        parser.add_argument("--restart-postgres", action="store_true")
        parser.add_argument(
            "--kill-task-worker",
            action="store_true",
            help="exports run as background jobs on a worker (db_worker), killed mid-job",
        )
        parser.add_argument(
            "--sms",
            action="store_true",
            help="text messages on, through a provider double failing one call in five",
        )
        parser.add_argument("--password", default="dongshan2026")

    def handle(self, *args, seconds, servers, workers, clients, password, **options):
        if not Household.objects.exists():
            raise CommandError("Seed the database first (manage.py seed_demo).")
        if options["kill_server"] and servers < 2:
            raise CommandError("--kill-server needs --servers 2 or more.")
        env = server_env()
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, check=True
        )
        tokens = list(
            Household.objects.filter(status="active").values_list("card_token", flat=True)[:500]
        )
        category = RequestCategory.objects.order_by("pk").values_list("pk", flat=True).first()
        member = (
            PartyMember.objects.filter(user__isnull=False, is_active=True)
            .select_related("user")
            .first()
        )
        member_households = list(
            open_links().filter(member=member).values_list("household_id", flat=True)
        )
        open_requests = list(
            Request.objects.filter(status__in=["accepted", "in_progress"]).values_list(
                "pk", flat=True
            )[:50]
        )
        tally = loadtest.Tally()
        outages: list[dict] = []
        run_id = secrets.token_hex(3)
        cluster = _cluster() if options["restart_postgres"] else None

        exports: list[int] = []  # the background jobs the exporter started
        texts_since = timezone.now()
        with contextlib.ExitStack() as stack:
            double = None
            if options["sms"]:
                double = stack.enter_context(ProviderDouble())
                double.fail_every = 5
                env.update(_sms_env(double.url))
                Household.objects.filter(card_token__in=tokens).update(sms_consent_at=texts_since)
            redis = None
            if options["restart_redis"]:
                redis = stack.enter_context(loadtest.RedisServer())
                env["REDIS_URL"] = redis.url
            task_worker = None
            if options["kill_task_worker"]:
                files = stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-jobs-"))
                # Every export of the township is a job; a job whose worker died is
                # reported failed after 10 s of silence (production: 120 s).
                env.update(EXPORT_TASK_THRESHOLD="100", JOB_STALE_SECONDS="10", JOB_FILES_DIR=files)
                task_worker = stack.enter_context(loadtest.TaskWorker(env))
            if double and not task_worker:
                stack.enter_context(loadtest.TaskWorker(env))  # it sends the texts
            running = [
                stack.enter_context(loadtest.Server(workers=workers, env=env))
                for _ in range(servers)
            ]
            # Clients go through a balancer over every server, as nginx's upstream would:
            # a refused connection is tried on the next server.
            base = [server.url for server in running]
            started = time.monotonic()
            events = []
            if options["kill_server"]:
                events.append((0.2, _kill_server, (running[0], outages)))
            if options["kill_worker"]:
                events.append((1 / 3, _kill, (running[-1], outages)))
            if redis:
                events.append((0.45 if servers > 1 else 0.4, _restart_redis, (redis, outages)))
            if task_worker:
                events.append(
                    (0.25, _kill_task_worker, (task_worker, outages, base, password, exports))
                )
            if cluster:
                events.append((0.7 if servers > 1 else 0.5, _restart_postgres, (outages, cluster)))
            timers = [threading.Timer(seconds * at, call, args=extra) for at, call, extra in events]
            for timer in timers:
                timer.start()
            roles = [
                (reader, (base, tally, password)),
                (villager, (base, tally, tokens, category, run_id)),
                (villager, (base, tally, tokens, category, run_id)),
                (
                    visitor,
                    (base, tally, member.user.username, password, member_households, run_id),
                ),
                (staff, (base, tally, password, open_requests, run_id)),
            ]
            threads = []
            stop_at = time.monotonic() + seconds
            for i in range(clients):
                action, extra = roles[i % len(roles)]
                threads.append(threading.Thread(target=action, args=(stop_at, i, *extra)))
            if task_worker:
                threads.append(
                    threading.Thread(
                        target=exporter, args=(stop_at, clients, base, tally, password, exports)
                    )
                )
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for timer in timers:
                timer.cancel()
            queued = [o["queued"] for o in outages if "queued" in o]
            db_down = [o["wall"] for o in outages if "wall" in o]
            jobs_verdict = (
                _jobs_verdict(base, password, exports, Path(files), task_worker, queued, db_down)
                if task_worker
                else None
            )
            stderr = "".join(server.log_text() for server in running)
            texts = _texts_verdict(double, texts_since, tally.acknowledged) if double else None

        connection.close()
        lost = _lost_writes(tally.acknowledged)
        locked = stderr.count("database is locked")
        outside = [e for e in tally.errors if not _in_outage(e, outages)]
        rate = tally.total / seconds
        timeline = ", ".join(
            f"{o['what']} at {o['start'] - started:.1f} s"
            + (f" (back after {o['end'] - o['start']:.1f} s)" if o["end"] > o["start"] else "")
            for o in outages
        )
        self.stdout.write(
            f"servers {servers} x {workers} workers; requests {tally.total} in {seconds:.0f} s "
            f"({rate:.0f}/s), statuses {dict(sorted(tally.statuses.items()))}\n"
            f"acknowledged writes {len(tally.acknowledged)}, lost {len(lost)}; "
            f"5xx {tally.server_errors} ({len(outside)} outside an outage); "
            f"'database is locked' {locked}; slowest request {tally.slowest:.1f} s\n"
            f"events: {timeline or 'none'}"
        )
        texts_wrong = []
        if texts:
            self.stdout.write(texts["line"])
            texts_wrong = texts["wrong"]
        jobs_wrong = []
        if jobs_verdict:
            self.stdout.write(jobs_verdict["line"])
            jobs_wrong = jobs_verdict["wrong"]
            if jobs_wrong:
                self.stderr.write("task worker's log, last lines:\n" + jobs_verdict["log"])
        if lost or outside or locked or jobs_wrong or texts_wrong:
            raise CommandError(
                f"soak failed: lost={lost[:5]} errors={outside[:3]} locked={locked} "
                f"jobs={jobs_wrong[:5]} texts={texts_wrong[:5]} events={timeline}"
            )
        self.stdout.write(self.style.SUCCESS("soak passed"))


def server_env() -> dict:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
        "CONN_MAX_AGE": "60",
        "CARD_SUBMIT_PER_TOKEN_PER_HOUR": "100000",
        "CARD_SUBMIT_PER_IP_PER_HOUR": "100000",
        "CARD_VIEWS_PER_IP_PER_MINUTE": "100000",
    }
    if db["ENGINE"].endswith("sqlite3"):
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(db["NAME"])
    return env


def _sms_env(endpoint: str) -> dict:
    """The servers' and the worker's text-message settings: the real Alibaba SDK against the
    double, no limits or quiet hours (a soak may run at night), retries after 1 s."""
    env = {
        "SMS_BACKEND": "aliyun",
        "SMS_ENDPOINT": endpoint,
        "SMS_ACCESS_KEY_ID": "soak-key",
        "SMS_ACCESS_KEY_SECRET": secrets.token_urlsafe(16),
        "SMS_PER_PHONE_PER_MINUTE": "0",
        "SMS_PER_PHONE_PER_DAY": "0",
        "SMS_TOWNSHIP_DAILY_CAP": "0",
        "SMS_QUIET_START": "0",
        "SMS_QUIET_END": "0",
        "SMS_RETRY_SECONDS": "1",
        "SMS_MAX_ATTEMPTS": "20",
    }
    env.update({f"SMS_TEMPLATE_{kind.upper()}": f"SMS_SOAK_{n}" for n, kind in enumerate(KINDS)})
    return env


def _texts_verdict(double, since, acknowledged, wait: float = 120) -> dict:
    """Wait for the outbox to drain, then count what was lost or sent twice."""
    queued = Message.objects.filter(created_at__gte=since)
    waiting = queued.filter(status__in=[MessageStatus.QUEUED, MessageStatus.SENDING])
    deadline = time.monotonic() + wait
    # The texts of the last matters are queued by the worker's poll a few seconds after them.
    while (waiting.exists() or feeds.feeds_behind()) and time.monotonic() < deadline:
        messages_recover(older_than=timedelta(seconds=15))  # a killed worker's sending rows
        feeds.poll_ensure()  # as sms_sweep would from cron, if a killed worker took the poll
        time.sleep(1)
    markers = [marker for kind, marker in acknowledged if kind == "card"]
    # Every acknowledged card matter of a household with a mobile (all agreed) is told.
    raised = [
        pk
        for pk, phone in Request.objects.filter(description__in=markers).values_list(
            "pk", "household__phone"
        )
        if is_mobile(phone)
    ]
    told = set(
        queued.filter(
            kind="request_received", subject__in=[f"request:{pk}" for pk in raised]
        ).values_list("subject", flat=True)
    )
    untold = [pk for pk in raised if f"request:{pk}" not in told]
    unsent = list(queued.exclude(status=MessageStatus.SENT).values_list("key", "status")[:20])
    accepted = Counter(call["out_id"] for call in double.accepted)
    twice = [key for key, n in accepted.items() if n > 1]
    keys = set(queued.values_list("key", flat=True))
    unknown = [key for key in accepted if key not in keys]
    refused = len(double.calls) - len(double.accepted)
    line = (
        f"texts: {queued.count()} queued, {accepted.total()} accepted by the provider "
        f"({len(double.calls)} calls, {refused} refused); lost {len(untold) + len(unsent)}, "
        f"sent twice {len(twice)}"
    )
    wrong = (
        [f"card matter #{pk} without its text" for pk in untold]
        + [f"{key}: {status}" for key, status in unsent]
        + [f"{key}: sent twice" for key in twice]
        + [f"{key}: sent but not in the outbox" for key in unknown]
    )
    return {"line": line, "wrong": wrong}


def _stamp(note: str, started: float, ended: float | None = None) -> str:
    """A note that carries when its request started and ended (errors are judged by
    whether that span met an outage)."""
    ended = time.monotonic() if ended is None else ended
    return f"{started:.3f} {ended:.3f} {note}"


def reader(stop_at, i, base, tally, password):
    browser = loadtest.Browser(base)
    browser.log_in("township", password)
    paths = [
        "/households/",
        "/households/?page=3",
        "/",
        "/casebook/requests/",
        "/members/",
        "/healthz",
    ]
    while time.monotonic() < stop_at:
        path = random.choice(paths)  # noqa: S311
        status, body, t0 = _safe(browser.get, path)
        tally.add(status, note=_stamp(f"GET {path} {status}", t0), took=time.monotonic() - t0)


def villager(stop_at, i, base, tally, tokens, category, run_id):
    n = 0
    while time.monotonic() < stop_at:
        browser = loadtest.Browser(base)
        token = random.choice(tokens)  # noqa: S311
        status, _, t0 = _safe(browser.get, f"/c/{token}/")
        tally.add(status, note=_stamp(f"GET card {status}", t0), took=time.monotonic() - t0)
        marker = f"SOAK-{run_id}-{i}-{n}"
        status, _, t0 = _safe(
            browser.post, f"/c/{token}/", {"category": category, "description": marker}
        )
        tally.add(
            status,
            ack=("card", marker),
            note=_stamp(f"POST card {status}", t0),
            took=time.monotonic() - t0,
        )
        n += 1


def visitor(stop_at, i, base, tally, username, password, households, run_id):
    browser = loadtest.Browser(base)
    browser.log_in(username, password)
    n = 0
    while time.monotonic() < stop_at and households:
        marker = f"SOAK-{run_id}-{i}-{n}"
        data = {
            "household": random.choice(households),  # noqa: S311
            "visited_on": time.strftime("%Y-%m-%d"),
            "channel": "in_person",
            "notes": marker,
        }
        status, _, t0 = _safe(browser.post, "/casebook/visits/new/", data)
        tally.add(
            status,
            ack=("visit", marker),
            note=_stamp(f"POST visit {status}", t0),
            took=time.monotonic() - t0,
        )
        n += 1


def staff(stop_at, i, base, tally, password, requests, run_id):
    browser = loadtest.Browser(base)
    browser.log_in("township", password)
    n = 0
    while time.monotonic() < stop_at and requests:
        pk = random.choice(requests)  # noqa: S311
        status, body, t0 = _safe(browser.get, f"/casebook/requests/{pk}/")
        tally.add(status, note=_stamp(f"GET request {status}", t0), took=time.monotonic() - t0)
        match = loadtest.VERSION_RE.search(body)
        if not match:
            continue
        marker = f"SOAK-{run_id}-{i}-{n}"
        status, _, t0 = _safe(
            browser.post,
            f"/casebook/requests/{pk}/note/",
            {"version": match.group(1), "text": marker},
        )
        took = time.monotonic() - t0
        # A redirect is also how a stale form is answered: look at the page to tell.
        _status, after, _t = _safe(browser.get, f"/casebook/requests/{pk}/")
        tally.add(
            status,
            ack=("note", marker) if marker in after else None,
            note=_stamp(f"POST note {status}", t0, t0 + took),
            took=took,
        )
        n += 1


def _safe(call, *args):
    """(status, body, when the request started); a dropped connection counts as 599."""
    started = time.monotonic()
    try:
        status, body = call(*args)
    except (OSError, http.client.HTTPException) as error:  # refused, reset, cut short
        status, body = 599, f"{type(error).__name__}: {error}"
    return status, body, started


def _cluster() -> list[str]:
    """pg_ctlcluster's (version, name) of the local cluster serving DATABASE_URL's port.

    Only that cluster is stopped: a soak on its own cluster (pg_createcluster 15 soak
    --port 5439) leaves the other databases of the machine alone.
    """
    port = str(settings.DATABASES["default"].get("PORT") or 5432)
    listing = subprocess.run(  # noqa: S603
        [shutil.which("pg_lsclusters") or "/usr/bin/pg_lsclusters", "--no-header"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in listing.splitlines():
        version, name, cluster_port = line.split()[:3]
        if cluster_port == port:
            return [version, name]
    raise CommandError(f"no local PostgreSQL cluster listens on port {port} (pg_lsclusters)")


def _restart_postgres(outages, cluster):
    """Stop and start the local cluster (root, Debian's pg_ctlcluster), noting the outage."""
    command = [
        shutil.which("pg_ctlcluster") or "/usr/bin/pg_ctlcluster",
        "--skip-systemctl-redirect",
    ]
    command += cluster
    outage = {"what": "PostgreSQL restarted", "start": time.monotonic(), "grace": 10}
    outage["wall"] = time.time()  # to compare with the jobs' timestamps
    outage["end"] = outage["start"] + 3600  # until it is back
    outages.append(outage)
    subprocess.run([*command, "stop", "-m", "fast"], check=False)  # noqa: S603
    time.sleep(3)
    subprocess.run([*command, "start"], check=False)  # noqa: S603
    outage["end"] = time.monotonic()


def _restart_redis(redis, outages):
    outage = {"what": "Redis restarted", "start": time.monotonic(), "grace": 5}
    outage["end"] = outage["start"] + 3600
    outages.append(outage)
    redis.restart(down_seconds=3)
    outage["end"] = time.monotonic()


def _kill(server, outages):
    """SIGKILL one worker: the requests it was serving are dropped (599), nothing else."""
    now = time.monotonic()
    pid = server.kill_a_worker()
    outages.append({"what": f"worker {pid} killed", "start": now, "end": now, "only599": True})


def _kill_server(server, outages):
    """SIGKILL a whole server, its master first: its workers notice and exit. Its requests
    in flight are dropped (599); the balancer sends the next ones to the other server."""
    now = time.monotonic()
    server.kill()
    outages.append({"what": "server killed", "start": now, "end": now, "only599": True})


def _in_outage(note: str, outages) -> bool:
    """Whether a failed request's span met an outage: a database or Redis restart (and a
    few seconds after, while connections come back), or a worker or server killed (its
    dropped connections, 599, only)."""
    started, ended, text = note.split(" ", 2)
    started, ended = float(started), float(ended)
    for outage in outages:
        if outage.get("only599") and not text.endswith(" 599"):
            continue
        grace = outage.get("grace", 5)
        if started <= outage["end"] + grace and ended >= outage["start"] - 1:
            return True
    return False


def exporter(stop_at, i, base, tally, password, exports):
    """Township staff export every household (a background job at this size) and watch
    the job's page status, as its progress bar does, until it ends; then again."""
    browser = loadtest.Browser(base)
    browser.log_in("township", password)
    while time.monotonic() < stop_at:
        status, _, t0 = _safe(browser.get, "/households/export.xlsx")
        tally.add(status, note=_stamp(f"GET export {status}", t0), took=time.monotonic() - t0)
        match = re.search(r"/jobs/(\d+)/", browser.location) if status == 302 else None
        if not match:
            time.sleep(1)
            continue
        pk = int(match.group(1))
        exports.append(pk)
        while time.monotonic() < stop_at:
            status, body, t0 = _safe(browser.get, f"/jobs/{pk}/status.json")
            tally.add(status, note=_stamp(f"GET job {status}", t0), took=time.monotonic() - t0)
            if status == 200 and json.loads(body)["finished"]:
                break
            time.sleep(1)


def _kill_task_worker(worker, outages, base, password, exports):
    """SIGKILL the background worker while it runs a job (waiting up to 10 s for one),
    and start an export while it is down: that job must finish once it is back."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if Job.objects.filter(status=Job.Status.RUNNING).exists():
                break
        except DatabaseError:
            pass
        time.sleep(0.2)
    now = time.monotonic()
    pid = worker.kill()
    outages.append({"what": f"task worker {pid} killed", "start": now, "end": now, "only599": True})
    browser = loadtest.Browser(base)
    browser.log_in("township", password)
    status, _body, _t = _safe(browser.get, "/households/export.xlsx")
    match = re.search(r"/jobs/(\d+)/", browser.location) if status == 302 else None
    if match:
        exports.append(int(match.group(1)))
        outages[-1]["queued"] = int(match.group(1))


def _jobs_verdict(base, password, exports, files: Path, worker, queued, db_down) -> dict:
    """Every export started ends done (its file there, made once) or failed with a
    message, as its page reports it, within a minute of the run's end: never stuck. The
    export started while the worker was down (`queued`) is done: it ran once it was back
    (unless it was running when PostgreSQL went down, which stops the worker too)."""
    browser = loadtest.Browser(base)
    browser.log_in("township", password)
    states = {}
    deadline = time.monotonic() + 60
    for pk in exports:
        while True:
            status, body, _t = _safe(browser.get, f"/jobs/{pk}/status.json")
            state = json.loads(body) if status == 200 else {}
            if state.get("finished") or time.monotonic() > deadline:
                break
            time.sleep(1)
        states[pk] = state
    connection.close()
    rows = {
        job.pk: job
        for job in Job.objects.filter(pk__in=exports).only(
            "pk", "status", "error", "file", "started_at", "heartbeat_at"
        )
    }
    wrong = []
    done = failed = 0
    for pk, state in states.items():
        job = rows.get(pk)
        made = sorted(p.name for p in files.glob(f"{pk}-*"))
        if not state.get("finished") or job is None:
            wrong.append(f"job {pk} stuck: {state.get('status')}")
        elif state["failed"] and pk in queued and not _ran_into(job, db_down):
            wrong.append(f"job {pk}, queued while the worker was down, failed: {job.error}")
        elif state["failed"]:
            failed += 1
            if not job.error or not state.get("text"):
                wrong.append(f"job {pk} failed without a message")
        elif len(made) != 1 or made[0].endswith(".part") or not state.get("download"):
            wrong.append(f"job {pk} done, files {made}")
        else:
            done += 1
    line = (
        f"exports (background jobs) started {len(exports)}: done {done}, failed with a "
        f"message {failed}, wrong {len(wrong)}; queued while the worker was down and done "
        f"after: {sum(1 for pk in queued if states.get(pk, {}).get('status') == 'done')} of "
        f"{len(queued)}; task worker exits (killed, started again) {worker.exits}"
    )
    return {"line": line, "wrong": wrong, "log": worker.log_text()[-30000:]}


def _ran_into(job, db_down) -> bool:
    """Whether the job was still running when PostgreSQL went down (its last sign of life,
    written every second, came within 3 s of that)."""
    if job.started_at is None or job.heartbeat_at is None:
        return False
    started, beat = job.started_at.timestamp(), job.heartbeat_at.timestamp()
    return any(started < at and beat >= at - 3 for at in db_down)


def _lost_writes(acknowledged) -> list:
    by_kind = {}
    for kind, marker in acknowledged:
        by_kind.setdefault(kind, []).append(marker)
    found = set(
        Request.objects.filter(description__in=by_kind.get("card", [])).values_list(
            "description", flat=True
        )
    )
    found |= set(
        Visit.objects.filter(notes__in=by_kind.get("visit", [])).values_list("notes", flat=True)
    )
    notes = by_kind.get("note", [])
    if notes:
        for text in RequestEvent.objects.filter(kind="note", text__startswith="SOAK-").values_list(
            "text", flat=True
        ):
            found.add(text)
    return [marker for _kind, marker in acknowledged if marker not in found]
