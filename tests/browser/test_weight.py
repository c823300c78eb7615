"""Page weight on a member's phone, under production settings.

gunicorn serves the product with DEBUG off; whitenoise serves the hashed, compressed files
that collectstatic wrote (CompressedManifestStaticFilesStorage), pages are gzipped. Chromium
counts the bytes on the wire (Playwright's request sizes: the compressed body and headers,
from Chromium's network events), for the page and for its service worker. A first load, on
an empty phone, from the login page to the member's home with the offline shell and the
visit form kept, stays within 150 KB; every later load of a daily page within 30 KB.
"""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devtools import loadtest
from tests.browser.conftest import PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FIRST_LOAD_BUDGET = 150_000
LATER_LOAD_BUDGET = 30_000
PASSWORD = "a-long-pass-phrase"  # noqa: S105

SETUP = f"""
from casebook.models import RequestStatus
from tests.factories import (
    AssignmentFactory, HouseholdFactory, PartyMemberFactory, RequestFactory, UserFactory,
    VillageFactory, VisitFactory,
)
village = VillageFactory(name="白牙合村")
user = UserFactory(username="guo", password="{PASSWORD}")
member = PartyMemberFactory(village=village, name="郭有德", user=user)
for i in range(8):  # a member's full load: eight households, half with an open request
    household = HouseholdFactory(village=village, is_elderly_alone=i % 3 == 0)
    AssignmentFactory(household=household, member=member)
    VisitFactory(household=household, member=member, notes="入户走访，宣传医保政策" * 3)
    if i % 2:
        RequestFactory(household=household, status=RequestStatus.ACCEPTED)
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """gunicorn on a free loopback port with production settings and collected static files."""
    tmp_path = tmp_path_factory.mktemp("weight")
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k
            not in (
                "DATABASE_URL",
                "DJANGO_SETTINGS_MODULE",
                "DJANGO_ALLOW_ASYNC_UNSAFE",
                "SECRET_KEY",
                "REDIS_URL",
            )
        },
        "DJANGO_SETTINGS_MODULE": "liaison.settings",
        "DEBUG": "0",
        "SECRET_KEY": "weight-test-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
        "SQLITE_PATH": str(tmp_path / "weight.sqlite3"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }

    def manage(*args, stdin=None):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            env=env,
            input=stdin,
            text=True,
            capture_output=True,
            check=True,
            cwd=loadtest.BASE_DIR,
        )

    manage("collectstatic", "--noinput", "-v0")
    manage("migrate", "-v0")
    manage("shell", "-v0", stdin=SETUP)
    with loadtest.Server(workers=1, env=env) as server:
        yield server.url


class Wire:
    """Bytes on the wire per request, for the page and its service worker."""

    def __init__(self, context):
        self.rows = []
        context.on("requestfinished", self._finished)

    def _finished(self, request):
        sizes = request.sizes()
        self.rows.append(
            (request.url, sizes["responseBodySize"] + sizes["responseHeadersSize"], request)
        )

    def total(self) -> int:
        return sum(size for _, size, _ in self.rows)

    def clear(self) -> None:
        self.rows = []


def worker_imports(base: str) -> list[str]:
    """The scripts /sw.js imports: Chromium reports no size for importScripts() fetches."""
    with urllib.request.urlopen(base + "/sw.js", timeout=10) as response:  # noqa: S310
        body = response.read().decode()
    start = body.index("importScripts(...") + len("importScripts(...")
    return json.loads(body[start : body.index(")", start)])


def compressed_size(url: str) -> int:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.headers["Content-Encoding"] == "gzip", url
        headers = sum(len(k) + len(v) + 4 for k, v in response.headers.items())
        return len(response.read()) + headers


def until(page, script: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not page.evaluate(script):
        assert time.monotonic() < deadline, script
        page.wait_for_timeout(200)


def test_a_members_pages_stay_light_on_a_phone(browser, production):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    wire = Wire(context)
    figures = {}
    try:
        # First load: an empty phone opens the site, logs in, lands on today's work; the
        # service worker installs, precaches the shell and keeps the visit form.
        page.goto(production + "/accounts/login/")
        page.fill("input[name=username]", "guo")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(production + "/")
        until(
            page,
            """async () => navigator.serviceWorker.controller !== null &&
                (await (await caches.open("liaison-pages")).keys()).length > 0""",
        )
        page.wait_for_load_state("networkidle")
        imports = worker_imports(production)
        first = wire.total() + sum(compressed_size(production + url) for url in imports)
        static = [url for url, _, _ in wire.rows if "/static/" in url]
        # Styles, scripts and the site's icon; no fonts or images beyond it.
        icons = (".ico", ".svg", ".png")
        assert static and all(".css" in u or ".js" in u or u.endswith(icons) for u in static)
        # Production files: hashed names, compressed on the wire.
        css = next(r for u, _, r in wire.rows if "bootstrap.min." in u and u.endswith(".css"))
        assert css.url.count(".") >= 4  # bootstrap.min.<hash>.css
        assert css.response().header_value("content-encoding") == "gzip"
        figures["first load"] = first

        # Later loads: each daily page again, the shell from the cache.
        for path in ("/", "/casebook/due/", "/casebook/visits/new/", "/casebook/notebook/",
                     "/casebook/requests/"):  # fmt: skip
            wire.clear()
            page.goto(production + path)
            page.wait_for_load_state("networkidle")
            figures[path] = wire.total()
    finally:
        context.close()
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "weight.json").write_text(json.dumps(figures, indent=1))
    assert figures["first load"] <= FIRST_LOAD_BUDGET, figures
    later = {k: v for k, v in figures.items() if k != "first load"}
    assert all(0 < size <= LATER_LOAD_BUDGET for size in later.values()), figures


def test_the_worker_loads_nothing_from_outside(production):
    for url in worker_imports(production):
        assert url.startswith("/static/vendor/workbox/") and ".prod." in url
        assert Path(url).suffix == ".js"
        assert compressed_size(production + url) > 0
