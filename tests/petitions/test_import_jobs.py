"""X.3 at a city's scale (issue 14): the import on django-import-export, large sheets in the
worker with their progress, bad rows named by row and column, a re-import creating nothing."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from factories import CategoryFactory, UserFactory, detachment_user, superior_channel
from wagtail.models import ModelLogEntry

from petitions import tasks
from petitions.models import Case, CaseNumberSequence, Deadline, ImportJob
from petitions.transfer.importing import (
    TicketResource,
    import_sheet,
    install_default_mappings,
    parse_sheet,
    preview_rows,
)
from rules import calendar
from rules.roles import Role

pytestmark = pytest.mark.django_db

URL = "/admin/cases-import/"
HEADERS = [
    "工单编号",
    "来电时间",
    "诉求地址",
    "诉求内容",
    "来电人",
    "联系电话",
    "办结时限",
    "问题分类",
]


def ticket_rows(n: int, start: int = 1) -> list[list[str]]:
    return [
        [
            f"GD20261104{i:05d}",
            f"2026-11-04 {8 + i % 10:02d}:{i % 60:02d}",
            f"九龙坡区石桥铺{i}号",
            "餐馆油烟直排",
            "赵先生" if i % 2 else "",
            f"139830{i:05d}" if i % 2 else "",
            "2026-11-20" if i % 3 == 0 else "",
            "生态环境/噪声污染" if i % 4 == 0 else "",
        ]
        for i in range(start, start + n)
    ]


def csv_sheet(rows, headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


@pytest.fixture
def hotline():
    channel = superior_channel()
    install_default_mappings()
    CategoryFactory(code="noise", name="噪声")
    return channel


def test_x_3_the_sheet_is_read_by_a_django_import_export_resource_with_the_channels_headers(
    hotline,
):
    sheet = parse_sheet(csv_sheet(ticket_rows(2)), "12345.csv", hotline)
    resource = TicketResource(sheet)
    assert {f: resource.fields[f].column_name for f in ("source_ticket_number", "place")} == {
        "source_ticket_number": "工单编号",
        "place": "诉求地址",
    }
    dataset = resource.dataset(sheet)
    assert dataset.headers[1:] == [sheet.headers[f] for f in sheet.headers]
    result = resource.import_data(dataset, dry_run=True)
    assert result.totals["new"] == 2 and not result.has_validation_errors()
    assert not Case.objects.exists()


def test_x_3_bad_rows_are_named_by_their_row_number_and_column_and_none_is_filed(hotline):
    rows = ticket_rows(4)
    rows[1][0] = ""  # line 3: no ticket
    rows[2][1] = "昨天下午"  # line 4: a time nobody can read
    rows[2][5] = "12345"  # … and a phone that is no phone
    rows[3][6] = "下周"  # line 5: a deadline nobody can read
    sheet = parse_sheet(csv_sheet(rows), "12345.csv", hotline)
    preview = preview_rows(sheet)
    errors = {r.line: r.messages for r in preview.rows if r.status == "error"}
    assert errors == {
        3: ["第3行：缺少工单编号"],
        4: [
            "第4行：来电时间无法识别：昨天下午（应为 2026-11-20 09:30 这样的日期时间）",
            "第4行：联系电话格式不正确：12345",
        ],
        5: ["第5行：办结时限无法识别：下周"],
    }
    _preview, result = import_sheet(sheet, user=detachment_user())
    # The chosen semantics (as before issue 14): the good rows are filed, a bad row never is;
    # fixing the sheet and importing it again files the rest.
    assert [c.source_ticket_number for c in result.created] == ["GD2026110400001"]
    assert result.skipped == 3
    assert Case.objects.count() == 1


def test_x_3_a15_2_reimporting_a_file_creates_nothing_uses_no_number_and_logs_nothing(hotline):
    user = detachment_user()
    sheet = parse_sheet(csv_sheet(ticket_rows(120)), "12345.csv", hotline)
    _preview, first = import_sheet(sheet, user=user, batch_size=50)
    assert len(first.created) == 120
    numbers = [c.number for c in first.created]
    assert len(set(numbers)) == 120
    case_type = ContentType.objects.get_for_model(Case)
    logged = ModelLogEntry.objects.filter(content_type=case_type, action="petitions.file")
    assert logged.count() == 120
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(
        str(c.pk) for c in first.created
    )
    for case in first.created[:5]:
        due = calendar.add_working_days(case.received_on, 5)
        assert case.deadlines.get(rule="acceptance_assigned").due_on == due
    before = (
        Case.objects.count(),
        Deadline.objects.count(),
        logged.count(),
        CaseNumberSequence.objects.get(year=2026).last,
    )

    again_preview, again = import_sheet(sheet, user=user, batch_size=50)
    assert again.created == [] and again.skipped == 120
    assert {r.status for r in again_preview.rows} == {"duplicate"}
    after = (
        Case.objects.count(),
        Deadline.objects.count(),
        logged.count(),
        CaseNumberSequence.objects.get(year=2026).last,
    )
    assert after == before


def upload(client, content: bytes, name="12345工单.csv", channel=None):
    channel = channel or superior_channel()
    return client.post(URL, {"channel": channel.pk, "file": SimpleUploadedFile(name, content)})


def test_x_3_a_large_sheet_goes_to_the_worker_and_its_page_shows_progress_preview_and_result(
    client, hotline, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("petitions.transfer.views.INLINE_MAX_BYTES", 1024)
    queued = []
    monkeypatch.setattr(
        "petitions.transfer.jobs.async_task", lambda *args, **kw: queued.append(args)
    )
    rows = ticket_rows(40)
    rows[9][1] = "昨天下午"  # line 11
    content = csv_sheet(rows)
    assert len(content) > 1024
    user = detachment_user()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, content)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/cases-import/jobs/{job.pk}/"
    assert queued == [("petitions.tasks.import_check", job.pk)]

    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and "正在读取表格" in page
    ImportJob.objects.filter(pk=job.pk).update(total_rows=40, rows_checked=10)
    page = client.get(response["Location"]).content.decode()
    assert "已检查 10 / 40 行。" in page and 'value="25"' in page

    ImportJob.objects.filter(pk=job.pk).update(total_rows=0, rows_checked=0)
    assert tasks.import_check(job.pk) == {"new": 39, "duplicate": 0, "error": 1}
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "共 40 行：新建 39 行，重复 0 行，错误 1 行。" in page
    assert "第11行：来电时间无法识别：昨天下午" in page
    assert not Case.objects.exists()
    # A second delivery of the same task does nothing.
    assert tasks.import_check(job.pk) == {"skipped": True}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"])
    assert queued[-1] == ("petitions.tasks.import_file", job.pk)
    page = client.get(response["Location"]).content.decode()
    assert "已登记 0 / 39 件。" in page and 'http-equiv="refresh"' in page
    assert tasks.import_file(job.pk) == {"created": 39, "late_duplicates": 0}
    assert Case.objects.filter(channel=hotline, created_by=user).count() == 39
    page = client.get(response["Location"]).content.decode()
    assert "新建 39 件；跳过 1 行（重复或有错误）。" in page
    # Confirming again files nothing more.
    client.post(response["Location"])
    assert tasks.import_file(job.pk) == {"skipped": True}
    assert Case.objects.count() == 39

    report = client.get(f"/admin/cases-import/jobs/{job.pk}/report.csv")
    assert report["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0] == ["行号", "结果", "来源工单号", "说明"]
    assert lines[1][:3] == ["11", "错误", "GD2026110400010"]
    assert "来电时间无法识别：昨天下午" in lines[1][3]
    listing = client.get(URL).content.decode()
    assert f'href="/admin/cases-import/jobs/{job.pk}/"' in listing and "已完成" in listing


def test_x_3_a_sheet_the_worker_cannot_read_fails_its_job_with_the_reason(
    client, hotline, monkeypatch
):
    monkeypatch.setattr("petitions.transfer.views.INLINE_MAX_BYTES", 10)
    monkeypatch.setattr("petitions.transfer.jobs.async_task", lambda *args, **kw: None)
    client.force_login(detachment_user())
    upload(client, csv_sheet(ticket_rows(3), headers=["线索编号", *HEADERS[1:]]))
    job = ImportJob.objects.get()
    tasks.import_check(job.pk)
    page = client.get(f"/admin/cases-import/jobs/{job.pk}/").content.decode()
    assert "未能完成" in page and "找不到标题行" in page
    assert not Case.objects.exists()


@pytest.mark.parametrize("role", [Role.DUTY, Role.HANDLER])
def test_x_3_only_those_who_may_import_see_an_import_job(client, hotline, role, monkeypatch):
    monkeypatch.setattr("petitions.transfer.views.INLINE_MAX_BYTES", 10)
    monkeypatch.setattr("petitions.transfer.jobs.async_task", lambda *args, **kw: None)
    client.force_login(detachment_user())
    upload(client, csv_sheet(ticket_rows(3)))
    job = ImportJob.objects.get()
    client.force_login(UserFactory(roles=[role]))
    for url in (
        f"/admin/cases-import/jobs/{job.pk}/",
        f"/admin/cases-import/jobs/{job.pk}/report.csv",
    ):
        response = client.get(url)
        assert (response.status_code, response.get("Location")) == (302, "/admin/")
    response = client.post(f"/admin/cases-import/jobs/{job.pk}/")
    assert ImportJob.objects.get().state == "checking"
    assert re.match(r"/admin/", response.get("Location", ""))
