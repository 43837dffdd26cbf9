"""Helpers for the tests that run a real django-q2 cluster in a subprocess."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path


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
