"""Backup and restore of the database and the files, while the system runs (等保 8.1.4.9).

A backup set is three files in ``PETITIONS_BACKUP_DIR``, named by its time:

- ``petitions-<stamp>-db.<ext>``: the database, by django-dbbackup with the database's own
  online backup (SQLite's backup API, PostgreSQL's pg_dump): a consistent snapshot taken while
  cases are being filed;
- ``petitions-<stamp>-files.tar.gz``: the petitioners' private attachments and Wagtail's media,
  archived *after* the snapshot. An attachment is on disk before its case commits and files are
  never deleted, so every attachment the snapshot knows is in the archive;
- ``petitions-<stamp>.json``: the manifest (what, when, checksums), written last: a set without
  it is incomplete and is never restored or counted.

``manage.py backup`` makes a set and keeps the newest ``PETITIONS_BACKUP_KEEP``; the django-q2
worker runs it daily (the ``petitions.backup`` schedule, a migration). ``manage.py
restore_backup`` restores a set into an empty database and empty file folders, on a fresh
machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

PREFIX = "petitions-"
#: The folders archived, under these names in the archive.
FILE_ROOTS = {"private": "PRIVATE_FILES_ROOT", "media": "MEDIA_ROOT"}


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupSet:
    stamp: str
    manifest: dict

    @property
    def directory(self) -> Path:
        return backup_dir()

    @property
    def database_file(self) -> Path:
        return self.directory / self.manifest["database"]["file"]

    @property
    def files_archive(self) -> Path:
        return self.directory / self.manifest["files"]["file"]


def backup_dir() -> Path:
    path = Path(settings.PETITIONS_BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _only_one_at_a_time():
    """One backup at a time: the worker may hand a long backup to a second worker."""
    with (backup_dir() / ".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError("另一个备份正在进行。") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _archive_files(path: Path) -> int:
    count = 0
    with tarfile.open(path, "w:gz") as archive:
        for name, setting in FILE_ROOTS.items():
            root = Path(getattr(settings, setting))
            if not root.is_dir():
                continue
            for file in sorted(p for p in root.rglob("*") if p.is_file()):
                archive.add(file, arcname=f"{name}/{file.relative_to(root)}", recursive=False)
                count += 1
    return count


def make_backup() -> BackupSet:
    """Back up the database, then the files, then write the manifest; prune old sets."""
    with _only_one_at_a_time():
        started = timezone.now()
        stamp = started.strftime("%Y%m%dT%H%M%S%fZ")
        directory = backup_dir()
        db_name = f"{PREFIX}{stamp}-db.{_database_extension()}.gz"
        call_command(
            "dbbackup",
            "--noinput",
            "--quiet",
            "--compress",
            "--database",
            connection.alias,
            "--output-filename",
            db_name,
            "--output-path",
            str(directory / db_name),
            verbosity=0,
        )
        files_name = f"{PREFIX}{stamp}-files.tar.gz"
        count = _archive_files(directory / files_name)
        manifest = {
            "stamp": stamp,
            "started_at": started.isoformat(),
            "finished_at": timezone.now().isoformat(),
            "database": {
                "vendor": connection.vendor,
                "file": db_name,
                "sha256": _sha256(directory / db_name),
            },
            "files": {
                "file": files_name,
                "count": count,
                "sha256": _sha256(directory / files_name),
            },
        }
        manifest_path = directory / f"{PREFIX}{stamp}.json"
        partial = manifest_path.with_suffix(".json.partial")
        partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        partial.rename(manifest_path)  # the set is complete only now
        backup = BackupSet(stamp, manifest)
        prune()
        logger.info("backup %s: database and %d files", stamp, count)
        return backup


def _database_extension() -> str:
    return "sqlite3" if connection.vendor == "sqlite" else "psql"


def backup_sets() -> list[BackupSet]:
    """The complete sets, newest first."""
    sets = []
    for path in backup_dir().glob(f"{PREFIX}*.json"):
        manifest = json.loads(path.read_text())
        sets.append(BackupSet(manifest["stamp"], manifest))
    return sorted(sets, key=lambda s: s.stamp, reverse=True)


def prune() -> list[str]:
    """Delete all but the newest ``PETITIONS_BACKUP_KEEP`` sets (and leftovers of failed ones
    older than a day). Returns the stamps deleted."""
    keep = max(1, settings.PETITIONS_BACKUP_KEEP)
    sets = backup_sets()
    deleted = []
    for old in sets[keep:]:
        _manifest_path(old.stamp).unlink()  # first: the set is incomplete from here on
        for path in backup_dir().glob(f"{PREFIX}{old.stamp}*"):
            path.unlink(missing_ok=True)
        deleted.append(old.stamp)
    complete = {s.stamp for s in sets[:keep]}
    day_ago = timezone.now() - dt.timedelta(days=1)
    for path in backup_dir().glob(f"{PREFIX}*"):
        stamp = path.name[len(PREFIX) :].split("-", 1)[0].split(".", 1)[0]
        if stamp in complete:
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if modified < day_ago:
            path.unlink(missing_ok=True)
    return deleted


def _manifest_path(stamp: str) -> Path:
    return backup_dir() / f"{PREFIX}{stamp}.json"


def find_set(stamp: str | None) -> BackupSet:
    sets = backup_sets()
    if not sets:
        raise BackupError("没有可恢复的备份。")
    if stamp is None:
        return sets[0]
    for backup in sets:
        if backup.stamp == stamp:
            return backup
    raise BackupError(f"没有时间戳为 {stamp} 的备份。")


def verify(backup: BackupSet) -> None:
    for part, path in (("database", backup.database_file), ("files", backup.files_archive)):
        if not path.exists() or _sha256(path) != backup.manifest[part]["sha256"]:
            raise BackupError(f"备份文件 {path.name} 缺失或已损坏。")


def _database_is_empty() -> bool:
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        return not path.exists() or path.stat().st_size == 0
    return not connection.introspection.table_names()


def _folders_are_empty() -> bool:
    for setting in FILE_ROOTS.values():
        root = Path(getattr(settings, setting))
        if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
            return False
    return True


def restore(backup: BackupSet) -> None:
    """Restore ``backup`` into the configured database and file folders, which must be empty:
    a restore never overwrites a system in use."""
    verify(backup)
    if backup.manifest["database"]["vendor"] != connection.vendor:
        raise BackupError("备份的数据库类型与当前配置不同。")
    if not _database_is_empty():
        raise BackupError("目标数据库不是空的：请恢复到新建的空数据库。")
    if not _folders_are_empty():
        raise BackupError("目标附件目录不是空的：请恢复到新的空目录。")
    connection.close()
    call_command(
        "dbrestore",
        "--noinput",
        "--quiet",
        "--uncompress",
        "--database",
        connection.alias,
        "--input-path",
        str(backup.database_file),
        verbosity=0,
    )
    connection.close()
    with tarfile.open(backup.files_archive, "r:gz") as archive:
        for name, setting in FILE_ROOTS.items():
            root = Path(getattr(settings, setting))
            root.mkdir(parents=True, exist_ok=True)
            members = [m for m in archive.getmembers() if m.name.startswith(f"{name}/")]
            for member in members:
                member.name = member.name[len(name) + 1 :]
            # The "data" filter refuses absolute paths, "..", links out of the folder.
            archive.extractall(root, members=members, filter="data")


def run_scheduled_backup() -> str:
    """The django-q2 task of the ``petitions.backup`` schedule."""
    return make_backup().stamp
