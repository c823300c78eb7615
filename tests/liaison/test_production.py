"""Production behaviour: error pages, health check, security headers, deploy settings."""

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_check_says_ok_when_the_database_answers(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.content == b"ok\n"


def test_health_check_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db import DatabaseError, connection

    def broken(*args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr(connection, "cursor", broken)
    assert client.get(reverse("healthz")).status_code == 503


def test_not_found_page_is_chinese(client, world):
    client.force_login(world.staff)
    response = client.get("/households/999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() or "找不到" in response.content.decode()


def test_csrf_failure_page_is_chinese(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()


def test_server_error_page_is_chinese_and_plain(client):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "系统暂时出错" in html and "{%" not in html


def test_security_headers(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def _clean_environ() -> dict:
    """The shell's environment without what the test run itself sets (browser tests allow
    async-unsafe ORM calls, which check --deploy rightly refuses)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        capture_output=True,
        text=True,
        env={**_clean_environ(), "DJANGO_SETTINGS_MODULE": "liaison.settings", **env},
        check=False,
    )


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = _clean_environ()
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "liaison.settings", "DEBUG": "0"},
        check=False,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_production_values():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-production-like-secret-key-with-enough-length-and-variety-0123456789",
        ALLOWED_HOSTS="liaison.example.org",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="1",
    )
    assert result.returncode == 0, result.stderr


def test_malformed_setting_stops_start_up_with_a_clear_message():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0 and "DEBUG must be a boolean" in result.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own setting")
def test_postgresql_sessions_are_tuned_for_short_queries_on_ssd():
    # JIT compilation cost ~25 ms on the dashboards' 10 ms aggregate; the default page cost
    # made the household list sort the whole township (see settings.py).
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
