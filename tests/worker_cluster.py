"""Helpers for the tests that run a real django-q2 cluster in a subprocess."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

#: The launcher's start: the test's own database, one worker that polls fast.
_HEAD = """\
import os
import sys
import time

from django.conf import settings

settings.DATABASES["default"]["NAME"] = os.environ["WORKER_TEST_DB_NAME"]
settings.Q_CLUSTER.update(
    workers=1, timeout={timeout}, retry={retry}, poll=0.2, bulk=1, queue_limit=2
)

import django

django.setup()

"""
_TAIL = """
from django.core.management import call_command

call_command("qcluster")
"""


def start_cluster(
    tmp_path: Path,
    settings,
    patch: str,
    *,
    timeout: int = 60,
    retry: int = 90,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, Path]:
    """Start a real django-q2 cluster (`manage.py qcluster`) in a new process group, on the
    test's database, with `patch` run first (what makes the task observable: a slow step, the
    worker's pid written down). Returns the process and its log; stop it with `stop_cluster`."""
    launcher = tmp_path / "launch_qcluster.py"
    launcher.write_text(_HEAD.format(timeout=timeout, retry=retry) + textwrap.dedent(patch) + _TAIL)
    log = tmp_path / "qcluster.log"
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "petition_site.settings.test",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the task package is signed with it
        "PETITIONS_VAR_DIR": str(settings.VAR_DIR),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "WORKER_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        **(env or {}),
    }
    with log.open("wb") as out:
        cluster = subprocess.Popen(
            [sys.executable, str(launcher)],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return cluster, log


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
