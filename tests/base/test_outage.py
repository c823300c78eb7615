"""A database outage answers the Chinese 503 page, at once, never a hang or a 500."""

import os
import socket
import time

import pytest
from django.db import OperationalError
from django.test import Client

from devtools import loadtest
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def test_a_page_whose_database_is_down_answers_503_in_chinese(monkeypatch):
    household = HouseholdFactory()
    monkeypatch.setattr("casebook.public._household", _down)
    response = Client().post(f"/c/{household.card_token}/", {"description": "路灯坏了"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "系统暂时无法使用" in html and "请稍等片刻后重试" in html


def test_an_outage_met_by_a_middleware_answers_503_too(world, monkeypatch):
    """The session saved after the view (a middleware, not the view) meets the outage."""
    client = Client(raise_request_exception=False)
    client.force_login(world.member_user)
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", _down)
    response = client.get("/")
    assert response.status_code == 503
    assert "系统暂时无法使用" in response.content.decode()


def test_another_error_still_answers_the_plain_500_page(world, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    client = Client(raise_request_exception=False)
    client.force_login(world.member_user)
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "系统暂时出错" in response.content.decode()


@pytest.mark.slow
def test_a_server_whose_database_does_not_answer_says_503_within_seconds(tmp_path):
    """PostgreSQL that accepts the connection but never answers (a host that went away, a
    server hung mid-restart): the request gives up after the connect timeout and answers the
    503 page, instead of waiting until gunicorn kills the worker (60 s here) and the
    client's connection is dropped."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(64)  # the kernel completes the handshakes; nobody ever answers
        port = hole.getsockname()[1]
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)},
            "DJANGO_SETTINGS_MODULE": "liaison.settings",
            "DATABASE_URL": f"postgres://liaison@127.0.0.1:{port}/liaison",
            "DEBUG": "0",
            "SECRET_KEY": "outage-test-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF",
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(tmp_path / "static"),
        }
        with loadtest.Server(workers=1, env=env, healthy=False) as server:
            browser = loadtest.Browser(server.url, timeout=50)
            started = time.monotonic()
            status, body = browser.get("/c/any-card-token/")
            elapsed = time.monotonic() - started
            log = server.log_text()
    assert status == 503 and "系统暂时无法使用" in body
    # libpq's connect_timeout is 5 s: well inside gunicorn's worker timeout.
    assert elapsed < 20, elapsed
    assert "Service unavailable: GET /c/any-card-token/: OperationalError" in log
    assert "Traceback" not in log
