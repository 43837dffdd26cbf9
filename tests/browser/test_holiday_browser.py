"""A26.1 in a real browser: an administrator enters the 2027 holiday arrangement and a case's
provisional due date stops being provisional.

The recomputation runs once the admin request's transaction commits; with a live server and
``transaction=True`` it really commits, so nothing here calls it by hand.
"""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from factories import UserFactory, detachment_user, make_case, role_group
from playwright.sync_api import expect

from petitions.models import Deadline
from rules.roles import Role
from snippets.models import HolidayNotice

PASSWORD = "pw-123456"  # what the factories set
NOTICE_SOURCE = "国办发明电〔2026〕X号（测试）"
RECOMPUTED = "petitions.deadline_recomputed"
# 春节 02-05 (除夕) … 02-12 off, Saturday 02-13 worked (调休上班).
HOLIDAYS = [dt.date(2027, 2, d) for d in range(5, 13)]
ADJUSTED_WORKDAY = dt.date(2027, 2, 13)


def log_in(page, base: str, user) -> None:
    """Log in as ``user``, after dropping whoever was logged in before."""
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a26_1_browser_an_administrator_enters_the_2027_holidays_and_a_provisional_due_date_is_confirmed(
    live_server, page, screenshot, monkeypatch
):
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "starter-pass-1")
    call_command("load_starter", stdout=io.StringIO())
    # A 系统管理员 as the starter configuration defines the role (not a superuser).
    administrator = UserFactory(username="xitong", roles=[Role.ADMINISTRATOR])
    assert not administrator.is_superuser
    assert role_group(Role.ADMINISTRATOR).permissions.filter(codename="add_holidaynotice").exists()
    clerk = detachment_user()
    case = make_case(received_on=dt.date(2027, 2, 4))
    acceptance = case.deadlines.get(rule="acceptance_direct", status=Deadline.Status.OPEN)
    # Provisional (no 2027 notice yet): 除夕 02-05 to 初三 02-08 off → 02-09, 02-10, 02-11.
    assert (acceptance.due_on, acceptance.provisional) == (dt.date(2027, 2, 11), True)
    base = live_server.url
    case_url = f"{base}/admin/cases/inspect/{case.pk}/"
    row = page.locator('#deadlines tr[data-rule="acceptance_direct"]')
    banner = page.locator(".case-page > .help-block.help-warning")
    recomputed = page.locator(f'#timeline li[data-action="{RECOMPUTED}"]')

    # The detachment sees a provisional acceptance due date, and the banner says why.
    log_in(page, base, clerk)
    page.goto(case_url)
    expect(row.locator(".due-date")).to_have_text("2027-02-11")
    expect(row.locator(".w-status")).to_have_text("暂定")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("暂定")
    expect(recomputed).to_have_count(0)
    screenshot("holiday-01-case-provisional")

    # The administrator: the 节假日日历 shows 2027 as 暂定, with a link to enter its notice.
    log_in(page, base, administrator)
    page.goto(f"{base}/admin/holiday-calendar/")
    year_2027 = page.locator("#year-2027")
    expect(year_2027).to_have_attribute("data-source", "provisional")
    expect(year_2027).to_contain_text("暂定")
    expect(page.locator("#provisional-warning")).to_contain_text("2027")
    screenshot("holiday-02-calendar-2027-provisional")

    add_link = year_2027.locator("a.add-notice")
    expect(add_link).to_have_text("录入 2027 年节假日安排")
    add_link.click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/admin/snippets/snippets/holidaynotice/add/"))

    # Nothing saves the notice behind the administrator's back: a background (autosave) save of
    # a half-entered notice would be in force at once, and one still running when 保存 is
    # clicked made that save a duplicate ("无法创建…出现错误") on a loaded machine.
    form = page.locator("form#w-editor-form")
    expect(form).to_have_attribute("data-controller", re.compile(r"w-unsaved"))
    expect(form).not_to_have_attribute("data-controller", re.compile(r"w-autosave"))
    background_saves = []
    page.on(
        "request",
        lambda r: (
            background_saves.append(r.url)
            if r.method == "POST" and "text/html" not in (r.headers.get("accept") or "")
            else None
        ),
    )

    # The notice and its days, one inline row each, added with the InlinePanel's add button: the
    # 8 days of 春节 are one row, from its first to its last day, as the notice writes them.
    page.fill("#id_year", "2027")
    page.fill("#id_source", NOTICE_SOURCE)
    add_day = page.locator("#id_days-ADD")
    set_value = (
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('change', {bubbles: true})); }"
    )
    days = [(HOLIDAYS[0], HOLIDAYS[-1], "春节", False), (ADJUSTED_WORKDAY, None, "调休上班", True)]
    for i, (date, last, name, working) in enumerate(days):
        add_day.click()
        date_input = page.locator(f"#id_days-{i}-date")
        # The value is set without focusing the field: Wagtail's date picker would open and, on
        # a loaded machine, stay over the add button or take a stray click as another date.
        date_input.evaluate(set_value, date.isoformat())
        if last:
            page.locator(f"#id_days-{i}-end_date").evaluate(set_value, last.isoformat())
        page.fill(f"#id_days-{i}-name", name)
        if working:
            page.check(f"#id_days-{i}-is_working_day")
        expect(date_input).to_have_value(date.isoformat())
    expect(page.locator("#id_days-TOTAL_FORMS")).to_have_value(str(len(days)))
    screenshot("holiday-03-notice-filled")

    assert background_saves == []
    page.get_by_role("button", name="保存", exact=True).click()
    # This test's notice lists 春节 only: refused, naming the statutory holidays it leaves out,
    # until the administrator confirms that the notice really does.
    refusal = page.locator("#panel-child-confirm_missing_holidays-section, form#w-editor-form")
    expect(refusal.first).to_contain_text("本通知没有把这些法定节假日列为放假：元旦（1月1日）")
    assert not HolidayNotice.objects.filter(year=2027).exists()
    screenshot("holiday-03b-notice-missing-holidays")
    page.check("#id_confirm_missing_holidays")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(
        re.compile(rf"{re.escape(base)}/admin/snippets/snippets/holidaynotice/(edit/\d+/)?$")
    )
    expect(page.locator(".messages")).to_contain_text("2027")
    screenshot("holiday-04-notice-saved")

    notice = HolidayNotice.objects.get(year=2027)
    assert notice.source == NOTICE_SOURCE
    assert {(day, d.is_working_day) for d in notice.days.all() for day in d.dates()} == {
        *((d, False) for d in HOLIDAYS),
        (ADJUSTED_WORKDAY, True),
    }

    # 2027 now comes from the notice, and none of its deadlines is provisional any more.
    page.goto(f"{base}/admin/holiday-calendar/")
    expect(year_2027).to_have_attribute("data-source", "notice")
    expect(year_2027).to_contain_text(f"国务院通知（{NOTICE_SOURCE}）")
    expect(year_2027).not_to_contain_text("暂定")
    expect(year_2027.locator("td").nth(1)).to_have_text("8")  # 放假日
    expect(year_2027.locator("td").nth(2)).to_have_text("1")  # 调休上班日
    expect(year_2027.locator("td").nth(5)).to_have_text("0")  # 其中暂定
    expect(page.locator("#provisional-warning")).not_to_contain_text("2027")
    screenshot("holiday-05-calendar-2027-from-notice")

    # The detachment again: 02-05..02-12 off, 02-13 (Sat) worked → 02-13, 02-15, 02-16.
    log_in(page, base, clerk)
    page.goto(case_url)
    expect(row.locator(".due-date")).to_have_text("2027-02-16")
    expect(row.locator(".w-status")).to_have_count(0)
    expect(row).not_to_contain_text("暂定")
    expect(banner).to_have_count(0)
    # The recomputation is in the timeline (its newest entry names the new, confirmed date).
    expect(recomputed.first).to_be_visible()
    latest = recomputed.last
    expect(latest).to_contain_text("2027-02-16")
    expect(latest).to_contain_text(NOTICE_SOURCE)
    expect(latest).to_contain_text("不再是暂定期限")
    expect(recomputed.first).to_contain_text("2027-02-11")
    expect(latest).to_contain_text("系统")
    screenshot("holiday-06-case-confirmed")

    acceptance.refresh_from_db()
    assert (acceptance.due_on, acceptance.provisional) == (dt.date(2027, 2, 16), False)
