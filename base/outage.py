"""A database or Redis outage answers 503 with the Chinese "try again shortly" page, at once.

While PostgreSQL restarts (or Redis, when REDIS_URL is set) every request that needs it
fails; without this, each one would answer 500 and write a full traceback to the log.
`OutageMiddleware` turns such an error raised by a view into the 503 page with a one-line
warning; `server_error` (the project's handler500) does the same for one raised by a
middleware (the session save, the login's lookup), and renders the plain 500 page for
anything else. Neither touches the database: the page is static.

The connection settings make "at once" true: a connection attempt gives up after a few
seconds and a connection to a server that vanished is found dead by TCP keepalives
(liaison/settings.py), so no request waits on the database until gunicorn kills its worker.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30

try:  # the client library is there when REDIS_URL is used
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # pragma: no cover
    OUTAGE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
else:
    OUTAGE_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


def unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 page, and one line in the log naming the error (no traceback)."""
    logger.warning(
        "Service unavailable: %s %s: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
    )
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class OutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, OUTAGE_ERRORS):
            return unavailable(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page for an outage raised outside a view, else the 500 page."""
    error = sys.exc_info()[1]
    if isinstance(error, OUTAGE_ERRORS):
        return unavailable(request, error)
    return HttpResponseServerError(loader.get_template("500.html").render())
