"""Test settings: the real settings with a throwaway key and a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")

from liaison.settings import *  # noqa: E402,F403

# Developer tooling, whatever DEBUG says: the tests seed the demo and drive the SMS double.
# A new list: liaison.settings keeps its own, as production has it.
if "devtools" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared in-memory database: the browser tests' live server answers
    # several requests at once (a page and its service worker's fetches), and one in-memory
    # connection shared by those threads can deadlock. A file gives each thread its own
    # connection, as in production (WAL, a busy timeout). One file per checkout.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}  # noqa: F405

if REDIS_URL:  # noqa: F405
    # The cache and rate limits in Redis (CI's third pass): one key prefix per test run, its
    # keys removed before each test (tests/conftest.py), so tests share nothing through
    # Redis and two runs on one Redis database never meet.
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}-{os.urandom(3).hex()}"  # noqa: F405
SMS_BACKEND = "memory"
