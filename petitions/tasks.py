"""The tasks django-q2 runs, by dotted path.

The schedule table stores `petitions.tasks.sweep` (migration 0004), so this path is part of the
database: the task stays here and calls the worker.
"""

from petitions.worker.sweep import run_sweep


def sweep() -> dict:
    return run_sweep()
