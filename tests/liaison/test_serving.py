"""The served configuration (gunicorn.conf.py) answers while idle and slow clients hold
connections open: on loopback, bounded in time."""

import os
import socket
import time

import pytest

from devtools import loadtest
from liaison import gunicorn_worker

pytestmark = pytest.mark.slow

IDLE = 60  # silent connections: five times the served threads (3 workers x 4)
SLOW = 20  # clients that send part of their headers, then nothing: more than the threads


def _server_env(tmp_path) -> dict:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="liaison.settings",
        SQLITE_PATH=str(tmp_path / "serving.sqlite3"),
        DEBUG="1",
    )
    return env


def _health(port: int, timeout: float) -> tuple[bytes, float]:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = sock.recv(64)
    return answer, time.monotonic() - started


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_idle_and_slow_clients_do_not_stop_the_server_answering(tmp_path):
    with loadtest.Server(workers=3, env=_server_env(tmp_path)) as server:
        port = server.port
        connections = []
        try:
            # Silent clients hold no thread: the server answers at once.
            connections += [socket.create_connection(("127.0.0.1", port)) for _ in range(IDLE)]
            time.sleep(0.5)
            answer, seconds = _health(port, timeout=30)
            assert answer.startswith(b"HTTP/1.1 200"), answer
            assert seconds < 5, f"answered in {seconds:.1f} s beside {IDLE} idle connections"

            # Slow clients hold a thread each, HEADER_SECONDS at most, all of them together.
            slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(SLOW)]
            connections += slow
            for sock in slow:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line
            started = time.monotonic()
            answer, seconds = _health(port, timeout=30)
            bound = gunicorn_worker.HEADER_SECONDS + 5
            assert answer.startswith(b"HTTP/1.1 200"), answer
            assert seconds < bound, f"answered in {seconds:.1f} s beside {SLOW} slow clients"
            assert all(_closed_by_server(sock, bound) for sock in slow)
            assert time.monotonic() - started < bound + 2
            answer, seconds = _health(port, timeout=30)
            assert answer.startswith(b"HTTP/1.1 200") and seconds < 5
        finally:
            for sock in connections:
                sock.close()
        assert "Traceback" not in server.log_text()
