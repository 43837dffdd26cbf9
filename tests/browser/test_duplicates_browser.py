"""Duplicates at registration in a real browser (A14.6): the clerk opens 登记 on a new petition,
sees the earlier case on the same matter with its state and why it matched, joins the petition
to it, and both cases say so. Screens pass axe (WCAG 2.1 A/AA); screenshots in
tests/artifacts/duplicates-*.png."""

import datetime as dt

import pytest
from a11y import DESKTOP, PHONE, Audit
from django.utils import timezone
from factories import UserFactory, a_category, aware, direct_channel, step
from playwright.sync_api import expect

from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.models import Case, Deadline
from rules.roles import Role
from rules.states import State

PASSWORD = "pw-123456"  # what the factories set


def file(day: dt.date, place: str, description: str, name: str, phone: str) -> Case:
    return file_case(
        Filing(
            channel=direct_channel(),
            received_at=aware(day),
            place=place,
            description=description,
            petitioners=[PetitionerData(name=name, phone=phone)],
        )
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a14_6_registration_shows_the_duplicate_and_links_it(live_server, page, screenshot):
    base = live_server.url
    audit = Audit("duplicates", viewports=(DESKTOP, PHONE))
    today = timezone.localdate()
    clerk = UserFactory(username="zhidui", first_name="李支队", roles=[Role.DETACHMENT])
    earlier = file(
        today - dt.timedelta(days=10),
        "九龙坡区杨家坪西郊路18号",
        "重庆鑫达机械厂每天夜间切割钢材，噪音很大，一直持续到凌晨两点，严重影响附近居民休息。",
        "王建国",
        "13912345678",
    )
    earlier = step(earlier, "register", clerk, kind="pollution", categories=[a_category()])
    earlier = step(earlier, "accept", clerk, accepted_on=earlier.received_on, notice_method="phone")
    file(
        today - dt.timedelta(days=5),
        "九龙坡区石桥铺科园一路3号",
        "小区地下车库排风口异味，希望物业整改。",
        "赵敏",
        "13698765432",
    )
    new = file(
        today,
        "九龙坡区西郊路18号",
        "鑫达机械厂晚上切割钢材噪音太大，持续到凌晨两点，附近居民没法休息。",
        "王建国",
        "13912345678",
    )

    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", clerk.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")

    page.goto(f"{base}/admin/cases/inspect/{new.pk}/")
    page.locator('a[data-step="register"]').click()
    page.wait_for_url("**/step/register/")
    panel = page.locator("#duplicates")
    expect(panel.get_by_role("heading", name="可能重复的信访事项")).to_be_visible()
    rows = panel.locator("#duplicates-table tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text(earlier.number)
    expect(row).to_contain_text("已受理")
    expect(row).to_contain_text("同一电话、同一地点、内容相似")
    expect(row).to_contain_text("王*")
    expect(row).not_to_contain_text("王建国")  # masked until revealed on that case (A6.1)
    screenshot("duplicates-register")
    audit.check(page, "register with duplicates")

    row.get_by_role("link", name="并入此案").click()
    page.wait_for_url("**/step/link_duplicate/**")
    expect(page.locator("#id_earlier_case")).to_have_value(earlier.number)
    page.fill("#id_reason", "同一噪音问题，信访人再次来电。")
    screenshot("duplicates-link")
    audit.check(page, "link form")
    page.locator("form#w-editor-form button[type=submit]").first.click()
    page.wait_for_url(f"**/admin/cases/inspect/{new.pk}/")
    expect(page.locator("#earlier-case")).to_have_text(earlier.number)
    expect(page.get_by_text("已并入在办案件（第十四条）")).to_be_visible()
    screenshot("duplicates-linked")

    page.goto(f"{base}/admin/cases/inspect/{earlier.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("同一信访事项的信访件并入本案")
    expect(timeline).to_contain_text(f"并入的信访件：{new.number}")
    screenshot("duplicates-earlier")
    audit.check(page, "earlier case timeline")
    audit.assert_clean()

    new.refresh_from_db()
    assert new.state == State.NOT_ACCEPTED
    assert not new.deadlines.filter(status=Deadline.Status.OPEN).exists()
