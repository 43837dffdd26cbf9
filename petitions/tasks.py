"""The tasks django-q2 runs, by dotted path.

The schedule table stores `petitions.tasks.sweep` (migration 0004) and
`petitions.tasks.office_sweep` (office migration 0002), so these paths are part of the
database: the tasks stay here and call the worker and the working systems.
"""

from petitions.admin.export_jobs import build_ledger_export
from petitions.office.sweep import run_office_sweep
from petitions.transfer.jobs import check_job, import_job
from petitions.worker.sweep import run_sweep


def sweep() -> dict:
    return run_sweep()


def office_sweep() -> dict:
    """The working systems' schedule (petitions.office_sweep): end-of-shift flags and the
    monthly reception alerts."""
    return run_office_sweep()


def import_check(job_id: int) -> dict:
    """The dry run of a large import (导入任务)."""
    return check_job(job_id)


def import_file(job_id: int) -> dict:
    """Filing the new rows of a confirmed import (导入任务)."""
    return import_job(job_id)


def ledger_export(job_id: int) -> dict:
    """A ledger XLSX too large for a request (导出任务)."""
    return build_ledger_export(job_id)
