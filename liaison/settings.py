"""Settings for 四邻联动, read from the environment (see .env.example).

The embedded default is a SQLite file beside the project; production sets DATABASE_URL to
PostgreSQL and SECRET_KEY, and turns DEBUG off.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from base.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (see .env.example); refusing to start."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "liaison.apps.AxesConfig",  # django-axes, named in Chinese in the admin
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Background tasks (django-tasks, the backport of Django 6's django.tasks) kept in the
    # database; `manage.py db_worker` runs them.
    "django_tasks",
    "liaison.apps.TasksDbConfig",  # django_tasks_db, named in Chinese in the admin
    # The product, in its layers from the ground up (a package imports only downward):
    "base",
    "infra",
    "notify",
    "households",
    "members",
    "accounts",
    "casebook",
    "liaison",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database or Redis outage answers the 503 page at once (base/outage.py).
    "base.outage.OutageMiddleware",
    # Pages compressed for phones on a weak signal (static files come compressed from
    # whitenoise, which answers them above). Django's GZip adds random bytes against BREACH,
    # and the CSRF token is masked per response.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The client's address for audit records; then a pending account step (second factor,
    # own password) comes before any page.
    "infra.audit.AuditMiddleware",
    "accounts.middleware.AccountStepMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # AxesMiddleware must come last: it turns a lockout into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liaison.urls"
WSGI_APPLICATION = "liaison.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liaison.context_processors.site",
            ],
        },
    },
    # The few hot fragments (list rows, the board, the card sheet, <select>s), rendered from
    # Django templates with {% jinja %}: base/jinja_env.py says what they share with Django's.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "base.jinja_env.environment", "autoescape": True},
    },
]

# --- Database -------------------------------------------------------------------------------
_SQLITE_PATH = BASE_DIR / env_str("SQLITE_PATH", "db.sqlite3")
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{_SQLITE_PATH}",
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on the busy timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # For our sessions only:
    # - jit=off: PostgreSQL's JIT compiler fires on the dashboards' aggregates over a
    #   township's households and spends ~25 ms compiling a query that runs in ~10 ms, a
    #   loss on every page of a web application (short queries, many times).
    # - random_page_cost=1.1 (the usual value for SSDs; the default 4 assumes spinning
    #   disks): with it the household list walks the (village, number) index and stops at
    #   50 rows instead of sorting the whole township (6.7 -> 1.9 ms).
    # Failing fast during an outage (base/outage.py answers 503): a connection attempt gives
    # up after 5 s (libpq waits forever by default, e.g. on a host that drops packets), and
    # TCP keepalives find a connection to a vanished server dead within ~11 s instead of the
    # kernel's two hours, well inside gunicorn's worker timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "options": "-c jit=off -c random_page_cost=1.1",
            "connect_timeout": 5,
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and rate limits -------------------------------------------------------------------
# Shared by every worker and every app server: Redis when REDIS_URL is set, else a table in
# the database. With Redis, a server refuses to start when it cannot reach it (liaison/checks.py,
# run by `manage.py check`/`runserver`/`migrate` and by gunicorn through gunicorn.conf.py), and
# a Redis outage while running answers 503 within the 2 s socket timeouts (base/outage.py).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Several sites may share one Redis database: keys carry the prefix.
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", ""),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    RATE_LIMIT_BACKEND = "cache"
else:
    CACHES = {
        "default": {
            # Django's database cache, but a write is one upsert (infra/dbcache.py).
            "BACKEND": "infra.dbcache.DatabaseCache",
            "LOCATION": "liaison_cache",
            # Every write gives its villages new figures keys (infra/cache.py) and leaves the
            # old entries to expire; at Django's default of 300 entries a day's writes made
            # the table cull a third of itself (live figures and drawings among them) every
            # few writes. A few thousand entries of a few KB each (a map's drawing ~30 KB).
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
    RATE_LIMIT_BACKEND = "database"
# The villager's card page: submissions per card and per address, and page views per address.
CARD_SUBMIT_PER_TOKEN_PER_HOUR = env_int("CARD_SUBMIT_PER_TOKEN_PER_HOUR", 5)
CARD_SUBMIT_PER_IP_PER_HOUR = env_int("CARD_SUBMIT_PER_IP_PER_HOUR", 20)
CARD_VIEWS_PER_IP_PER_MINUTE = env_int("CARD_VIEWS_PER_IP_PER_MINUTE", 60)
# Typed card codes per address: 10 a minute keeps guessing a 50-bit code hopeless.
CARD_CODE_PER_IP_PER_MINUTE = env_int("CARD_CODE_PER_IP_PER_MINUTE", 10)
# The address printed in QR codes (e.g. https://liaison.example.org); default: the request's.
PUBLIC_BASE_URL = (env_str("PUBLIC_BASE_URL") or "").rstrip("/")

# --- Background tasks -----------------------------------------------------------------------
# Long work (large exports and imports, reminders) runs in a worker (`manage.py db_worker`),
# queued in the database every app server shares. Django 6: django.tasks, same setting.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# An export of more rows than this, or an import of more rows, is a background job with a
# progress page; below, the file is answered directly.
EXPORT_TASK_THRESHOLD = env_int("EXPORT_TASK_THRESHOLD", 20000)
IMPORT_TASK_THRESHOLD = env_int("IMPORT_TASK_THRESHOLD", 2000)
# Where the workers write the files of finished jobs (every app server and worker must see
# the same directory), and for how long a file is kept.
JOB_FILES_DIR = BASE_DIR / env_str("JOB_FILES_DIR", "job-files")
JOB_FILE_RETENTION_HOURS = env_int("JOB_FILE_RETENTION_HOURS", 24)
# A running job whose worker gave no sign of life for this long is queued again for the
# next worker (the worker died), up to JOB_MAX_ATTEMPTS runs in all, then reported failed;
# a job still waiting for a worker after JOB_QUEUE_TIMEOUT_MINUTES is reported failed.
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 120)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
JOB_QUEUE_TIMEOUT_MINUTES = env_int("JOB_QUEUE_TIMEOUT_MINUTES", 60)

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # GB/T 22239-2019 level 2: three of upper, lower, digits, symbols (accounts/passwords.py).
    {"NAME": "accounts.passwords.ComplexityValidator"},
]
# A password older than this must be changed at the next log-in (0: no limit).
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 180)
# Superusers and township staff always pass a second factor (TOTP); secretaries when on.
TWO_FACTOR_FOR_SECRETARIES = env_bool("TWO_FACTOR_FOR_SECRETARIES", default=False)
OTP_TOTP_ISSUER = "四邻联动"
# Audit records and the access log are kept this many days, then `prune_audit` removes
# them. The Cybersecurity Law (art. 21) asks network logs to be kept six months at least.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured(
        "AUDIT_RETENTION_DAYS must be at least 180: network logs are kept six months by law."
    )
if PASSWORD_MAX_AGE_DAYS < 0:
    raise ImproperlyConfigured("PASSWORD_MAX_AGE_DAYS must be 0 (off) or a number of days.")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions live in the database (shared by every worker) and end after 8 hours of inactivity.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True

# django-axes: lock a username + IP pair after 5 failures for 15 minutes. Failures are
# counted in the database (AccessAttempt), which every app server shares, so failures
# made on two servers add up (tests/liaison/test_two_servers.py).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A password alone is not a complete log-in for a login with an authenticator: its failures
# are cleared when every factor has passed (accounts.services.login_completed), not before.
AXES_RESET_ON_SUCCESS = False
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None
AXES_VERBOSE = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic writes (whitenoise serves it under production settings).
STATIC_ROOT = BASE_DIR / env_str("STATIC_ROOT", "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
FORM_RENDERER = "base.renderers.FormRenderer"

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Site -----------------------------------------------------------------------------------
SITE_TOWNSHIP_NAME = env_str("SITE_TOWNSHIP_NAME", "东山乡")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The SMS callbacks' secret is in their address: never in a log line.
    "filters": {"callback_secret": {"()": "notify.log_filters.RedactCallbackSecret"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["callback_secret"]},
        # runserver's request lines (DEBUG only), with the same filter.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["callback_secret"],
        },
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Text messages (短信) --------------------------------------------------------------------
# console: nothing leaves the machine (each message is stored and printed, number masked);
# memory: tests; aliyun / tencent: the providers' official SDKs. Sent only by the worker.
SMS_BACKEND = env_str("SMS_BACKEND", "console")
if SMS_BACKEND not in ("console", "memory", "aliyun", "tencent"):
    raise ImproperlyConfigured(
        f"SMS_BACKEND must be console, memory, aliyun or tencent, got {SMS_BACKEND!r}"
    )
SMS_ACCESS_KEY_ID = env_str("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = env_str("SMS_ACCESS_KEY_SECRET", "")
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "东山乡")
SMS_APP_ID = env_str("SMS_APP_ID", "")  # Tencent's SmsSdkAppId
SMS_REGION = env_str("SMS_REGION", "")
# Another host for the provider's SDK (a private gateway, a test double); http:// only here.
SMS_ENDPOINT = env_str("SMS_ENDPOINT", "")
if SMS_ENDPOINT and "://" in SMS_ENDPOINT and not SMS_ENDPOINT.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SMS_ENDPOINT must be http(s)://host[:port], got {SMS_ENDPOINT!r}")
if SMS_BACKEND in ("aliyun", "tencent") and not (SMS_ACCESS_KEY_ID and SMS_ACCESS_KEY_SECRET):
    raise ImproperlyConfigured(
        f"SMS_BACKEND={SMS_BACKEND} needs SMS_ACCESS_KEY_ID and SMS_ACCESS_KEY_SECRET"
    )
# One registered template code per kind of message: SMS_TEMPLATE_<KIND>=SMS_123456789.
SMS_TEMPLATES = {
    name.removeprefix("SMS_TEMPLATE_"): value
    for name, value in os.environ.items()
    if name.startswith("SMS_TEMPLATE_") and value
}
# The secret in the delivery-receipt callback's URL (/sms/receipts/<provider>/<secret>/);
# unset: every receipt is refused.
SMS_RECEIPT_SECRET = env_str("SMS_RECEIPT_SECRET", "")
SMS_PER_PHONE_PER_MINUTE = env_int("SMS_PER_PHONE_PER_MINUTE", 1)
SMS_PER_PHONE_PER_DAY = env_int("SMS_PER_PHONE_PER_DAY", 10)
SMS_TOWNSHIP_DAILY_CAP = env_int("SMS_TOWNSHIP_DAILY_CAP", 1000)
# Local hours (Asia/Shanghai) between which a message waits for the morning.
SMS_QUIET_START = env_int("SMS_QUIET_START", 22)
SMS_QUIET_END = env_int("SMS_QUIET_END", 7)
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 8)
SMS_RETRY_SECONDS = env_int("SMS_RETRY_SECONDS", 30)  # the first back-off; doubled each try
# Calls to the provider a worker makes at once when it sends a batch (monthly reminders).
SMS_SEND_THREADS = env_int("SMS_SEND_THREADS", 4)
# The longest template variable; 0: the provider's own limit (Alibaba 35, Tencent 12).
SMS_VARIABLE_MAX_CHARS = env_int("SMS_VARIABLE_MAX_CHARS", 0)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")

# --- Content Security Policy (django-csp): our pages need no inline script or style. ---------
MIDDLEWARE.insert(1, "csp.middleware.CSPMiddleware")
INSTALLED_APPS.append("csp")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # Voice messages: served by our views; blob: plays a recording back before it is sent.
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        # The service worker (/sw.js) and the web app manifest: our own origin only.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

if DEBUG:
    # Developer tooling (the demo seed, benchmark, soak): its commands exist on a developer's
    # machine (`make run` sets DEBUG=1), never on a live server. Nothing above imports it.
    INSTALLED_APPS.append("devtools")
    # Under runserver whitenoise serves from the finders; no collected STATIC_ROOT is expected.
    import warnings

    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
