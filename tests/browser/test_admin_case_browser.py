"""A13.1, A15.1 in a real browser: a phoned-in petition is registered, accepted, and its number
and reply due date are on the case page as the detachment sees it."""

import re

import pytest
from django.utils import timezone
from factories import a_category, detachment_user, direct_channel
from playwright.sync_api import expect

from petitions.models import Case
from rules import calendar

PASSWORD = "pw-123456"  # what the factories set


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a13_1_a15_1_browser_register_a_phoned_in_petition_accept_it_and_see_its_number_and_reply_due(
    live_server, page, screenshot
):
    user = detachment_user()
    direct_channel()
    category = a_category()
    base = live_server.url

    # Log in.
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    screenshot("admin-case-01-login")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")
    screenshot("admin-case-02-dashboard")

    # The ledger (信访台账), and its add button in the header: “添加 信访案件”.
    page.get_by_role("link", name="信访台账").click()
    page.wait_for_url(f"{base}/admin/cases/")
    screenshot("admin-case-03-ledger-empty")
    add = page.get_by_role("link", name=re.compile(r"^添加\s*信访案件$"))
    expect(add).to_have_attribute("href", "/admin/cases/new/")
    add.click()
    page.wait_for_url(f"{base}/admin/cases/new/")

    # The intake form.
    page.select_option("#id_channel", label="来电")
    page.fill("#id_petitioner_name", "王五")
    page.fill("#id_petitioner_phone", "13800001234")
    page.fill("#id_place", "九龙坡区石坪桥")
    page.fill("#id_description", "工厂夜间排放黑烟")
    page.select_option("#id_kind", label="环境污染扰民投诉")
    screenshot("admin-case-04-intake-form-filled")
    page.get_by_role("button", name="创建", exact=True).click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/admin/cases/inspect/\d+/$"))

    case = Case.objects.get()
    assert page.url == f"{base}/admin/cases/inspect/{case.pk}/"
    assert re.fullmatch(r"[A-Za-z0-9]+-\d{4}-\d{6}", case.number), case.number
    expect(page.locator(".messages")).to_contain_text(f"编号 {case.number}")
    screenshot("admin-case-05-case-filed")

    # 登记: category and kind.
    page.click('a[data-step="register"]')
    page.wait_for_url(f"{base}/admin/cases/{case.pk}/step/register/")
    page.get_by_label(category.name).check()
    page.select_option("#id_kind", label="环境污染扰民投诉")
    screenshot("admin-case-06-register-form")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(f"{base}/admin/cases/inspect/{case.pk}/")
    expect(page.locator(".messages")).to_contain_text(f"{case.number}：已登记。")
    screenshot("admin-case-07-case-registered")

    # 受理: notice method, the date stays at today.
    page.click('a[data-step="accept"]')
    page.wait_for_url(f"{base}/admin/cases/{case.pk}/step/accept/")
    today = timezone.localdate()
    expect(page.locator("#id_accepted_on")).to_have_value(today.isoformat())
    page.select_option("#id_notice_method", label="电话告知")
    screenshot("admin-case-08-accept-form")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_url(f"{base}/admin/cases/inspect/{case.pk}/")
    expect(page.locator(".messages")).to_contain_text(f"{case.number}：已受理。")
    screenshot("admin-case-09-case-accepted")

    # What the detachment sees on the case page.
    expect(page.locator("#case-number")).to_contain_text(case.number)
    expect(page.locator("#case-number small")).to_have_text("已受理")
    reply_due = calendar.add_days(today, 30)
    expect(page.locator('#deadlines tr[data-rule="reply"] .due-date')).to_have_text(
        reply_due.isoformat()
    )
    # In this order; other entries (e.g. a recomputed deadline) may stand between them.
    expect(page.locator("#timeline li strong")).to_contain_text(["收件并编号", "登记", "受理"])
    expect(page.locator(".petitioner-phone")).to_have_text("138****1234")
    assert "13800001234" not in page.content()
