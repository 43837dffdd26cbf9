"""The embedded default database and the secret key need no configuration."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_full_sync_and_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 20000
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ


def test_secret_key_is_generated_once_outside_git(tmp_path):
    code = (
        f"import os; os.environ['PETITIONS_VAR_DIR']={str(tmp_path)!r}; "
        "os.environ.pop('DJANGO_SECRET_KEY', None);"
        "import petition_site.settings.base as b; print(b.SECRET_KEY)"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    second = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    ignored = subprocess.run(["git", "check-ignore", "var/secret_key"], cwd=ROOT)
    assert ignored.returncode == 0
