"""The benchmark: what every page costs at township and at a larger scale, as ratios.

    manage.py bench [--scale 100] [--json bench.json] [--requests 40] [--load-seconds 20]

For each scale it makes a fresh database beside the configured one (PostgreSQL: a database
named <name>_bench_<scale>; SQLite: bench-<scale>.sqlite3), migrates and seeds it (timed),
and then, in a child process on that database, times every page through Django's test
client (warm-up, then N rounds of one request to every page: median, p95, SQL queries)
with two baselines measured in the same rounds: a trivial view rendering a small template
(the floor) and Django admin's Household changelist. At scale 1 it also runs a bounded load
test on loopback (gunicorn, 2 workers; the targets take 5-second turns) and times the
assignment proposal, a 10,000-row import and a household export, in the request and as a
background job run by a real worker (`manage.py db_worker`). It ends with a verdict per
target of issue 15 (pages within 5x the trivial view, the list clearly faster than the
changelist, the list serving 30% of the trivial view's requests per second under load).
"""

import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

BASE_DIR = Path(settings.BASE_DIR)

PAGES = [
    # name, user, path (formatted with ids), notes
    ("trivial view (floor)", "township", "/bench/trivial/"),
    ("home (township dashboard)", "township", "/"),
    ("household list", "township", "/households/"),
    ("household list, searched", "township", "/households/?q=dwx"),
    (
        "household list, filtered",
        "township",
        "/households/?village={village}&flag=priority&visited=no",
    ),
    ("admin Household changelist", "admin", "/admin/households/household/"),
    ("household page", "township", "/households/{household}/"),
    ("member page", "township", "/members/{member}/"),
    ("assignment board", "township", "/members/board/{village}/"),
    ("township dashboard", "township", "/dashboard/"),
    # Dashboards are cached until a village changes (infra/cache.py): these two touch
    # the villages before every request, so they measure the figures computed afresh.
    ("township dashboard, after a write", "township", "/dashboard/"),
    ("village dashboard", "sec", "/dashboard/villages/{village}/"),
    ("village dashboard, after a write", "sec", "/dashboard/villages/{village}/"),
    # Their hotspots sections, which each dashboard's script fetches once the page shows.
    ("township hotspots section", "township", "HX /dashboard/?part=hotspots"),
    ("township hotspots section, after a write", "township", "HX /dashboard/?part=hotspots"),
    ("village hotspots section", "sec", "HX /dashboard/villages/{village}/?part=hotspots"),
    (
        "village hotspots section, after a write",
        "sec",
        "HX /dashboard/villages/{village}/?part=hotspots",
    ),
    ("request inbox", "township", "/casebook/requests/"),
    ("request page", "township", "/casebook/requests/{request}/"),
    ("card sheet, one village", "township", "POST /households/cards/print/ village={village}"),
    ("villager's card page", None, "/c/{token}/"),
    ("monthly report export", "township", "/dashboard/report/?format=xlsx"),
    # The county above (issue 28): at scale N the first 20 townships stand in one county
    # inside the prefecture; the write is in one of its townships.
    ("county dashboard", "county", "/dashboard/county/"),
    ("county dashboard, after a write", "county", "/dashboard/county/"),
    ("county report export", "county", "/dashboard/report/?format=xlsx"),
    ("county report export, after a write", "county", "/dashboard/report/?format=xlsx"),
    ("county request inbox", "county", "/casebook/requests/"),
]


