"""X.3 against a real django-q2 cluster: a large sheet is checked and filed by the worker,
and the job's page shows how far it has got while the worker files it.

The cluster runs in its own process group on the test database, as in test_worker_process.py.
In the cluster only, the rows are filed 5 to a batch and each batch is made slow (0.3 s), so
the page can be seen in the middle of the filing.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import time

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_q.models import Schedule, Task
from factories import detachment_user, superior_channel
from test_import_jobs import csv_sheet, ticket_rows, upload
from wagtail.models import ModelLogEntry
from worker_cluster import log_tail, start_cluster, stop_cluster, wait_for

from petitions.models import Case, ImportJob
from petitions.transfer.importing import install_default_mappings

ROWS = 60
WAIT = 120

PATCH = textwrap.dedent(
    """
    import petitions.transfer.importing as importing

    importing.TicketResource._meta.batch_size = 5
    original = importing.file_filings


    def slow_file_filings(*args, **kwargs):
        time.sleep(0.3)
        return original(*args, **kwargs)


    importing.file_filings = slow_file_filings
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
    client.force_login(user)
    started = time.monotonic()
    cluster, log = start_cluster(tmp_path, settings, PATCH)
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
