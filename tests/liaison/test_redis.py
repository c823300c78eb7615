"""REDIS_URL set but Redis unreachable: the start refuses with a message naming the URL."""

import os

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from devtools import loadtest
from liaison import checks


def _closed_port() -> int:
    return loadtest.free_port()  # bound, then released: nothing listens there


def test_check_names_the_unreachable_url_without_its_password(settings):
    port = _closed_port()
    settings.REDIS_URL = f"redis://:s3cret@127.0.0.1:{port}/2"
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    message = str(raised.value)
    assert "liaison.E001" in message
    assert f"redis://:***@127.0.0.1:{port}/2 but Redis cannot be reached" in message
    assert "s3cret" not in message


def test_check_is_quiet_without_redis_url_and_with_a_redis_that_answers(settings):
    settings.REDIS_URL = None
    assert checks.redis_problem() is None
    with loadtest.RedisServer() as redis:
        settings.REDIS_URL = redis.url
        assert checks.redis_problem() is None
        call_command("check")


@pytest.mark.slow
def test_gunicorn_refuses_to_start_and_serves_no_page(tmp_path):
    port = _closed_port()
    url = f"redis://127.0.0.1:{port}/0"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "liaison.settings",
        "REDIS_URL": url,
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DEBUG": "1",
    }
    server = loadtest.Server(workers=1, env=env)
    with pytest.raises(RuntimeError, match="gunicorn did not start") as raised:
        server.__enter__()
    assert server.process.wait(timeout=10) != 0
    assert f"REDIS_URL is set to {url} but Redis cannot be reached" in str(raised.value)
    assert "Booting worker" not in server.log_text()  # no worker ever served a page
