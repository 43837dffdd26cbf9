"""X.1 in a real browser, for a petitioner who did not file online: the detachment registers a
phoned-in petition, accepts it, prints the acceptance notice with a query code, and the
petitioner finds the case on the public status page with the number and that code.

Screenshots: tests/artifacts/phone-petitioner-*.png.
"""

import re

import pytest
from factories import a_category, detachment_user, direct_channel
from playwright.sync_api import expect

from petitions.models import Case, QueryCode
from snippets.models import BureauProfile

PASSWORD = "pw-123456"  # what the factories set
BUREAU_PHONE = "023-68780000"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_x_1_browser_the_petitioner_by_phone_looks_the_case_up_with_the_code_on_the_acceptance_notice(
    live_server, page, screenshot
):
    user = detachment_user()
    direct_channel()
    category = a_category()
    profile = BureauProfile.load()
    profile.phone = BUREAU_PHONE
    profile.save()
    base = live_server.url

    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")

    # The clerk registers the call.
    page.goto(f"{base}/admin/cases/new/")
    page.select_option("#id_channel", label="来电")
    page.fill("#id_petitioner_name", "王五")
    page.fill("#id_petitioner_phone", "13800001234")
    page.fill("#id_place", "九龙坡区石坪桥")
    page.fill("#id_description", "工厂夜间排放黑烟")
    page.select_option("#id_kind", label="环境污染扰民投诉")
    page.get_by_role("button", name="创建", exact=True).click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/admin/cases/inspect/\d+/$"))
    case = Case.objects.get()
    expect(page.locator(".messages")).to_contain_text("查询码已通过短信发给信访人")
    screenshot("phone-petitioner-01-registered")

    # 登记 and 受理.
    page.click('a[data-step="register"]')
    page.get_by_label(category.name).check()
    page.select_option("#id_kind", label="环境污染扰民投诉")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(f"{base}/admin/cases/inspect/{case.pk}/")
    page.click('a[data-step="accept"]')
    page.select_option("#id_notice_method", label="电话告知")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_url(f"{base}/admin/cases/inspect/{case.pk}/")

    # The acceptance notice: the clerk issues a code and prints it.
    page.goto(f"{base}/admin/cases/{case.pk}/notice/acceptance/")
    expect(page.locator("#issue-query-code")).to_contain_text("重新签发后，原查询码")
    screenshot("phone-petitioner-02-notice-before-code")
    page.get_by_role("button", name="签发查询码").click()
    code_box = page.locator("#notice-query-code strong")
    expect(code_box).to_have_text(re.compile(r"^[A-Z0-9]{8}$"))
    code = code_box.inner_text()
    body = page.locator("body").inner_text()
    assert case.number in body and BUREAU_PHONE in body and "/xinfang/status/" in body
    assert code not in QueryCode.objects.get(case=case).code_hash
    # The issue form is not printed: only the notice and its code.
    page.emulate_media(media="print")
    expect(page.locator("#issue-query-code")).to_be_hidden()
    expect(page.locator("#notice-query-code")).to_be_visible()
    screenshot("phone-petitioner-03-notice-printed")
    page.emulate_media(media="screen")

    # The petitioner, on the public site, with what the notice says (a fresh browser: no staff
    # session).
    page.context.clear_cookies()
    page.goto(f"{base}/xinfang/status/")
    expect(page.locator("#lost-code")).to_contain_text(BUREAU_PHONE)
    page.fill("#id_number", case.number)
    page.fill("#id_code", code.lower())  # as typed from paper
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator("#result-heading")).to_contain_text(case.number)
    expect(page.locator("dl.facts")).to_contain_text("已受理")
    screenshot("phone-petitioner-04-status-found")
