"""A ledger XLSX too large for a request is built by the worker (导出任务, X.3, issue 14).

The request stores its query and user in an export job; the worker rebuilds the ledger's
queryset under that user's scope and writes the same cells as the in-request export; the job's
page shows its progress and then a download link that only the user who asked (or a superuser)
may follow, each download in the audit log. The last test runs a real django-q2 cluster.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
import time

import openpyxl
import pytest
import test_access_matrix as matrix
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task
from factories import UserFactory, detachment_user, make_case
from test_export import _body, _varied_cases
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile
from worker_cluster import log_tail, start_cluster, stop_cluster, wait_for

from petitions.admin.export_jobs import build_ledger_export
from petitions.models import ExportJob

world = matrix.world


def _cells(data: bytes) -> list[list[tuple]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [
        [(c.value, c.data_type, c.quotePrefix, c.number_format) for c in row]
        for row in sheet.iter_rows()
    ]


def _ask(client, query: str = ""):
    return client.get(f"/admin/cases/?export=xlsx{query}")


@pytest.fixture
def detachment(client):
    client.force_login(detachment_user())
    return client


@pytest.mark.django_db
def test_x_3_an_xlsx_over_the_threshold_becomes_a_job_and_smaller_ones_stay_in_the_request(
    detachment, settings, django_capture_on_commit_callbacks
):
    for _ in range(3):
        make_case()
    settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS = 3
    assert _ask(detachment)["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not ExportJob.objects.exists()

    settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS = 2
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(detachment, "&state=received&q=%E5%BC%82%E5%91%B3")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/cases-export/{job.pk}/"
    assert job.created_by.username == "zhidui" and job.state == ExportJob.State.QUEUED
    assert job.query == "state=received&q=%E5%BC%82%E5%91%B3"  # the filters, not the format
    assert (job.language, job.time_zone) == ("zh-hans", "Asia/Shanghai")
    assert OrmQ.objects.get().func() == "petitions.tasks.ledger_export"
    page = detachment.get(response["Location"]).content.decode()
    assert "台账较大，已转入后台导出，完成后可在本页下载。" in page
    assert 'data-job-state="queued"' in page and 'http-equiv="refresh"' in page
    # The CSV is streamed whatever its size: never a job.
    csv_response = detachment.get("/admin/cases/?export=csv")
    assert csv_response.status_code == 200 and ExportJob.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "heading"), [("", "编号"), ("&state=closed", "编号"), ("english", "Case number")]
)
def test_x_3_the_workers_file_has_the_same_cells_as_the_in_request_export(
    detachment, settings, query, heading
):
    cases = _varied_cases()
    if query == "english":  # labels and headings in the language of the request
        profile = UserProfile.get_for_user(get_user_model().objects.get(username="zhidui"))
        profile.preferred_language = "en"
        profile.save()
        query = ""
    in_request = _cells(_body(_ask(detachment, query)))
    settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS = 0
    job_url = _ask(detachment, query)["Location"]
    job = ExportJob.objects.get()
    assert build_ledger_export(job.pk) == {"rows": len(in_request) - 1}
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE and job.total_rows == job.rows_written
    page = detachment.get(job_url).content.decode()
    assert 'data-job-state="done"' in page and 'http-equiv="refresh"' not in page
    download = re.search(r'href="([^"]+)" data-export-download', page)[1]
    assert download == f"/admin/cases-export/{job.pk}/ledger.xlsx"
    from_worker = _cells(_body(detachment.get(download)))
    assert from_worker == in_request
    assert len(from_worker) == (2 if query else len(cases) + 1)
    assert from_worker[0][0][0] == heading
    # A delivery of the same task again leaves the finished job alone.
    assert build_ledger_export(job.pk) == {"skipped": True}


@pytest.mark.django_db
def test_x_3_only_the_user_who_asked_or_a_superuser_sees_the_job_and_each_download_is_logged(
    detachment, settings
):
    make_case()
    settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS = 0
    job_url = _ask(detachment)["Location"]
    job = ExportJob.objects.get()
    build_ledger_export(job.pk)
    download = f"/admin/cases-export/{job.pk}/ledger.xlsx"

    other = Client()
    other.force_login(detachment_user("zhidui2"))
    assert other.get(job_url).status_code == 404
    assert other.get(download).status_code == 404
    assert not ModelLogEntry.objects.filter(action="petitions.download_export").exists()

    assert detachment.get(download).status_code == 200
    root = Client()
    root.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert root.get(job_url).status_code == 200
    assert root.get(download).status_code == 200
    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ExportJob), object_id=str(job.pk)
    ).order_by("timestamp", "pk")
    assert [(e.action, e.user.username) for e in entries] == [
        ("petitions.download_export", "zhidui"),
        ("petitions.download_export", "root"),
    ]
    assert entries[0].message == "下载台账导出文件"


@pytest.mark.django_db
def test_x_3_my_export_jobs_lists_only_the_users_own_jobs(detachment, settings):
    make_case()
    settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS = 0
    _ask(detachment)
    mine = ExportJob.objects.get()
    other = Client()
    other.force_login(detachment_user("zhidui2"))
    _ask(other)
    theirs = ExportJob.objects.exclude(pk=mine.pk).get()
    build_ledger_export(mine.pk)
    page = detachment.get("/admin/cases-export/").content.decode()
    assert f'data-export-job="{mine.pk}"' in page and f"/admin/cases-export/{mine.pk}/" in page
    assert f'data-export-job="{theirs.pk}"' not in page
    assert "已完成" in page
    settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS = 20000
    empty = Client()
    empty.force_login(detachment_user("zhidui3"))
    assert (
        "超过 20000 行的台账 Excel 导出在后台生成"
        in empty.get("/admin/cases-export/").content.decode()
    )


@pytest.mark.django_db
def test_x_3_the_worker_exports_only_the_cases_the_user_who_asked_may_see(world, settings):
    settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS = 0
    client = Client()
    client.force_login(world["users"]["handler_a"])
    client.get("/admin/cases/?export=xlsx")
    build_ledger_export(ExportJob.objects.get().pk)
    data = _body(client.get(f"/admin/cases-export/{ExportJob.objects.get().pk}/ledger.xlsx"))
    assert [row[0][0] for row in _cells(data)[1:]] == [world["cases"]["a"].number]


@pytest.mark.django_db
def test_x_3_a_user_who_lost_the_ledger_gets_no_file(detachment, settings):
    make_case()
    settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS = 0
    _ask(detachment)
    job = ExportJob.objects.get()
    job.created_by.is_active = False  # left the bureau between the request and the worker
    job.created_by.save()
    assert build_ledger_export(job.pk) == {"failed": "permission"}
    job.refresh_from_db()
    assert job.state == ExportJob.State.FAILED and not job.stored_name
    assert job.failure == "导出人已无权查看台账，未导出。"


@pytest.mark.django_db
def test_x_3_an_export_that_breaks_in_the_worker_says_so_on_its_page(
    detachment, settings, monkeypatch
):
    make_case()
    settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS = 0
    job_url = _ask(detachment)["Location"]
    job = ExportJob.objects.get()

    def broken(self, queryset, output):
        raise OSError("disk full")

    monkeypatch.setattr("petitions.admin.views.CaseIndexView.write_xlsx", broken)
    with pytest.raises(OSError):
        build_ledger_export(job.pk)
    page = detachment.get(job_url).content.decode()
    assert 'data-job-state="failed"' in page and 'http-equiv="refresh"' not in page
    assert "导出未能完成，请重新导出；仍不成功请联系管理员。" in page


# --- a real django-q2 cluster -------------------------------------------------------------------

ROWS = 40
WAIT = 120

#: In the cluster only, progress is reported every 5 rows and each report is slow (0.3 s), so
#: the page can be seen while the file is half written.
PATCH = textwrap.dedent(
    """
    import petitions.admin.export_jobs as export_jobs
    from petitions.admin.views import CaseIndexView

    CaseIndexView.export_progress_every = 5
    original = export_jobs.progress_reporter


    def slow_progress_reporter(job, total):
        report = original(job, total)

        def slow_report(written):
            report(written)
            time.sleep(0.3)

        return slow_report


    export_jobs.progress_reporter = slow_progress_reporter
    """
)


@pytest.mark.django_db(transaction=True)
def test_x_3_a_real_worker_builds_the_xlsx_and_the_page_shows_its_progress(
    client, tmp_path, settings
):
    user = detachment_user()
    for _ in range(ROWS):
        make_case()
    client.force_login(user)
    in_request = _cells(_body(_ask(client)))
    settings.PETITIONS_EXPORT_XLSX_INLINE_ROWS = ROWS - 1
    Schedule.objects.update(next_run=timezone.now() + dt.timedelta(days=1))
    started = time.monotonic()
    cluster, log = start_cluster(tmp_path, settings, PATCH)
    try:
        job_url = _ask(client)["Location"]
        seen: list[int] = []
        while time.monotonic() < started + WAIT:
            page = client.get(job_url).content.decode()
            if match := re.search(rf"已写入 (\d+) / {ROWS} 行。", page):
                seen.append(int(match[1]))
            if 'data-job-state="done"' in page:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the export never finished; cluster log:\n{log_tail(log)}")
        assert any(0 < n < ROWS for n in seen), seen  # the page showed the file half written
        assert seen == sorted(seen)
        assert f"共 {ROWS} 行" in page
        wait_for(
            lambda: Task.objects.filter(
                func="petitions.tasks.ledger_export", success=True
            ).exists(),
            started + WAIT,
            "the cluster to record the task's success",
            log,
        )
    finally:
        stop_cluster(cluster)
    download = re.search(r'href="([^"]+)" data-export-download', page)[1]
    assert _cells(_body(client.get(download))) == in_request
