"""The README's "Setting up another bureau", followed in a browser by a new administrator:
重庆市渝中区生态环境局 with its own name, prefix, phone, a department, a superior channel with its
own limits; then one public filing whose receipt, notice and SMS show the new bureau and number.
"""

import io
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from factories import UserFactory, a_category, detachment_user, step
from playwright.sync_api import expect

from petitions.cases.filing import Filing, file_case
from petitions.models import Case, PetitionerMessage
from rules.roles import Role
from snippets.models import BureauProfile, Channel, Department

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
ADMIN_PASSWORD = "starter-admin-pass-1"
PASSWORD = "pw-123456"  # what the factories set


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def log_in(page, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")


def save(page) -> None:
    page.locator("form button[type=submit]").filter(has_text="保存").first.click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_x_1_browser_another_bureau_set_up_in_the_admin_alone(
    live_server, page, screenshot, monkeypatch
):
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", ADMIN_PASSWORD)
    call_command("load_starter", stdout=io.StringIO())
    a_category()
    # Staff accounts (设置 › 用户 works as Wagtail ships it): a department head and a clerk.
    UserFactory(username="zhangzr", last_name="张", first_name="主任", roles=[Role.DEPARTMENT_HEAD])
    UserFactory(username="qiandq", last_name="钱", first_name="多钱", roles=[Role.DUTY])
    clerk = detachment_user("yzzhidui")
    base = live_server.url
    year = timezone.localdate().year
    log_in(page, base, "admin", ADMIN_PASSWORD)

    # 1. 设置 › 本局信息, with the next number shown before saving.
    page.goto(f"{base}/admin/settings/snippets/bureauprofile/")
    page.locator("#id_name").fill("重庆市渝中区生态环境局")
    page.locator("#id_name_en").fill("Yuzhong District Ecology and Environment Bureau, Chongqing")
    page.locator("#id_short_name").fill("渝中区生态环境局")
    expect(page.locator("#number-example")).to_have_text(f"JLPXF-{year}-000001")
    page.locator("#id_number_prefix").fill("YZXF")
    expect(page.locator("#number-example")).to_have_text(f"YZXF-{year}-000001")
    page.locator("#id_phone").fill("023-63890000")
    page.locator("#id_address").fill("渝中区中山三路131号")
    page.locator("#id_office_hours").fill("工作日 9:00–12:00，14:00–17:00")
    page.locator("#id_regulation_title").fill("《重庆市渝中区生态环境局环境信访工作管理办法》")
    screenshot("bureau-01-profile")
    save(page)
    expect(page.locator(".messages .success, .messages li").first).to_be_visible()
    assert BureauProfile.load().number_prefix == "YZXF"

    # 4. 配置 › 科室: a department whose head is picked by full name from 科室负责人 only.
    page.goto(f"{base}/admin/snippets/snippets/department/add/")
    page.locator("#id_name").fill("大气与噪声科")
    page.locator("#id_code").fill("yz-air")
    head = page.locator("#id_head")
    options = head.locator("option").all_inner_texts()
    assert "张主任" in options and "钱多钱" not in options and "zhangzr" not in options
    head.select_option(label="张主任")
    screenshot("bureau-02-department")
    save(page)
    page.wait_for_url(re.compile(r".*/admin/snippets/snippets/department/$"))
    department = Department.objects.get(code="yz-air")
    assert department.head.username == "zhangzr"

    # 7. 配置 › 信访渠道: a superior channel with its own acceptance limit.
    page.goto(f"{base}/admin/snippets/snippets/channel/add/")
    page.locator("#id_name").fill("渝中区12345热线")
    page.locator("#id_code").fill("yz12345")
    page.locator("#id_source").select_option(label="上级交办")
    page.locator("#id_deadline_overrides-ADD").click()
    page.locator("#id_deadline_overrides-0-rule").select_option("acceptance_assigned")
    page.locator("#id_deadline_overrides-0-length").fill("3")
    page.locator("#id_deadline_overrides-0-unit").select_option("working_days")
    screenshot("bureau-03-channel")
    save(page)
    page.wait_for_url(re.compile(r".*/admin/snippets/snippets/channel/$"))
    channel = Channel.objects.get(code="yz12345")
    assert channel.rule_overrides() == {"acceptance_assigned": (3, "working_days")}

    # 2. 设置 › 本局办理选项: each choice with its article; move natural-day limits off days off.
    page.goto(f"{base}/admin/settings/snippets/bureaurules/")
    expect(page.locator("main")).to_contain_text("第二十六条")
    expect(page.locator("main")).to_contain_text("第十八条")
    page.locator("#id_move_natural_due_off_holidays").check()
    screenshot("bureau-04-choices")
    save(page)
    expect(page.locator(".messages .success, .messages li").first).to_be_visible()

    # 11. 节假日日历: the calculator, with the choice just made as its default.
    page.goto(f"{base}/admin/holiday-calendar/")
    expect(page.locator("#id_move_off_holiday")).to_be_checked()
    page.locator("#id_start").fill("2026-04-04")
    page.locator("#id_count").fill("30")
    page.locator("#id_unit").select_option("days")
    page.locator("#due-date-calculator button[type=submit]").click()
    expect(page.locator("#calculator-result")).to_contain_text("期限届满日为 2026-05-06")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#due-date-calculator").screenshot(
        path=str(ARTIFACTS / "bureau-05-calculator.png")
    )

    # 12. A resident files on the public site.
    page.context.clear_cookies()
    page.goto(f"{base}/xinfang/file/")
    expect(page.locator("header .org")).to_have_text("重庆市渝中区生态环境局")
    page.get_by_label(re.compile("^信访事项类型")).select_option(label="环境污染扰民投诉")
    page.get_by_label(re.compile("^问题发生地点")).fill("解放碑步行街8号")
    page.get_by_label(re.compile("^反映内容")).fill("夜里十点以后工地仍在施工，噪声很大。")
    page.get_by_label(re.compile("^姓名")).fill("李四")
    page.get_by_label(re.compile("^联系电话")).fill("13912345678")
    page.get_by_label(re.compile("我已阅读并同意")).check()
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r".*/xinfang/receipt/[^/]+/$"))
    case = Case.objects.get()
    assert case.number == f"YZXF-{case.year}-000001"
    expect(page.locator("dd.code").first).to_have_text(case.number)
    expect(page.locator("#receipt-bureau")).to_have_text("重庆市渝中区生态环境局")
    expect(page.locator("#receipt-phone")).to_have_text("023-63890000")
    expect(page.locator("#bureau-contact")).to_contain_text("渝中区中山三路131号")
    assert "九龙坡" not in page.locator("body").inner_text()
    assert re.search(r"重庆市渝中区生态环境局$", page.title())
    screenshot("bureau-06-receipt")

    sms = PetitionerMessage.objects.get(case=case, event="filed_online")
    assert sms.body.startswith("【重庆市渝中区生态环境局】") and case.number in sms.body

    # The clerk accepts it; the acceptance notice is the new bureau's, with the new number.
    case = step(case, "register", clerk, kind="pollution", categories=[a_category()])
    case = step(case, "accept", clerk, accepted_on=case.received_on, notice_method="sms")
    accepted = PetitionerMessage.objects.get(case=case, event="accept")
    assert accepted.body.startswith("【重庆市渝中区生态环境局】") and case.number in accepted.body
    log_in(page, base, clerk.username, PASSWORD)
    page.goto(f"{base}/admin/cases/{case.pk}/notice/acceptance/")
    body = page.locator("body").inner_text()
    assert case.number in body and "重庆市渝中区生态环境局" in body and "九龙坡" not in body
    expect(page.locator("p.sign")).to_contain_text("重庆市渝中区生态环境局")
    screenshot("bureau-07-notice")

    # The superior channel's own limit applies to a case it assigns.
    assigned_on = timezone.localdate()
    assigned = file_case(
        Filing(
            channel=channel,
            received_at=timezone.now(),
            place="较场口",
            description="餐馆油烟扰民",
            source_ticket_number="YZ-2026-1",
        )
    )
    acceptance = assigned.deadlines.get(rule="acceptance_assigned")
    assert acceptance.length == 3 and acceptance.start_on == assigned_on
    assert assigned.number == f"YZXF-{assigned.year}-000002"
