"""X.3 in a real browser: the detachment uploads a 12345 sheet, reads the dry run, confirms."""

import datetime as dt
import re

import pytest
from factories import CategoryFactory, detachment_user, superior_channel
from openpyxl import Workbook
from playwright.sync_api import expect

from petitions.models import Case
from petitions.transfer.importing import install_default_mappings

PASSWORD = "pw-123456"  # what the factories set
HEADERS = ["工单编号", "来电时间", "诉求地址", "诉求内容", "来电人", "联系电话", "问题分类"]
ROWS = [
    ("GD2026110300017", dt.datetime(2026, 11, 3, 9, 15), "九龙坡区白市驿镇", "搅拌站夜间噪声",
     "刘先生", 13983001234, "噪声污染"),
    ("", "2026-11-03 10:20", "九龙坡区杨家坪", "河道异味", "王女士", "13500001111", ""),
    ("GD2026110300031", "昨天下午", "九龙坡区谢家湾", "焚烧垃圾", "", "13500002222", ""),
    ("GD2026110400002", "2026/11/04 14:05", "九龙坡区华岩镇", "露天喷漆", "陈女士", "12345", ""),
    ("GD2026110500123", "2026-11-05 08:30", "九龙坡区陶家镇", "焚烧秸秆", "", "", ""),
]  # fmt: skip


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_x_3_browser_upload_a_12345_sheet_read_the_dry_run_and_confirm(
    live_server, page, screenshot, tmp_path
):
    user = detachment_user()
    superior_channel()
    install_default_mappings()
    CategoryFactory(code="noise", name="噪声")
    book = Workbook()
    book.active.append(HEADERS)
    for row in ROWS:
        book.active.append(list(row))
    sheet = tmp_path / "12345交办工单.xlsx"
    book.save(sheet)
    base = live_server.url

    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")
    page.get_by_role("link", name="导入上级交办件").click()
    page.wait_for_url(f"{base}/admin/cases-import/")

    page.select_option("#id_channel", label="12345市民热线")
    page.set_input_files("#id_file", str(sheet))
    screenshot("import-01-upload")
    page.get_by_role("button", name="上传并预览").click()
    counts = page.locator("[data-import-counts]")
    expect(counts).to_contain_text("共 5 行：新建 2 行，重复 0 行，错误 3 行。")
    expect(page.locator("tr[data-row='3']")).to_contain_text("第3行：缺少工单编号")
    expect(page.locator("tr[data-row='4']")).to_contain_text("来电时间无法识别：昨天下午")
    expect(page.locator("tr[data-row='5']")).to_contain_text("联系电话格式不正确：12345")
    screenshot("import-02-preview")
    assert not Case.objects.exists()

    page.get_by_role("button", name="确认导入 2 件").click()
    expect(page.locator("[data-import-result]")).to_contain_text("新建 2 件")
    screenshot("import-03-result")
    case = Case.objects.get(source_ticket_number="GD2026110300017")
    page.get_by_role("link", name=case.number).click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/admin/cases/inspect/{case.pk}/$"))
    expect(page.locator("body")).to_contain_text("GD2026110300017")