class Command(BaseCommand):
    help = "Measure every page at scale 1 and a large scale; print a table and write JSON."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=100, help="the large scale")
        parser.add_argument("--json", default="bench.json", help="where to write the figures")
        # Rounds of requests: on this shared machine a median of 20 moved by ±10% between runs.
        parser.add_argument("--requests", type=int, default=40)
        parser.add_argument("--load-seconds", type=float, default=20)
        parser.add_argument("--load-clients", type=int, default=8)
        parser.add_argument("--phase", choices=["all", "measure"], default="all")

    def handle(self, *args, **options):
        if options["phase"] == "measure":
            return self.measure(options)
        results = {
            "scales": {},
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        }
        for scale in sorted({1, options["scale"]}):
            env = self.fresh_database(scale)
            started = time.monotonic()
            self.manage(
                env, "seed_demo", "--scale", str(scale), "--password", "bench-pass-123", "-v0"
            )
            seed_seconds = time.monotonic() - started
            out = BASE_DIR / f".bench-{scale}.json"
            self.manage(
                env, "bench", "--phase", "measure", "--json", str(out),
                "--requests", str(options["requests"]),
                "--load-seconds", str(options["load_seconds"] if scale == 1 else 0),
                "--load-clients", str(options["load_clients"]),
            )  # fmt: skip
            figures = json.loads(out.read_text())
            out.unlink()
            figures["seed_seconds"] = round(seed_seconds, 1)
            results["scales"][str(scale)] = figures
            self.stdout.write(f"scale {scale}: seeded in {seed_seconds:.1f} s")
        results["ratios"] = ratios(results, options["scale"])
        results["targets"] = targets(results, options["scale"])
        Path(options["json"]).write_text(json.dumps(results, ensure_ascii=False, indent=2))
        self.stdout.write(table(results, options["scale"]))
        self.stdout.write(f"Figures written to {options['json']}")

    # -- the orchestrator ---------------------------------------------------------------------

    def fresh_database(self, scale: int) -> dict:
        db = settings.DATABASES["default"]
        # Measured as in production: DEBUG off, hashed static files, no secure-cookie redirect.
        env = {
            **os.environ,
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "devtools.settings",  # the trivial view too
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "SECURE_COOKIES": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
            "CONN_MAX_AGE": "60",  # persistent connections, as the README's deployment has
            # The villager's card page is measured with its rate limit counting, not refusing:
            # one address asks it ~80 times a minute here.
            "CARD_VIEWS_PER_IP_PER_MINUTE": "100000",
        }
        if db["ENGINE"].endswith("sqlite3"):
            name = f"bench-{scale}.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                (BASE_DIR / (name + suffix)).unlink(missing_ok=True)
            env.pop("DATABASE_URL", None)
            env["SQLITE_PATH"] = name
        else:
            name = f"{db['NAME']}_bench_{scale}"
            url = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[0] + "/" + name
            admin_url = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[0] + "/postgres"
            for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
                subprocess.run(["psql", admin_url, "-q", "-c", sql], check=True)  # noqa: S603,S607
            env["DATABASE_URL"] = url
        self.manage(env, "migrate", "--noinput", "-v0")  # the cache table too
        self.manage(env, "collectstatic", "--noinput", "-v0")
        return env

    def manage(self, env, *args):
        command = [sys.executable, "manage.py", *args]
        result = subprocess.run(command, env=env, cwd=BASE_DIR, check=False)  # noqa: S603
        if result.returncode:
            raise CommandError(f"manage.py {' '.join(args)} failed")

    # -- the measurements (run in the child, on the seeded database) -------------------------

    def measure(self, options):
        ids = sample_ids()
        figures = {"pages": measure_pages(ids, options["requests"])}
        # The load test before the tasks, on the data the pages were measured on: the import
        # adds 10,000 households to the sample village (and the exports leave their jobs).
        if options["load_seconds"]:
            figures["load"] = load(ids, options["load_seconds"], options["load_clients"])
        figures["tasks"] = tasks(ids)
        if options["load_seconds"]:  # scale 1: the text messages' targets (issue 26)
            from devtools import sms_bench

            figures["texts"] = sms_bench.run()
        Path(options["json"]).write_text(json.dumps(figures))


