"""What every benchmark needs: Django on a fresh bench database, and the machine it ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


def fresh_sqlite(name: str) -> Path:
    """A SQLite file under var/bench/, deleted first (with its WAL files)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def setup_django(database_url: str | None, sqlite: Path | None) -> None:
    """Django on the base settings, on PostgreSQL at `database_url` or on the `sqlite` file."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "petition_site.settings.base"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    from django.conf import settings

    if sqlite is not None:
        settings.DATABASES["default"]["NAME"] = str(sqlite)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("show server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"
