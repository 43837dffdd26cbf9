"""Tests: the real database (SQLite file, or PostgreSQL from DATABASE_URL), fast hashing."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
PRIVATE_FILES_ROOT = VAR_DIR / "test-private"

# Threaded tests (the case-number race, the browser's live server) need a file database:
# the in-memory database's shared-cache table locks ignore the busy timeout.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
AXES_VERBOSE = False  # no banner on every command
# Tests travel in time (freezegun): a request at a frozen date months back followed by one
# today would be an idle session. tests/site/test_login_policy.py sets the real 30 minutes.
PETITIONS_IDLE_TIMEOUT_MINUTES = 10 * 365 * 24 * 60
