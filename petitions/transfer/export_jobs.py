"""Large ledger XLSX exports in the worker (导出任务, issue 14).

A ledger XLSX of more than `settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS` rows is more than a
request can build: the request stores its query string, language and time zone in an ExportJob,
and the worker rebuilds the ledger's queryset under the same user's scope
(petitions.admin.export_jobs), writes the file into private storage and reports its progress.
Only the user who asked, or an administrator, may download it; every download is logged.

A delivery that finds its job running with a fresh heartbeat leaves it alone, as for imports
(petitions.transfer.jobs); after a worker died the next delivery builds the file again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task
from wagtail.log_actions import log

from petitions.cases.models import private_storage
from petitions.transfer.models import ExportJob

#: A running job not touched for this long has lost its worker.
STALE_AFTER = dt.timedelta(minutes=3)
#: The worker's time limit for one export.
TASK_TIMEOUT = 3600
#: Rows written between two progress reports.
PROGRESS_EVERY = 2000

State = ExportJob.State


def inline_max_rows() -> int:
    return settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS


def start_export_job(*, user, query: str, language: str, time_zone: str) -> ExportJob:
    """Create the job for a ledger export and queue it for the worker."""
    job = ExportJob.objects.create(
        created_by=user, query=query, language=language, time_zone=time_zone
    )
    transaction.on_commit(
        lambda: async_task("petitions.tasks.ledger_export", job.pk, timeout=TASK_TIMEOUT)
    )
    return job


def claim_export_job(job_id: int) -> ExportJob | None:
    """The job if this delivery should build it; None if done, failed or alive elsewhere."""
    now = timezone.now()
    claimed = (
        ExportJob.objects.filter(pk=job_id, state__in=[State.QUEUED, State.RUNNING])
        .filter(Q(claimed_at__isnull=True) | Q(updated_at__lt=now - STALE_AFTER))
        .update(state=State.RUNNING, claimed_at=now, updated_at=now, rows_written=0)
    )
    return ExportJob.objects.select_related("created_by").get(pk=job_id) if claimed else None


def progress_reporter(job: ExportJob, total: int) -> Callable[[int], None]:
    ExportJob.objects.filter(pk=job.pk).update(total_rows=total, updated_at=timezone.now())

    def report(written: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_written=written, updated_at=timezone.now())

    return report


def finish_export_job(job: ExportJob, content: IO[bytes], rows: int) -> None:
    """Keep the built file in private storage and mark the job done."""
    name = private_storage().save(f"exports/{job.created_by_id}/{uuid.uuid4().hex}.xlsx", content)
    ExportJob.objects.filter(pk=job.pk).update(
        state=State.DONE,
        stored_name=name,
        rows_written=rows,
        total_rows=rows,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def fail_export_job(job: ExportJob, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        state=State.FAILED, failure=message, finished_at=timezone.now(), updated_at=timezone.now()
    )


def may_see_export_job(user, job: ExportJob) -> bool:
    """Only the user who asked for the export, or an administrator (管理员)."""
    return user.is_active and (user.pk == job.created_by_id or user.is_superuser)


def open_export_file(job: ExportJob, user) -> IO[bytes]:
    """The finished file, opened for `user`'s download, which goes into the audit log."""
    handle = private_storage().open(job.stored_name, "rb")
    log(
        instance=job,
        action="petitions.download_export",
        user=user,
        data={"rows": job.total_rows, "query": job.query},
    )
    return handle
