"""Helpers for the tests that run a real django-q2 cluster in a subprocess."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest


def stop_cluster(cluster: subprocess.Popen) -> None:
    """SIGTERM the cluster (it stops its workers); SIGKILL its process group after 20 s."""
    if cluster.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            cluster.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        cluster.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(cluster.pid, signal.SIGKILL)  # workers outliving the main process, if any
    if cluster.poll() is None:
        cluster.wait(timeout=10)


def log_tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_for(condition, deadline: float, what: str, log: Path):
    """Poll `condition` until it returns something true (returned) or `deadline` passes.

    What the cluster records after a task returns (django-q2's Task row, saved by its monitor
    process) lands a moment after what the task itself wrote: wait for it, never assume it.
    """
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}; cluster log:\n{log_tail(log)}")
