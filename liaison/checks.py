"""Start-up checks: a REDIS_URL that cannot be reached stops the start, naming the URL.

Without it, a server started while Redis is down (or with a wrong URL) would come up and
answer every cached page with an error. `manage.py check`, `runserver` and `migrate` run
the system check below; gunicorn runs `redis_problem()` before it starts its workers
(gunicorn.conf.py) and exits with the message.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core import checks

CONNECT_TIMEOUT_SECONDS = 3


def shown_url(url: str) -> str:
    """The URL for a message, its password masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def redis_problem() -> str | None:
    """None when REDIS_URL is unset or Redis answers a PING; else what is wrong."""
    url = getattr(settings, "REDIS_URL", None)
    if not url:
        return None
    try:
        import redis
    except ImportError:
        return (
            f"REDIS_URL is set ({shown_url(url)}) but the redis client library is not "
            "installed: pip install -r requirements.txt."
        )
    try:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=CONNECT_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError, OSError) as error:
        return (
            f"REDIS_URL is set to {shown_url(url)} but Redis cannot be reached there "
            f"({type(error).__name__}: {error}). Start Redis, correct REDIS_URL, or unset it "
            "to keep the cache and rate limits in the database; refusing to start."
        )
    return None


@checks.register(checks.Tags.caches)
def redis_reachable(app_configs=None, **kwargs):
    problem = redis_problem()
    return [checks.Error(problem, id="liaison.E001")] if problem else []
