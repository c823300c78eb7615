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
- a request's line and headers must all arrive within HEADER_SECONDS of the moment the
  connection was handed to the thread pool (gthread reads them on a blocking socket without
  a limit: a client that sends part of its headers and stops held the thread as long as it
  kept the connection); a slower client is disconnected, as nginx's client_header_timeout
  does. The deadline runs from the hand-over, not from when a thread picks the connection
  up, so however many slow clients queue at once, all are gone HEADER_SECONDS later.
So silent clients hold no thread, slow ones at most HEADER_SECONDS, and the others are
answered meanwhile (tests/liaison/test_serving.py).
"""

import socket
import time

from gunicorn import util
from gunicorn.http.errors import NoMoreData
from gunicorn.workers.gthread import _DEFER, ThreadWorker

FIRST_BYTES_SECONDS = 0.2
HEADER_SECONDS = 10


class _Deadline:
    """A socket whose reads all end by one deadline (the request line and headers)."""

    def __init__(self, sock: socket.socket, deadline: float, conn):
        self._sock = sock
        self._deadline = deadline
        self._conn = conn

    def _expired(self) -> NoMoreData:
        self._conn.header_expired = True
        return NoMoreData(b"")

    def recv(self, size: int) -> bytes:
        # Past the deadline, what has arrived is still read (a request that waited in the
        # queue behind slow ones is whole); only waiting for more is refused.
        self._sock.settimeout(max(self._deadline - time.monotonic(), 0.0))
        try:
            return self._sock.recv(size)
        except (TimeoutError, BlockingIOError) as error:
            raise self._expired() from error
        finally:
            self._sock.settimeout(None)

    def __getattr__(self, name):
        return getattr(self._sock, name)


class _HeadersByDeadline:
    """A request parser whose next request's headers must arrive by the connection's
    deadline (set when it was handed to the thread pool)."""

    def __init__(self, parser, conn):
        self._parser = parser
        self._conn = conn

    def __iter__(self):
        return self

    def __next__(self):
        unreader = getattr(self._parser, "unreader", None)
        sock = getattr(unreader, "sock", None)
        if sock is None:  # not a socket's parser: nothing to bound
            return next(self._parser)
        deadline = getattr(self._conn, "header_deadline", None)
        unreader.sock = _Deadline(sock, deadline or time.monotonic() + HEADER_SECONDS, self._conn)
        try:
            return next(self._parser)
        finally:
            # The body is read from the plain socket (large uploads may take longer).
            unreader.sock = sock

    def __getattr__(self, name):
        return getattr(self._parser, name)


class HeaderTimeoutWorker(ThreadWorker):
    """gthread, with every HTTP/1 request's headers bounded to HEADER_SECONDS."""

    def enqueue_req(self, conn):
        # A new connection, a silent one that has just spoken, the next request on a kept
        # connection: each gets HEADER_SECONDS from now.
        conn.header_deadline = time.monotonic() + HEADER_SECONDS
        super().enqueue_req(conn)

    def handle(self, conn):
        if not (conn.initialized or conn.data_ready or conn.wait_for_data(FIRST_BYTES_SECONDS)):
            return _DEFER  # the poller waits for its first bytes, not a thread
        if not conn.initialized:
            init = conn.init

            def init_with_deadline():
                init()
                if conn.parser is not None and not conn.is_http2:
                    conn.parser = _HeadersByDeadline(conn.parser, conn)

            conn.init = init_with_deadline
        result = super().handle(conn)
        if getattr(conn, "header_expired", False):
            # Closed here, at once: gunicorn's graceful close would wait up to 2 s for the
            # client on the worker's main loop, which accepts every other connection.
            util.close(conn.sock)
        return result
