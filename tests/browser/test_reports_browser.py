"""A5.2 in a real browser: the quarterly report of a quarter with demo data, its charts drawn."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from petitions.reports.periods import previous_quarter, quarter_of

PASSWORD = "reports-pass-1"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a5_2_browser_quarterly_report_of_the_previous_quarter_draws_its_charts(
    live_server, page, screenshot, monkeypatch
):
    # The starter's administrator gets this password (and no password file is written).
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", PASSWORD)
    # The public pages play no part here, and they need Wagtail's page tree, which the flush
    # after an earlier transactional test removes.
    monkeypatch.setattr(
        "petition_site.management.commands.load_starter.ensure_public_pages", lambda: None
    )
    call_command("load_starter", "--demo", stdout=io.StringIO())
    year, quarter = previous_quarter(*quarter_of(timezone.localdate()))
    base = live_server.url

    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")

    # 统计报表 › 季度汇报 from the menu (of the ledger's page: the admin home needs the page tree).
    page.goto(f"{base}/admin/cases/")
    page.get_by_role("button", name="统计报表").click()
    page.get_by_role("link", name="季度汇报").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/admin/reports/quarterly/"))
    page.fill("#id_year", str(year))
    page.select_option("#id_quarter", str(quarter))
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(rf"quarter={quarter}"))
    expect(page.locator("#report-title")).to_contain_text(f"{year}年第{quarter}季度")

    chart = page.get_by_role("img", name=re.compile("^按渠道"))
    expect(chart).to_be_visible()
    bars = chart.locator("rect.bar")
    assert bars.count() >= 3  # the demo spreads the quarter over several channels
    box = bars.first.bounding_box()
    assert box is not None and box["height"] > 0 and box["width"] > 0
    # The same numbers are in a table beside the chart.
    expect(page.locator("table").filter(has_text="按渠道").first).to_contain_text("来电")
    rates = page.get_by_role("img", name=re.compile("^按期率"))
    expect(rates).to_be_visible()
    assert rates.locator("rect.bar").count() >= 1
    screenshot("reports-01-quarterly")

    # The printable page: no admin chrome, the charts still drawn.
    page.goto(f"{base}/admin/reports/quarterly/?year={year}&quarter={quarter}&format=print")
    expect(page.locator("h1")).to_have_text("季度汇报")
    assert page.locator("aside, nav").count() == 0
    assert page.locator("svg.report-chart rect.bar").count() > 0
    screenshot("reports-02-quarterly-print")

    # The dashboard (A5.1, A24.2).
    page.goto(f"{base}/admin/reports/dashboard/")
    expect(page.locator("#due-table")).to_be_visible()
    assert page.locator("svg.report-chart rect.bar").count() > 0
    screenshot("reports-03-dashboard")
