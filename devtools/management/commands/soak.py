"""Reliability soak: gunicorn with several workers under mixed reads and writes.

    manage.py soak --seconds 60 --workers 4 [--kill-worker] [--restart-postgres]

Readers browse lists and dashboards; villagers raise requests from their card pages;
members record visits; staff add progress notes. Every write the server acknowledged is
looked up afterwards. One worker can be killed mid-run, and PostgreSQL stopped and started.
Fails (exit 1) on any 5xx outside a database outage, any lost acknowledged write, or a
"database is locked" error. Loopback only, bounded in time.
"""

import os
import random
import secrets
import shutil
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from casebook.models import Request, RequestCategory, RequestEvent, Visit
from devtools import loadtest
from households.models import Household
from members.models import PartyMember


class Command(BaseCommand):
    help = "Mixed load on a real gunicorn; checks for 5xx, lost writes and lock errors."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--clients", type=int, default=8)
        parser.add_argument("--kill-worker", action="store_true")
        parser.add_argument("--restart-postgres", action="store_true")
        parser.add_argument("--password", default="dongshan2026")

    def handle(
        self, *args, seconds, workers, clients, kill_worker, restart_postgres, password, **options
    ):
        if not Household.objects.exists():
            raise CommandError("Seed the database first (manage.py seed_demo).")
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
            Household.objects.filter(
                assignments__member=member, assignments__ended_on__isnull=True
            ).values_list("pk", flat=True)
        )
        open_requests = list(
            Request.objects.filter(status__in=["accepted", "in_progress"]).values_list(
                "pk", flat=True
            )[:50]
        )
        tally = loadtest.Tally()
        outage = {}
        run_id = secrets.token_hex(3)

        with loadtest.Server(workers=workers, env=env) as server:
            events = []
            if kill_worker:
                events.append(threading.Timer(seconds / 3, _kill, args=(server, outage)))
            if restart_postgres:
                events.append(
                    threading.Timer(seconds / 2, _restart_postgres, args=(outage, _cluster()))
                )
            for event in events:
                event.start()
            roles = [
                (reader, (server.url, tally, password)),
                (villager, (server.url, tally, tokens, category, run_id)),
                (villager, (server.url, tally, tokens, category, run_id)),
                (
                    visitor,
                    (server.url, tally, member.user.username, password, member_households, run_id),
                ),
                (staff, (server.url, tally, password, open_requests, run_id)),
            ]
            threads = []
            stop_at = time.monotonic() + seconds
            for i in range(clients):
                action, extra = roles[i % len(roles)]
                threads.append(threading.Thread(target=action, args=(stop_at, i, *extra)))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for event in events:
                event.cancel()
        stderr = server.log_text()

        connection.close()
        lost = _lost_writes(tally.acknowledged)
        locked = stderr.count("database is locked")
        outside = [e for e in tally.errors if not _in_outage(e, outage)]
        rate = tally.total / seconds
        self.stdout.write(
            f"requests {tally.total} in {seconds:.0f} s ({rate:.0f}/s), "
            f"statuses {dict(tally.statuses)}\n"
            f"acknowledged writes {len(tally.acknowledged)}, lost {len(lost)}; "
            f"5xx {tally.server_errors} ({len(outside)} outside an outage); "
            f"'database is locked' {locked}; worker killed: {outage.get('killed')}; "
            f"postgres restarted: {'up' in outage}; slowest request {tally.slowest:.1f} s"
        )
        if lost or outside or locked:
            raise CommandError(
                f"soak failed: lost={lost[:5]} errors={outside[:3]} locked={locked} events={outage}"
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


def _stamp(note: str, started: float) -> str:
    """A note that carries when its request started (errors are judged by that moment)."""
    return f"{started:.3f} {note}"


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
            note=_stamp(f"POST note {status}", t0),
            took=took,
        )
        n += 1


def _safe(call, *args):
    """(status, body, when the request started); a dropped connection counts as 599."""
    started = time.monotonic()
    try:
        status, body = call(*args)
    except (OSError, ConnectionError) as error:
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


def _restart_postgres(outage, cluster):
    """Stop and start the local cluster (root, Debian's pg_ctlcluster), noting the outage."""
    command = [
        shutil.which("pg_ctlcluster") or "/usr/bin/pg_ctlcluster",
        "--skip-systemctl-redirect",
    ]
    command += cluster
    outage["down"] = time.monotonic()
    subprocess.run([*command, "stop", "-m", "fast"], check=False)  # noqa: S603
    time.sleep(3)
    subprocess.run([*command, "start"], check=False)  # noqa: S603
    outage["up"] = time.monotonic()


def _kill(server, outage):
    outage["killed_at"] = time.monotonic()
    outage["killed"] = server.kill_a_worker()


def _in_outage(note: str, outage) -> bool:
    """During a database outage, or a connection the killed worker dropped as it died."""
    at = float(note.split(" ", 1)[0])
    if "killed_at" in outage and note.endswith(" 599") and -5 <= at - outage["killed_at"] <= 5:
        return True
    if "down" not in outage:
        return False
    return outage["down"] - 1 <= at <= outage.get("up", at) + 10


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
