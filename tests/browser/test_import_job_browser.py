"""X.3 in a real browser, a large sheet: the job page follows the worker by itself (it refreshes
while the job runs), offers the confirmation, shows the result and the error report.

The worker's two steps are run by the test itself (tasks.import_check/import_file), so the
browser sees each state; test_import_worker_process.py runs them in a real cluster."""

import csv
import io

import pytest
from factories import detachment_user, superior_channel
from playwright.sync_api import expect

from petitions import tasks
from petitions.models import Case, ImportJob
from petitions.transfer.importing import install_default_mappings

PASSWORD = "pw-123456"  # what the factories set
HEADERS = ["工单编号", "来电时间", "诉求地址", "诉求内容", "来电人", "联系电话"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_x_3_browser_a_large_sheet_is_followed_on_its_job_page(
    live_server, page, screenshot, tmp_path, monkeypatch
):
    monkeypatch.setattr("petitions.transfer.views.INLINE_MAX_BYTES", 1024)
    monkeypatch.setattr("petitions.transfer.jobs.async_task", lambda *args, **kw: None)
    user = detachment_user()
    superior_channel()
    install_default_mappings()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for i in range(1, 41):
        when = "昨天下午" if i == 7 else f"2026-11-04 09:{i:02d}"
        writer.writerow([f"GD20261104{i:05d}", when, f"九龙坡区石桥铺{i}号", "餐馆油烟", "", ""])
    sheet = tmp_path / "12345交办工单.csv"
    sheet.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    base = live_server.url

    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")
    page.goto(f"{base}/admin/cases-import/")
    page.select_option("#id_channel", label="12345市民热线")
    page.set_input_files("#id_file", str(sheet))
    page.get_by_role("button", name="上传并预览").click()
    job = ImportJob.objects.get()
    page.wait_for_url(f"{base}/admin/cases-import/jobs/{job.pk}/")
    expect(page.locator("[data-job-progress]")).to_contain_text("正在读取表格")
    screenshot("import-job-01-checking")

    tasks.import_check(job.pk)  # the page refreshes by itself
    expect(page.locator("[data-import-counts]")).to_contain_text(
        "共 40 行：新建 39 行，重复 0 行，错误 1 行。", timeout=10_000
    )
    expect(page.locator("tr[data-row='8']")).to_contain_text("第8行：来电时间无法识别：昨天下午")
    screenshot("import-job-02-checked")
    assert not Case.objects.exists()

    page.get_by_role("button", name="确认导入 39 件").click()
    expect(page.locator("[data-job-progress]")).to_contain_text("已登记 0 / 39 件。")
    tasks.import_file(job.pk)
    expect(page.locator("[data-import-result]")).to_contain_text("新建 39 件", timeout=10_000)
    screenshot("import-job-03-done")
    assert Case.objects.count() == 39

    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误报告（CSV）").click()
    report = download.value.path().read_bytes().decode("utf-8-sig")
    assert "第8行：来电时间无法识别：昨天下午" in report
