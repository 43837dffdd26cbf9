"""等保 8.1.4.9 (数据备份恢复): back up while the system works, restore on a fresh machine.

The drill: a clerk's thread files cases with an attachment without pause while ``manage.py
backup`` runs, including in the window between the database snapshot and the archive of the
files. The set is restored by ``manage.py restore_backup`` in another process, as on a new
machine: a new database, new, empty file folders. Every case acknowledged before the backup
started is there with its attachment, byte for byte, and the audit log is the source's.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from factories import detachment_user, direct_channel
from wagtail.models import ModelLogEntry

from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.cases.validators import attachment_content_type
from petitions.models import Attachment, Case

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Clerk(threading.Thread):
    """Files cases, each with its own photo, until told to stop; remembers the acknowledged."""

    def __init__(self, user, channel):
        super().__init__(daemon=True)
        self.user, self.channel = user, channel
        self.acknowledged: list[str] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def run(self):
        n = 0
        try:
            while not self.stop.is_set():
                n += 1
                photo = SimpleUploadedFile(
                    f"{n}.png", PNG + f"现场照片 {n}".encode() * 50, "image/png"
                )
                photo.checked_content_type = attachment_content_type(photo)
                case = file_case(
                    Filing(
                        channel=self.channel,
                        place=f"九龙坡区备份路{n}号",
                        description=f"备份演练 {n}",
                        petitioners=[PetitionerData(name="张三", phone="13800000000")],
                        attachments=[photo],
                    ),
                    user=self.user,
                )
                self.acknowledged.append(case.number)  # file_case returned: committed
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.errors.append(error)
        finally:
            connections.close_all()

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, "the clerk stopped filing"
            time.sleep(0.01)


@pytest.fixture
def fresh_files(settings, tmp_path, monkeypatch):
    """The attachments and media of this test in folders of its own."""
    private = tmp_path / "source" / "private"
    storage = Attachment._meta.get_field("file").storage
    monkeypatch.setattr(storage, "_location", str(private))
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)
    settings.PRIVATE_FILES_ROOT = private
    settings.MEDIA_ROOT = tmp_path / "source" / "media"
    settings.PETITIONS_BACKUP_DIR = tmp_path / "backups"
    yield tmp_path
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)


@pytest.fixture
def new_machine(fresh_files):
    """Environment of a fresh machine: its own folders and an empty database."""
    target = fresh_files / "new-machine"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "petition_site.settings.test",
        "PETITIONS_VAR_DIR": str(target),
        "PETITIONS_BACKUP_DIR": str(fresh_files / "backups"),
    }
    env.pop("DATABASE_URL", None)
    database = None
    if connection.vendor == "postgresql":
        database = f"{connection.settings_dict['NAME']}_restore"[:63]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{database}"')
        s = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{database}"
        )
    yield {"env": env, "dir": target, "database": database}
    if database:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _restored_rows(machine, sql: str) -> list[tuple]:
    if machine["database"]:
        import psycopg

        s = connection.settings_dict
        with psycopg.connect(
            host=s["HOST"] or "127.0.0.1",
            port=s["PORT"] or 5432,
            user=s["USER"],
            dbname=machine["database"],
        ) as restored:
            return [tuple(row) for row in restored.execute(sql).fetchall()]
    with sqlite3.connect(machine["dir"] / "db.sqlite3") as restored:
        return [tuple(row) for row in restored.execute(sql).fetchall()]


def _json(value):
    """SQLite gives the JSON column as text, PostgreSQL as the value."""
    return json.loads(value) if isinstance(value, str) else value


def _log_rows() -> dict[int, tuple]:
    return {
        row[0]: (row[1], row[2], row[3], json.dumps(row[4], sort_keys=True))
        for row in ModelLogEntry.objects.values_list(
            "id", "action", "object_id", "content_type_id", "data"
        )
    }


@pytest.mark.django_db(transaction=True)
def test_backup_while_cases_are_filed_restores_every_acknowledged_case_with_its_files(
    new_machine,
):
    from dbbackup.signals import post_backup

    clerk = Clerk(detachment_user(), direct_channel())
    clerk.start()
    try:
        clerk.wait_for(3)
        acknowledged_before = set(clerk.acknowledged)
        log_before = _log_rows()

        def keep_filing_between_snapshot_and_files(**kwargs):
            # Cases filed after the snapshot, while the files are yet to be archived.
            clerk.wait_for(len(clerk.acknowledged) + 3)

        post_backup.connect(keep_filing_between_snapshot_and_files, weak=False)
        try:
            call_command("backup", stdout=io.StringIO())
        finally:
            post_backup.disconnect(keep_filing_between_snapshot_and_files)
        clerk.wait_for(len(clerk.acknowledged) + 2)  # and after the backup too
    finally:
        clerk.stop.set()
        clerk.join(60)
    assert not clerk.errors, clerk.errors
    filed = len(clerk.acknowledged)
    assert filed >= len(acknowledged_before) + 5  # the backup ran under write load

    # A fresh machine: restore there, in another process.
    restore = subprocess.run(
        [sys.executable, "manage.py", "restore_backup"],
        cwd=ROOT,
        env=new_machine["env"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert restore.returncode == 0, restore.stderr

    restored_cases = {
        row[0] for row in _restored_rows(new_machine, "SELECT number FROM petitions_case")
    }
    assert acknowledged_before <= restored_cases
    assert restored_cases <= {case.number for case in Case.objects.all()}

    # Every restored case has its attachment, byte for byte, in the new machine's folder.
    attachments = _restored_rows(
        new_machine,
        "SELECT c.number, a.file FROM petitions_attachment a"
        " JOIN petitions_case c ON c.id = a.case_id",
    )
    restored_numbers_with_files = {number for number, _ in attachments}
    assert acknowledged_before <= restored_numbers_with_files
    for number, name in attachments:
        source = Attachment.objects.get(case__number=number)
        restored_file = new_machine["dir"] / "test-private" / name
        assert restored_file.exists(), (number, name)
        with source.file.open("rb") as original:
            assert _sha(restored_file.read_bytes()) == _sha(original.read()), number

    # The audit log: all of it from before the backup, and nothing that differs from the source.
    restored_log = {
        row[0]: (row[1], row[2], row[3], json.dumps(_json(row[4]), sort_keys=True))
        for row in _restored_rows(
            new_machine,
            "SELECT id, action, object_id, content_type_id, data FROM wagtailcore_modellogentry",
        )
    }
    source_log = _log_rows()
    assert set(log_before) <= set(restored_log)
    assert {i: source_log[i] for i in restored_log} == restored_log
    # Every restored case's filing is in the restored log.
    assert len([e for e in restored_log.values() if e[0] == "petitions.file"]) == len(
        restored_cases
    )
