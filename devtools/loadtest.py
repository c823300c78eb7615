"""Load on loopback: a real gunicorn with several workers, and clients that use it.

Used by `manage.py soak` (reliability: mixed reads and writes, a worker killed mid-run,
optionally PostgreSQL stopped and started) and by `manage.py bench` (requests per second).
Traffic goes to 127.0.0.1 only, bounded in count and time.
"""

import contextlib
import http.cookiejar
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving liaison.wsgi on a free loopback port.

    Its log goes to a file (`log_text()`), never to a pipe: a pipe nobody reads while the
    server runs fills up (64 KiB of tracebacks during a database outage) and then every
    worker blocks on its next log line, the whole server hanging with it.
    """

    def __init__(self, *, workers: int = 2, env: dict | None = None, healthy: bool = True):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The caller's environment as given (merging os.environ would let an outer
        # DATABASE_URL point the server at another database).
        self.env = dict(env) if env is not None else dict(os.environ)
        self.workers = workers
        self.healthy = healthy  # wait for /healthz to answer 200 (else: any answer)
        self.process = None
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log")  # noqa: SIM115

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603 -- fixed arguments, loopback only
            [
                sys.executable,
                "-m",
                "gunicorn",
                "liaison.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],  # fmt: skip
            cwd=BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                health = self.url + "/healthz"  # our own loopback address
                with urllib.request.urlopen(health, timeout=2 if self.healthy else 10) as response:  # noqa: S310 # nosec B310
                    if response.status == 200:
                        return self
            except urllib.error.HTTPError:
                if not self.healthy:
                    return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start:\n{self.log_text()[-3000:]}")

    def log_text(self) -> str:
        """What gunicorn and the app wrote to stderr so far."""
        return Path(self.log.name).read_text("utf-8", "replace")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(stat[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def kill_a_worker(self) -> int | None:
        pids = self.worker_pids()
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            return pids[0]
        return None

    def kill(self) -> None:
        """SIGKILL the whole server at once, as if its host died."""
        workers = self.worker_pids()
        self.process.kill()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


class RedisServer:
    """A private redis-server on a free loopback port, without persistence; restartable.

    For tests and the soak: their Redis is their own (restarting it disturbs nobody) and
    is empty at each start, as a Redis restarted without persistence would be.
    """

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.dir = tempfile.TemporaryDirectory(prefix="redis-")

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(  # noqa: S603 -- fixed arguments, loopback only
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir.name,
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self, down_seconds: float = 0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.dir.cleanup()


class TaskWorker:
    """`manage.py db_worker` (background jobs), started again 3 s after it exits, as
    deploy/liaison-worker@.service's Restart=always, RestartSec=3 would."""

    def __init__(self, env: dict):
        self.env = dict(env)
        self.process = None
        self.exits = 0  # how often it ended (killed or crashed) and was started again
        self.stopping = threading.Event()
        self.supervisor = threading.Thread(target=self._supervise, daemon=True)
        self.log = tempfile.NamedTemporaryFile(prefix="db-worker-", suffix=".log")  # noqa: SIM115

    def _supervise(self):
        while not self.stopping.is_set():
            self.process = subprocess.Popen(  # noqa: S603 -- fixed arguments
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--no-reload",
                    "--interval",
                    "1",
                    "--worker-id",
                    "soak",
                ],  # fmt: skip
                cwd=BASE_DIR,
                env=self.env,
                stdout=self.log,
                stderr=self.log,
            )
            self.process.wait()
            if self.stopping.wait(3):
                return
            self.exits += 1

    def kill(self) -> int | None:
        process = self.process
        if process and process.poll() is None:
            process.kill()
            return process.pid
        return None

    def __enter__(self):
        self.supervisor.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.supervisor.join(timeout=30)

    def log_text(self) -> str:
        return Path(self.log.name).read_text("utf-8", "replace")


class Browser:
    """A cookie-keeping HTTP client that fills in Django's CSRF token."""

    def __init__(self, base: str | list[str], *, timeout: float = 15, jar=None):
        # Several bases: a balancer over several servers, as nginx's upstream. Each request
        # goes to the next one; a refused connection (nothing was sent) to the one after.
        self.bases = [base] if isinstance(base, str) else list(base)
        self.turn = random.randrange(len(self.bases))  # noqa: S311
        self.location = ""  # where the last redirect pointed
        self.timeout = timeout
        # Cookies do not keep ports apart: two servers on 127.0.0.1 may share one jar.
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        headers = {"Accept-Language": "zh-CN"}
        if data is not None:
            token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
            body = urllib.parse.urlencode(
                {**data, "csrfmiddlewaretoken": token}, doseq=True
            ).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.turn += 1
        self.location = ""
        for attempt in range(len(self.bases)):
            base = self.bases[(self.turn + attempt) % len(self.bases)]
            headers["Referer"] = base + path
            req = urllib.request.Request(base + path, data=body, method=method, headers=headers)  # noqa: S310
            try:
                with self.opener.open(req, timeout=self.timeout) as response:
                    self.location = response.headers.get("Location", "")
                    return response.status, response.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode("utf-8", "replace")
            except urllib.error.URLError as error:
                refused = isinstance(error.reason, ConnectionRefusedError)
                if not refused or attempt == len(self.bases) - 1:
                    raise
        raise AssertionError("unreachable")

    @property
    def base(self) -> str:
        return self.bases[0]

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> tuple[int, str]:
        return self.request("POST", path, data)

    def log_in(self, username: str, password: str) -> bool:
        self.get("/accounts/login/")
        status, _ = self.post("/accounts/login/", {"username": username, "password": password})
        return status == 302


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp

    http_error_301 = http_error_303 = http_error_307 = http_error_302


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    acknowledged: list[tuple[str, str]] = field(default_factory=list)  # (kind, marker)
    lock: threading.Lock = field(default_factory=threading.Lock)
    slowest: float = 0.0  # seconds, of the slowest request answered or dropped

    def add(
        self, status: int, *, ack: tuple[str, str] | None = None, note: str = "", took: float = 0
    ):
        with self.lock:
            self.statuses[status] += 1
            self.slowest = max(self.slowest, took)
            if ack and status in (301, 302, 303):
                self.acknowledged.append(ack)
            if status >= 500 and note:
                self.errors.append(note)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def run_for(seconds: float, clients: int, action, *args) -> None:
    """Run `action(stop_at, *args)` in `clients` threads until the time is up."""
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=action, args=(stop_at, i, *args)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


VERSION_RE = re.compile(r'name="version" value="(\d+)"')
