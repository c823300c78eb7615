"""The gunicorn worker the product is served with (gunicorn.conf.py): threads, and a deadline
for each request's headers.

With gunicorn's default sync workers, a client that opens a connection and sends nothing
holds a whole worker until the worker timeout; three such clients stopped a three-worker
server from answering anyone. gunicorn's threaded worker (gthread) is the base, with two
bounds of its own:
- a new connection that has sent nothing within FIRST_BYTES_SECONDS waits in the worker's
  poller, not in a thread (gthread keeps it in a thread for 5 s first, so a few dozen
  silent connections still queued everyone else behind them), and is closed after the
  keep-alive time if it stays silent;
- once a request's first bytes have arrived, its request line and headers must all arrive
  within HEADER_SECONDS (gthread reads them on a blocking socket without a limit: a client
  that sends part of its headers and stops held the thread as long as it kept the
  connection); a slower client is disconnected, as nginx's client_header_timeout does.
So idle and slow clients cost at most a thread for HEADER_SECONDS, and the others are
answered meanwhile (tests/liaison/test_serving.py).
"""

import socket
import time

from gunicorn.http.errors import NoMoreData
from gunicorn.workers.gthread import _DEFER, ThreadWorker

FIRST_BYTES_SECONDS = 0.2
HEADER_SECONDS = 10


class _Deadline:
    """A socket whose reads all end by one deadline (the request line and headers)."""

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock = sock
        self._deadline = deadline

    def recv(self, size: int) -> bytes:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise NoMoreData(b"")
        self._sock.settimeout(remaining)
        try:
            return self._sock.recv(size)
        except TimeoutError as error:
            raise NoMoreData(b"") from error
        finally:
            self._sock.settimeout(None)

    def __getattr__(self, name):
        return getattr(self._sock, name)


class _HeadersByDeadline:
    """A request parser whose next request's headers must arrive within HEADER_SECONDS."""

    def __init__(self, parser):
        self._parser = parser

    def __iter__(self):
        return self

    def __next__(self):
        unreader = getattr(self._parser, "unreader", None)
        sock = getattr(unreader, "sock", None)
        if sock is None:  # not a socket's parser: nothing to bound
            return next(self._parser)
        unreader.sock = _Deadline(sock, time.monotonic() + HEADER_SECONDS)
        try:
            return next(self._parser)
        finally:
            # The body is read from the plain socket (large uploads may take longer).
            unreader.sock = sock

    def __getattr__(self, name):
        return getattr(self._parser, name)


class HeaderTimeoutWorker(ThreadWorker):
    """gthread, with every HTTP/1 request's headers bounded to HEADER_SECONDS."""

    def handle(self, conn):
        if not (conn.initialized or conn.data_ready or conn.wait_for_data(FIRST_BYTES_SECONDS)):
            return _DEFER  # the poller waits for its first bytes, not a thread
        if not conn.initialized:
            init = conn.init

            def init_with_deadline():
                init()
                if conn.parser is not None and not conn.is_http2:
                    conn.parser = _HeadersByDeadline(conn.parser)

            conn.init = init_with_deadline
        return super().handle(conn)
