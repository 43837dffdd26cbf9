"""Large sheets in the worker (导入任务): checked, then filed after the clerk confirms.

A sheet too large for one request (more than INLINE_MAX_BYTES) becomes an ImportJob: the
worker runs the dry run (`check_job`), the clerk reads the counts and every bad row on the
job's page and confirms, and the worker files the new rows batch by batch (`import_job`).
Both steps write their progress to the job as they go; the page refreshes itself.

django-q2's ORM broker delivers a task again when it is not acknowledged within `retry`
seconds, which a long import can exceed: a step first claims its job, and a delivery that
finds the job busy with a fresh heartbeat leaves it alone. A delivery after a worker died
(stale heartbeat) takes over; importing again files only what is not in the ledger yet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from petitions.cases.models import private_storage
from petitions.transfer.exporting import spreadsheet_safe
from petitions.transfer.importing import (
    MAX_ROWS_PER_UPLOAD,
    Preview,
    RowResult,
    SheetError,
    Status,
    import_sheet,
    parse_sheet,
    preview_rows,
)
from petitions.transfer.models import ImportJob
from snippets.models import Channel

#: Uploads larger than this are checked and filed in the worker, not in the request.
INLINE_MAX_BYTES = 256 * 1024
#: A running step whose job has not been touched for this long has lost its worker.
STALE_AFTER = dt.timedelta(minutes=3)
#: The worker's time limit for one step (the cluster's default, 120 s, is for the sweep).
TASK_TIMEOUT = 3600

State = ImportJob.State


def stored_name(user, token: str) -> str:
    # Under the uploader's own folder: another user's token names no file of theirs.
    return f"imports/{user.pk}/{token}"


def start_job(*, user, channel: Channel, filename: str, name: str) -> ImportJob:
    """Create the job for an upload already in private storage and queue its check."""
    job = ImportJob.objects.create(
        created_by=user, channel=channel, filename=filename[:255], stored_name=name
    )
    _enqueue("petitions.tasks.import_check", job)
    return job


def confirm_job(job: ImportJob) -> bool:
    """The clerk confirms a checked job: queue the filing. False if it is not waiting."""
    if not ImportJob.objects.filter(pk=job.pk, state=State.CHECKED).update(
        state=State.IMPORTING, claimed_at=None, updated_at=timezone.now()
    ):
        return False
    _enqueue("petitions.tasks.import_file", job)
    return True


def _enqueue(func: str, job: ImportJob) -> None:
    # After the commit: the worker must find the job.
    transaction.on_commit(lambda: async_task(func, job.pk, timeout=TASK_TIMEOUT))


def _claim(job_id: int, state: str) -> ImportJob | None:
    """The job if this delivery should run the step in `state`; else None (done, failed,
    never confirmed, or running in another worker that is still alive)."""
    now = timezone.now()
    claimed = (
        ImportJob.objects.filter(pk=job_id, state=state)
        .filter(Q(claimed_at__isnull=True) | Q(updated_at__lt=now - STALE_AFTER))
        .update(claimed_at=now, updated_at=now)
    )
    return ImportJob.objects.get(pk=job_id) if claimed else None


def _progress(job: ImportJob):
    def report(checked: int, filed: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            rows_checked=checked, rows_filed=filed, updated_at=timezone.now()
        )

    return report


def _read(job: ImportJob):
    with private_storage().open(job.stored_name, "rb") as handle:
        content = handle.read()
    return parse_sheet(content, job.stored_name, job.channel, max_rows=MAX_ROWS_PER_UPLOAD)


def _problems(rows: list[RowResult]) -> list[dict]:
    return [
        {"line": r.line, "status": str(r.status), "ticket": r.ticket, "messages": r.messages}
        for r in rows
        if r.status != Status.NEW
    ]


def _fail(job: ImportJob, message: str) -> None:
    job.state, job.failure, job.finished_at = State.FAILED, message, timezone.now()
    job.save(update_fields=["state", "failure", "finished_at", "updated_at"])


def check_job(job_id: int) -> dict:
    """The worker's dry run of a job's sheet: counts and bad rows, nothing written."""
    job = _claim(job_id, State.CHECKING)
    if job is None:
        return {"skipped": True}
    try:
        sheet = _read(job)
    except SheetError as error:
        _fail(job, error.message)
        return {"failed": error.message}
    job.total_rows = len(sheet.rows)
    job.save(update_fields=["total_rows", "updated_at"])
    preview: Preview = preview_rows(sheet, on_progress=_progress(job))
    job.rows_checked = len(preview.rows)
    job.new_count = preview.new_count
    job.duplicate_count = preview.duplicate_count
    job.error_count = preview.error_count
    job.problems = _problems(preview.rows)
    job.missing_optional = preview.missing_optional
    job.state = State.CHECKED
    job.save()
    return {"new": job.new_count, "duplicate": job.duplicate_count, "error": job.error_count}


def import_job(job_id: int) -> dict:
    """The worker files a confirmed job's new rows, checked again row by row."""
    job = _claim(job_id, State.IMPORTING)
    if job is None:
        return {"skipped": True}
    try:
        sheet = _read(job)
    except SheetError as error:
        _fail(job, error.message)
        return {"failed": error.message}
    job.total_rows = len(sheet.rows)
    job.save(update_fields=["total_rows", "updated_at"])
    preview, result = import_sheet(sheet, user=job.created_by, on_progress=_progress(job))
    job.rows_checked = len(preview.rows)
    job.rows_filed = len(result.created) + len(result.duplicates)
    job.created_count = len(result.created)
    job.late_duplicate_count = len(result.duplicates)
    job.new_count = len(result.created) + len(result.duplicates)
    job.duplicate_count = preview.duplicate_count
    job.error_count = preview.error_count
    job.problems = _problems(preview.rows)
    job.state, job.finished_at = State.DONE, timezone.now()
    job.save()
    return {"created": job.created_count, "late_duplicates": job.late_duplicate_count}


def error_report(job: ImportJob) -> bytes:
    """The rows not filed, as a CSV the clerk opens in Excel (UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("行号"), _("结果"), _("来源工单号"), _("说明")])
    for problem in job.problems:
        writer.writerow(
            [
                problem["line"],
                Status(problem["status"]).label,
                spreadsheet_safe(problem["ticket"]),
                spreadsheet_safe("；".join(problem["messages"])),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
