"""X.3 against a real django-q2 cluster: a large sheet is checked and filed by the worker,
and the job's page shows how far it has got while the worker files it.

The cluster runs in its own process group on the test database, as in test_worker_process.py.
In the cluster only, the rows are filed 5 to a batch and each batch is made slow (0.3 s), so
the page can be seen in the middle of the filing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule, Task
from factories import detachment_user, superior_channel
from test_import_jobs import csv_sheet, ticket_rows, upload
from wagtail.models import ModelLogEntry
from worker_cluster import log_tail, stop_cluster, wait_for

from petitions.models import Case, ImportJob
from petitions.transfer.importing import install_default_mappings

ROOT = Path(__file__).resolve().parents[2]
ROWS = 60
WAIT = 120

LAUNCHER = textwrap.dedent(
    """
    import os
    import time

    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["WORKER_TEST_DB_NAME"]
    settings.Q_CLUSTER.update(workers=1, timeout=60, retry=90, poll=0.2, bulk=1, queue_limit=2)

    import django

    django.setup()

    import petitions.transfer.importing as importing

    importing.TicketResource._meta.batch_size = 5
    original = importing.file_filings


    def slow_file_filings(*args, **kwargs):
        time.sleep(0.3)
        return original(*args, **kwargs)


    importing.file_filings = slow_file_filings

    from django.core.management import call_command

    call_command("qcluster")
    """
)


@pytest.mark.django_db(transaction=True)
def test_x_3_a_real_worker_checks_and_files_a_large_sheet_and_the_page_shows_its_progress(
    client, tmp_path, monkeypatch
):
    monkeypatch.setattr("petitions.transfer.views.INLINE_MAX_BYTES", 1024)
    hotline = superior_channel()
    install_default_mappings()
    user = detachment_user()
    Schedule.objects.update(next_run=timezone.now() + dt.timedelta(days=1))
    launcher = tmp_path / "launch_qcluster.py"
    launcher.write_text(LAUNCHER)
    log = tmp_path / "qcluster.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "petition_site.settings.test",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the task package is signed with it
        "PETITIONS_VAR_DIR": str(settings.VAR_DIR),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "WORKER_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
    }
    client.force_login(user)
    started = time.monotonic()
    with log.open("wb") as out:
        cluster = subprocess.Popen(
            [sys.executable, str(launcher)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        job_url = upload(client, csv_sheet(ticket_rows(ROWS)), channel=hotline)["Location"]
        job = ImportJob.objects.get()
        assert job_url == f"/admin/cases-import/jobs/{job.pk}/"

        def wait_for_state(state: str) -> str:
            while time.monotonic() < started + WAIT:
                page = client.get(job_url).content.decode()
                if f'data-job-state="{state}"' in page:
                    return page
                time.sleep(0.1)
            pytest.fail(f"the job never reached {state}; cluster log:\n{log_tail(log)}")

        page = wait_for_state("checked")
        assert f"共 {ROWS} 行：新建 {ROWS} 行，重复 0 行，错误 0 行。" in page
        assert not Case.objects.exists()

        client.post(job_url)
        seen: list[int] = []
        while time.monotonic() < started + WAIT:
            page = client.get(job_url).content.decode()
            if match := re.search(rf"已登记 (\d+) / {ROWS} 件。", page):
                seen.append(int(match[1]))
            if 'data-job-state="done"' in page:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the import never finished; cluster log:\n{log_tail(log)}")
        assert f"新建 {ROWS} 件；跳过 0 行" in page
        assert any(0 < n < ROWS for n in seen), seen  # the page showed the filing half done
        assert seen == sorted(seen)
        wait_for(
            lambda: Task.objects.filter(func="petitions.tasks.import_file", success=True).exists(),
            started + WAIT,
            "the cluster to record the task's success",
            log,
        )
    finally:
        stop_cluster(cluster)

    cases = Case.objects.filter(channel=hotline, created_by=user)
    assert cases.count() == ROWS
    assert len(set(cases.values_list("number", flat=True))) == ROWS
    assert (
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Case), action="petitions.file"
        ).count()
        == ROWS
    )
