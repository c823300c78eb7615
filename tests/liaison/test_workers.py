"""Shared state across processes: rate limits hold when several gunicorn workers serve."""

import os
import subprocess
import sys

import pytest

from devtools import loadtest

pytestmark = pytest.mark.slow

SETUP = """
from households.models import Household
from tests.factories import HouseholdFactory
h = HouseholdFactory()
print(h.card_token)
"""


def _manage(env, *args, stdin=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        cwd=loadtest.BASE_DIR,
    )


def test_card_rate_limit_holds_across_two_worker_processes(tmp_path, rate_window):
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
        },
        "DJANGO_SETTINGS_MODULE": "liaison.settings",
        "SQLITE_PATH": str(tmp_path / "workers.sqlite3"),
        "DEBUG": "1",
    }
    _manage(env, "migrate", "-v0")
    token = _manage(env, "shell", "-v0", stdin=SETUP).stdout.strip().splitlines()[-1]
    server_env = {
        **env,
        "CARD_SUBMIT_PER_TOKEN_PER_HOUR": "5",
        "CARD_SUBMIT_PER_IP_PER_HOUR": "1000",
    }
    with loadtest.Server(workers=2, env=server_env) as server:
        assert len(server.worker_pids()) == 2
        for _ in range(4):  # let both workers load the URLconf before counting (slow under CI)
            loadtest.Browser(server.url, timeout=120).get("/accounts/login/")
        statuses = []
        for _ in range(10):
            # A new connection each time: either worker may answer.
            browser = loadtest.Browser(server.url, timeout=120)
            browser.get(f"/c/{token}/")
            category = "1"
            status, _ = browser.post(
                f"/c/{token}/", {"category": category, "description": "路灯坏了"}
            )
            statuses.append(status)
    assert statuses.count(302) == 5 and statuses.count(429) == 5