def measure_pages(ids: dict, requests: int) -> dict:
    """Warm each page once, then time `requests` requests of each: median, p95, SQL queries.

    The requests go in rounds, one of every page per round, so that the load of a shared
    machine falls on every page alike and the ratios to the trivial view hold. Since the
    rounds write (the "after a write" pages), every other page is requested once untimed
    before it is timed, so that it is measured as read again from the figures cache.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from infra import cache

    clients, calls = {}, []
    for name, user, path in PAGES:
        client = clients.get(user)
        if client is None:
            client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST="localhost")
            if user:
                client.force_login(ids["users"][user])
            clients[user] = client
        method, url, data = parse(path.format(**ids))

        def call(client=client, method=method, url=url, data=data):
            if method == "POST":
                return client.post(url, data)
            if method == "HX":  # as htmx asks for a section of a page
                return client.get(url, headers={"HX-Request": "true"})
            return client.get(url)

        response = call()  # warm-up
        if response.status_code != 200:
            raise CommandError(f"{name}: {url} answered {response.status_code}")
        consume(response)
        calls.append((name, call))
    times = {name: [] for name, _call in calls}
    counts = dict.fromkeys(times, 0)
    touched = False  # once a round has written, every later read of the cache is warmed first
    for _ in range(requests):
        for name, call in calls:
            if name.endswith(", after a write"):
                # Outside the timing: a write elsewhere changed the villages.
                cache.touch(ids["township_villages"])
                touched = True
            elif touched:
                consume(call())
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = call()
                consume(response)
                times[name].append((time.perf_counter() - started) * 1000)
            counts[name] += len(queries)
            if response.status_code != 200:  # a refusal is not the page (e.g. a rate limit)
                raise CommandError(f"{name} answered {response.status_code}")
    return {
        name: {
            "median_ms": round(statistics.median(t), 2),
            "p95_ms": round(sorted(t)[max(0, int(len(t) * 0.95) - 1)], 2),
            "queries": counts[name] // requests,
        }
        for name, t in times.items()
    }


def parse(path: str):
    if path.startswith("POST "):
        _, url, form = path.split(" ", 2)
        return "POST", url, dict(part.split("=", 1) for part in form.split("&"))
    if path.startswith("HX "):
        return "HX", path.split(" ", 1)[1], None
    return "GET", path, None


def consume(response):
    if getattr(response, "streaming", False):
        for _chunk in response.streaming_content:
            pass


def sample_ids() -> dict:
    from django.contrib.auth.models import User

    from casebook.models import Request
    from households.models import Household, Role, Village
    from members.models import PartyMember

    village = Village.objects.filter(code="baiyahe").first() or Village.objects.first()
    household = Household.objects.filter(village=village).order_by("pk").first()
    secretary = Role.objects.filter(village=village).select_related("user").first().user
    return {
        "township_villages": list(
            Village.objects.filter(township_id=village.township_id).values_list("pk", flat=True)
        ),
        "village": village.pk,
        "household": household.pk,
        "token": household.card_token,
        "member": PartyMember.objects.filter(village=village).order_by("pk").first().pk,
        "request": Request.objects.filter(village=village).order_by("pk").first().pk,
        "users": {
            "township": User.objects.get(username="township"),
            "admin": User.objects.get(username="admin"),
            "sec": secretary,
            "county": User.objects.get(username="county"),
        },
    }


def tasks(ids, *, import_rows: int = 10_000, run_jobs=None) -> dict:
    """The proposal for a village and the township, a 10,000-row import, a full export in the
    request and as a background job (`run_jobs`: how to run the queued job, default a real
    `manage.py db_worker` process)."""
    from django.db.models import Count
    from django.test import Client, override_settings

    from households.importing import HOUSEHOLDS, import_apply, plan_import
    from households.models import Household, Village
    from members.proposal import propose

    result = {}
    village = Village.objects.get(pk=ids["village"])
    largest = Village.objects.annotate(n=Count("households")).order_by("-n", "pk").first()
    # The plan the proposal page shows (default move price and priority weight), groups included.
    started = time.perf_counter()
    propose(largest)
    result["proposal_largest_village_s"] = round(time.perf_counter() - started, 3)
    # The whole township: every village of the township the sample village belongs to.
    started = time.perf_counter()
    for v in Village.objects.filter(township_id=village.township_id):
        propose(v)
    result["proposal_township_s"] = round(time.perf_counter() - started, 3)

    headers = HOUSEHOLDS.headers
    group = village.groups.first()
    rows = [
        [village.name, group.name, f"99-{i:05d}", "测试户主", f"138{i:08d}", "", "", "3",
         "否", "否", "否", "否", "", ""]
        for i in range(import_rows)
    ]  # fmt: skip
    user = ids["users"]["township"]
    started = time.perf_counter()
    plan = plan_import(HOUSEHOLDS, headers, rows, user)  # the preview
    import_apply(roster=HOUSEHOLDS, headers=headers, rows=rows, user=user)  # the confirmation
    result[f"import_{import_rows}_rows_s"] = round(time.perf_counter() - started, 2)
    result["import_rows_created"] = plan.counts["create"]

    # The export as the admin sees it (every household of every township), streamed in the
    # request (below EXPORT_TASK_THRESHOLD: here forced, to compare with the job below).
    client = Client(HTTP_HOST="localhost")
    client.force_login(ids["users"]["admin"])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with override_settings(EXPORT_TASK_THRESHOLD=10**9):
        response = client.get("/households/export.xlsx")
        size = sum(len(chunk) for chunk in response.streaming_content)
    result["export_households_s"] = round(time.perf_counter() - started, 2)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["export_peak_rss_growth_mb"] = round((rss_after - rss_before) / 1024, 1)
    result["export_bytes"] = size
    result["export_rows"] = Household.objects.count()
    result.update(export_as_job(client, run_jobs))
    return result


EXPORT_REQUESTS = 5


def export_as_job(client, run_jobs=None) -> dict:
    """The same export as a background job (every export forced above the threshold): the
    web request's own time (it counts the rows and queues the job, like a page), the job
    page's and its status endpoint's, and the time until the file is ready."""
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    from infra import jobs
    from infra.models import Job

    url = "/households/export.xlsx"
    with override_settings(EXPORT_TASK_THRESHOLD=0):
        # The request alone, measured with no worker running; these jobs are then dropped.
        client.get(url)  # warm-up
        times = []
        for _ in range(EXPORT_REQUESTS):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 302:
                raise CommandError(f"the export as a job answered {response.status_code}")
        Job.objects.all().delete()
        DBTaskResult.objects.all().delete()

        worker = None
        if run_jobs is None:  # a real worker, already waiting for work as in production
            worker = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "db_worker", "--no-reload",
                 "--no-startup-delay", "--interval", "0.2", "-v0"],
                cwd=BASE_DIR,
                env=os.environ,
            )  # fmt: skip
            time.sleep(5)
        try:
            started = time.perf_counter()
            client.get(url)
            job = Job.objects.latest("pk")
            if run_jobs is not None:
                run_jobs()
            polls = []
            while True:  # as the page's script asks, every second
                poll = time.perf_counter()
                state = client.get(f"/jobs/{job.pk}/status.json").json()
                polls.append((time.perf_counter() - poll) * 1000)
                if state["finished"]:
                    break
                time.sleep(1)
            ready = time.perf_counter() - started
            page_started = time.perf_counter()
            client.get(f"/jobs/{job.pk}/")
            page_ms = (time.perf_counter() - page_started) * 1000
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=60)
    if state["failed"]:
        raise CommandError(f"the export job failed: {state['text']}")
    job.refresh_from_db()
    path = jobs.file_path(job)
    size = path.stat().st_size
    path.unlink()
    return {
        "export_job_request_ms": round(statistics.median(times), 2),
        "export_job_page_ms": round(page_ms, 2),
        "export_job_status_ms": round(statistics.median(polls), 2),
        "export_job_ready_s": round(ready, 2),
        "export_job_rows": job.total,
        "export_job_bytes": size,
    }


def load(ids, seconds: float, clients: int) -> dict:
    """Requests per second on loopback with gunicorn (2 workers) and `clients` threads."""
    from devtools import loadtest

    env = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "DJANGO_SETTINGS_MODULE": "devtools.settings",  # the trivial view too
    }
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=BASE_DIR,
        check=True,
    )  # noqa: S603
    targets = {
        "trivial view": ("township", "/bench/trivial/"),
        "household list": ("township", "/households/"),
        "village dashboard": ("sec", f"/dashboard/villages/{ids['village']}/"),
    }
    # The targets take turns in slices of `SLICE` seconds (each gets `seconds` in all), so
    # that a shared machine's load falls on all of them alike.
    tallies = {name: loadtest.Tally() for name in targets}
    slices = max(1, round(seconds / SLICE))
    with loadtest.Server(workers=2, env=env) as server:
        browsers = {}  # logged in before the clock starts, one per user and client
        for user in {user for user, _path in targets.values()}:
            for i in range(clients):
                browsers[(user, i)] = loadtest.Browser(server.url)
                browsers[(user, i)].log_in(ids["users"][user].username, "bench-pass-123")
        for _ in range(slices):
            for name, (user, path) in targets.items():
                tally = tallies[name]

                def worker(stop_at, i, path=path, user=user, tally=tally):
                    browser = browsers[(user, i)]
                    while time.monotonic() < stop_at:
                        try:
                            status, _ = browser.get(path)
                        except OSError:
                            status = 599
                        tally.add(status)

                loadtest.run_for(seconds / slices, clients, worker)
    return {
        name: {
            "rps": round(tally.total / seconds, 1),
            "errors": sum(n for status, n in tally.statuses.items() if status != 200),
        }
        for name, tally in tallies.items()
    }


SLICE = 5  # seconds of load on one target before the next takes its turn


def ratios(results, large: int) -> dict:
    one = results["scales"]["1"]["pages"]
    floor = one["trivial view (floor)"]["median_ms"]
    out = {"page_over_trivial": {}, "large_over_scale1": {}, "large_page_over_trivial": {}}
    for name, figures in one.items():
        out["page_over_trivial"][name] = round(figures["median_ms"] / floor, 1)
    big = results["scales"].get(str(large), {}).get("pages", {})
    if big:  # each scale against its own floor, measured in the same rounds
        big_floor = big["trivial view (floor)"]["median_ms"]
        for name, figures in big.items():
            out["large_page_over_trivial"][name] = round(figures["median_ms"] / big_floor, 1)
    for name, figures in big.items():
        out["large_over_scale1"][name] = round(figures["median_ms"] / one[name]["median_ms"], 2)
    out["household_list_over_admin"] = round(
        one["household list"]["median_ms"] / one["admin Household changelist"]["median_ms"], 2
    )
    load_figures = results["scales"]["1"].get("load")
    if load_figures:
        trivial = load_figures["trivial view"]["rps"] or 1
        out["load_over_trivial"] = {
            name: round(f["rps"] / trivial, 2) for name, f in load_figures.items()
        }
    return out


TASK_LABELS = {
    "proposal_largest_village_s": "proposal, largest village (s)",
    "proposal_township_s": "proposal, whole township (s)",
    "import_10000_rows_s": "import of 10,000 rows, preview + confirm (s)",
    "export_households_s": "export of every household (s)",
    "export_rows": "households exported",
    "export_peak_rss_growth_mb": "peak memory growth during the export (MB)",
    "export_job_request_ms": "export as a background job: the request (ms)",
    "export_job_status_ms": "export as a background job: each progress poll (ms)",
    "export_job_ready_s": "export as a background job: until the file is ready (s)",
}


def targets(results, large: int) -> dict:
    """The benchmark issue's targets, each with the figure that decides it (the product's
    pages only: the trivial view and the admin changelist are the baselines)."""
    r = results["ratios"]
    baselines = {"trivial view (floor)", "admin Household changelist"}
    pages = {k: v for k, v in r["page_over_trivial"].items() if k not in baselines}
    growth = {k: v for k, v in r["large_over_scale1"].items() if k not in baselines}
    load = results["scales"]["1"].get("load") or {}
    texts = results["scales"]["1"].get("texts") or {}
    county = {
        k: v
        for k, v in r.get("large_page_over_trivial", {}).items()
        if k.startswith("county ") or k == "request inbox"
    }
    proposals = {
        f"{name}@{scale}x": figures["tasks"][name]
        for scale, figures in results["scales"].items()
        for name in ("proposal_township_s", "proposal_largest_village_s")
        if name in figures.get("tasks", {})
    }
    return {
        "pages_within_5x_trivial": {
            "met": all(v <= 5 for v in pages.values()),
            "over": {k: v for k, v in pages.items() if v > 5},
        },
        # Issue 28: the county's pages and every inbox at the large scale, against its floor.
        f"county_pages_and_inboxes_within_5x_trivial_at_{large}x": {
            "met": bool(county) and all(v <= 5 for v in county.values()),
            "ratios": county,
        },
        f"no_page_2x_slower_at_{large}x": {
            "met": bool(growth) and all(v <= 2 for v in growth.values()),
            "worst": max(growth.items(), key=lambda kv: kv[1]) if growth else None,
        },
        # "By a clear margin": at most 0.8 of the changelist's median.
        "household_list_faster_than_admin": {
            "met": r["household_list_over_admin"] <= 0.8,
            "ratio": r["household_list_over_admin"],
        },
        "household_list_load_30pct_of_trivial": {
            "met": bool(load) and r["load_over_trivial"]["household list"] >= 0.3,
            "ratio": r.get("load_over_trivial", {}).get("household list"),
        },
        "no_load_errors": {
            "met": bool(load) and all(f["errors"] == 0 for f in load.values()),
            "errors": {k: f["errors"] for k, f in load.items()},
        },
        # A large export's request costs a page: it counts the rows and queues the job.
        "export_request_within_5x_trivial": {
            "met": all(
                f["tasks"].get("export_job_request_ms", 0) <= 5 * trivial(f)
                for f in results["scales"].values()
            ),
            "ms": {
                scale: f["tasks"].get("export_job_request_ms")
                for scale, f in results["scales"].items()
            },
        },
        "proposal_under_1s": {
            "met": bool(proposals) and all(v < 1 for v in proposals.values()),
            "seconds": proposals,
        },
        # Issue 26: texts on leave a staff reply's time within 5 %; a month's reminders
        # (3,066) reach the provider through one worker within 60 s.
        "reply_within_5pct_with_texts": {
            "met": texts.get("reply_change_percent", 99) <= 5,
            "percent": texts.get("reply_change_percent"),
        },
        "reminders_through_one_worker_60s": {
            "met": texts.get("reminders_total_seconds", 999) <= 60
            and texts.get("reminders_sent") == texts.get("reminders"),
            "seconds": texts.get("reminders_total_seconds"),
        },
    }


def trivial(figures) -> float:
    return figures["pages"]["trivial view (floor)"]["median_ms"]


def table(results, large: int) -> str:
    one = results["scales"]["1"]["pages"]
    big = results["scales"].get(str(large), {}).get("pages", {})
    r = results["ratios"]
    lines = [
        f"{'page':36} {'median ms':>10} {'p95 ms':>8} {'SQL':>4} {'÷trivial':>9} "
        f"{f'@{large}× ms':>10} {'growth':>7}"
    ]
    for name, f in one.items():
        g = big.get(name, {})
        lines.append(
            f"{name:36} {f['median_ms']:>10} {f['p95_ms']:>8} {f['queries']:>4} "
            f"{r['page_over_trivial'][name]:>9} {g.get('median_ms', '-'):>10} "
            f"{r['large_over_scale1'].get(name, '-'):>7}"
        )
    lines.append(f"household list ÷ admin changelist: {r['household_list_over_admin']}")
    for scale, figures in results["scales"].items():
        lines.append(f"scale {scale}: seeded in {figures['seed_seconds']} s")
        for key, label in TASK_LABELS.items():
            if key in figures["tasks"]:
                lines.append(f"  {label}: {figures['tasks'][key]}")
        for name, f in (figures.get("load") or {}).items():
            lines.append(f"  load, {name}: {f['rps']} req/s, {f['errors']} errors")
    for name, verdict in results.get("targets", {}).items():
        detail = {k: v for k, v in verdict.items() if k != "met"}
        lines.append(f"target {name}: {'met' if verdict['met'] else 'NOT met'} {detail}")
    return "\n".join(lines)
