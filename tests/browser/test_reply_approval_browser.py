"""A16.1, A17.1 in a real browser: an administrator edits the responsibility table, a new case's
dispatch proposes the new department; the reply goes back once, then through head and leader,
is issued, and the petitioner's letter shows it."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from factories import UserFactory, detachment_user, make_case, record_verification, step
from playwright.sync_api import expect

from rules.roles import Role
from snippets.models import Category, Department, ResponsibilityRule

PASSWORD = "pw-123456"  # what the factories set
FINAL_REPLY = "经现场检查和监测，已责令电镀厂整改。"


def log_in(page, base: str, user) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")


def take_step(page, base: str, case, name: str, fields: dict | None = None) -> None:
    """Open the case page, click the step's button, fill its form, submit."""
    page.goto(f"{base}/admin/cases/inspect/{case.pk}/")
    page.locator(f'a[data-step="{name}"]').click()
    for selector, value in (fields or {}).items():
        if selector.startswith("select:"):
            page.select_option(selector.removeprefix("select:"), value)
        else:
            page.fill(selector, value)
    page.locator("form#w-editor-form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/admin/cases/inspect/{case.pk}/")
    expect(page.locator(".messages")).to_contain_text(case.number)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a16_1_a17_1_browser_responsibility_table_and_two_level_reply_approval(
    live_server, page, screenshot, monkeypatch
):
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "starter-pass-1")
    call_command("load_starter", stdout=io.StringIO())
    base = live_server.url
    water = Department.objects.get(code="water")
    air = Category.objects.get(code="air")
    administrator = UserFactory(username="xitong", roles=[Role.ADMINISTRATOR])
    clerk = detachment_user()
    handler = UserFactory(username="jingban", roles=[Role.HANDLER])
    head = UserFactory(username="kezhang", roles=[Role.DEPARTMENT_HEAD])
    leader = UserFactory(username="fenguan", roles=[Role.SUPERVISING_LEADER])
    water.staff.add(handler)
    water.head, water.supervising_leader = head, leader
    water.save()

    # The administrator adds a row to the responsibility table (信访职责分工方案).
    log_in(page, base, administrator)
    page.goto(f"{base}/admin/snippets/snippets/responsibilityrule/add/")
    page.select_option("#id_kind", "pollution")
    page.select_option("#id_category", str(air.pk))
    page.fill("#id_keywords", "电镀")
    page.select_option("#id_department", str(water.pk))
    screenshot("approval-01-responsibility-row")
    page.get_by_role("button", name="保存").first.click()
    expect(page.locator(".messages")).to_be_visible()
    rule = ResponsibilityRule.objects.get(keywords="电镀")
    assert rule.department == water

    # A new case mentioning 电镀 is registered and accepted; its dispatch proposes 水生态环境科.
    case = make_case()
    case.description = "电镀厂夜间排放刺鼻气味"
    case.save()
    case = step(case, "register", clerk, kind="pollution", categories=[air])
    case = step(case, "accept", clerk, accepted_on=case.received_on, notice_method="phone")
    log_in(page, base, clerk)
    page.goto(f"{base}/admin/cases/inspect/{case.pk}/")
    page.locator('a[data-step="dispatch"]').click()
    expect(page.locator("#proposal")).to_contain_text("水生态环境科")
    expect(page.locator("#id_host_department")).to_have_value(str(water.pk))
    page.select_option("#id_handler", str(handler.pk))
    screenshot("approval-02-dispatch-proposal")
    page.locator("form#w-editor-form button[type=submit]").first.click()
    expect(page.locator(".messages")).to_contain_text("已交办")

    # The handler verifies (第六条) and drafts; the head sends it back; the handler revises;
    # head, leader approve.
    record_verification(case, handler)
    log_in(page, base, handler)
    take_step(
        page, base, case, "draft_reply", {"#id_reply_text": "初稿", "select:#id_method": "letter"}
    )
    log_in(page, base, head)
    take_step(page, base, case, "return_reply_head", {"#id_comment": "请补充监测数据"})
    log_in(page, base, handler)
    take_step(
        page,
        base,
        case,
        "draft_reply",
        {"#id_reply_text": FINAL_REPLY, "select:#id_method": "letter"},
    )
    log_in(page, base, head)
    take_step(page, base, case, "approve_reply_head", {"#id_comment": "同意"})
    log_in(page, base, leader)
    take_step(page, base, case, "approve_reply_leader", {"#id_comment": "同意发出"})
    log_in(page, base, handler)
    take_step(page, base, case, "reply", {"#id_received_on": timezone.localdate().isoformat()})
    expect(page.locator("#case-number")).to_contain_text("已答复")
    expect(page.locator("#reply-drafts")).to_contain_text("已退回修改")
    expect(page.locator("#reply-drafts")).to_contain_text(FINAL_REPLY)
    expect(page.locator("#timeline")).to_contain_text("请补充监测数据")
    expect(page.locator("#timeline")).to_contain_text("分管领导审核通过")
    screenshot("approval-03-replied")

    # The petitioner's reply letter carries the issued reply.
    page.goto(f"{base}/admin/cases/{case.pk}/notice/reply_letter/")
    expect(page.locator("body")).to_contain_text(FINAL_REPLY)
    expect(page.locator("body")).to_contain_text(case.number)
    screenshot("approval-04-reply-letter")
