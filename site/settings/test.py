"""Tests: the real database (SQLite file, or PostgreSQL from DATABASE_URL), fast hashing."""

import os

from petition_site.settings.base import *  # noqa: F403
from petition_site.settings.base import VAR_DIR

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
PRIVATE_FILES_ROOT = VAR_DIR / "test-private"

# Threaded tests (the case-number race, the browser's live server) need a file database:
# the in-memory database's shared-cache table locks ignore the busy timeout.
# Each run its own file, so two runs at once never share one; `bin/test --fast` keeps one file
# (PETITIONS_TEST_DB_NAME) to reuse between runs.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    name = os.environ.get("PETITIONS_TEST_DB_NAME") or f"test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / name)}  # noqa: F405
AXES_VERBOSE = False  # no banner on every command
# Tests travel in time (freezegun): a request at a frozen date months back followed by one
# today would be an idle session. tests/site/test_login_policy.py sets the real 30 minutes.
PETITIONS_IDLE_TIMEOUT_MINUTES = 10 * 365 * 24 * 60
