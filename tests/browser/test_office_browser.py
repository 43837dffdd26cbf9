"""A12.1, A12.2, A7.1 in a real browser: a duty officer's shift (log calls, close an urgent one
with its visit and call back, hand another to the detachment and see it registered), and the
office's monthly reception check; both screens audited with axe-core (WCAG 2.1 AA)."""

import datetime as dt
import re

import pytest
from a11y import DESKTOP, Audit
from django.utils import timezone
from factories import (
    DepartmentFactory,
    a_category,
    detachment_user,
    direct_channel,
    duty_team,
    leadership_members,
    make_case,
    person,
    step,
)
from playwright.sync_api import expect

from petitions.models import Case
from petitions.office import duty, mediation, receptions, rewards
from petitions.office.models import DutyCall, DutyShift, LeaderReception, is_night
from rules.roles import Role
from snippets.models import Channel

PASSWORD = "pw-123456"  # what the factories set
FORMAT = "%Y-%m-%d %H:%M"


def log_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")


def fill_time(page, selector: str, moment: dt.datetime) -> None:
    """Type a time into Wagtail's date-time field and close its picker."""
    field = page.locator(selector)
    field.fill(timezone.localtime(moment).strftime(FORMAT))
    field.press("Escape")


def last_night_moment(start: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A minute between 22:00 and 06:00 inside [start, now] (the shift began 17 hours ago, so
    there always is one)."""
    moment = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    while not is_night(moment):
        moment -= dt.timedelta(minutes=30)
    assert moment >= start
    return moment


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a12_1_a12_2_browser_a_duty_officers_shift(live_server, page, screenshot):
    direct_channel()
    team = duty_team()
    detachment_user()
    now = timezone.now()
    start = (now - dt.timedelta(hours=17)).replace(second=0, microsecond=0)
    shift = duty.save_shift(
        duty.ShiftPlan(
            DutyShift.Kind.REGULAR,
            start,
            start + dt.timedelta(hours=24),
            [team["zhang"], team["li"], team["wang"]],
        ),
        user=person("bangongshi", "周办公", Role.OFFICE),
    )
    base = live_server.url
    audit = Audit("office-duty", viewports=(DESKTOP,))

    # The duty officer's home page: the shift they are on, nothing left yet.
    log_in(page, base, "zhifa_zhang")
    panel = page.locator("#duty-panel")
    expect(panel).to_contain_text("当前班次")
    screenshot("office-duty-01-home")
    panel.get_by_role("link", name=str(shift)).click()
    page.wait_for_url(f"{base}/admin/office/duty/shifts/{shift.pk}/")
    expect(page.locator("#shift-staff")).to_contain_text("张执法（执法人员）")
    audit.check(page, "shift, empty")

    # 1. Night construction noise: urgent, with the verification and the call back to record.
    night = last_night_moment(start, now)
    fill_time(page, "#id_call-received_at", night)
    page.fill("#id_call-caller_phone", "13912345678")
    page.fill("#id_call-caller_name", "陈来电")
    page.fill("#id_call-place", "九龙坡区谢家湾正街工地")
    page.fill("#id_call-demand", "工地夜间打桩，噪声很大。")
    page.check("#id_call-construction_noise")
    page.locator("#call-form button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/office/duty/shifts/{shift.pk}/")
    urgent = DutyCall.objects.get()
    article = page.locator(f"#call-{urgent.pk}")
    expect(article.locator(".call-flag")).to_have_text("未现场核实、未回复来电人")
    expect(page.locator("#open-calls")).to_contain_text("未现场核实、未回复来电人")
    screenshot("office-duty-02-urgent-call-open")
    fill_time(page, f"#id_verify-{urgent.pk}-at", night + dt.timedelta(minutes=5))
    page.fill(f"#id_verify-{urgent.pk}-notes", "到场核实，工地无夜间施工许可，已责令停工。")
    article.get_by_role("button", name="记录现场核实").click()
    page.wait_for_url(f"{base}/admin/office/duty/shifts/{shift.pk}/")
    expect(article.locator(".call-flag")).to_have_text("未回复来电人")
    fill_time(page, f"#id_callback-{urgent.pk}-at", night + dt.timedelta(minutes=8))
    page.fill(f"#id_callback-{urgent.pk}-notes", "已电话告知来电人：工地已停工。")
    article.get_by_role("button", name="记录回复来电人").click()
    page.wait_for_url(f"{base}/admin/office/duty/shifts/{shift.pk}/")
    expect(article.locator(".call-flag")).to_have_count(0)
    expect(article.locator(".call-verified")).to_contain_text("已责令停工")
    expect(article.locator(".call-called-back")).to_contain_text("工地已停工")

    # 2. Any other call: handed to the detachment before the shift ends.
    fill_time(page, "#id_call-received_at", now - dt.timedelta(minutes=20))
    page.fill("#id_call-caller_phone", "13800001111")
    page.fill("#id_call-place", "九龙坡区石坪桥某小区")
    page.fill("#id_call-demand", "小区旁河道有异味，请派人查看。")
    page.locator("#call-form button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/office/duty/shifts/{shift.pk}/")
    other = DutyCall.objects.exclude(pk=urgent.pk).get()
    other_article = page.locator(f"#call-{other.pk}")
    expect(other_article.locator(".call-flag")).to_have_text("未转支队登记")
    expect(page.locator("#open-calls")).to_contain_text("未转支队登记")
    screenshot("office-duty-03-calls-before-handover")
    audit.check(page, "shift with calls")
    other_article.get_by_role("button", name="转支队登记").click()
    page.wait_for_url(f"{base}/admin/office/duty/shifts/{shift.pk}/")
    case = Case.objects.get()
    expect(page.get_by_text(f"已转支队登记，案件编号 {case.number}。")).to_be_visible()
    expect(other_article.locator(".call-case")).to_contain_text(case.number)
    expect(page.locator("#open-calls")).to_have_text("本班次没有待处置的来电。")
    screenshot("office-duty-04-handed-over")

    # The case is registered, numbered, and names the call it came from.
    other_article.get_by_role("link", name=case.number).click()
    page.wait_for_url(f"{base}/admin/cases/inspect/{case.pk}/")
    expect(page.locator("#case-number")).to_contain_text(case.number)
    expect(page.locator("#from-duty-call")).to_contain_text("值班来电")
    expect(page.locator("#timeline")).to_contain_text("值班来电转支队登记")
    screenshot("office-duty-05-case-from-the-call")
    page.goto(f"{base}/admin/cases/")
    expect(page.get_by_role("link", name=case.number)).to_be_visible()
    screenshot("office-duty-06-in-the-ledger")

    # The week's roster shows the shift; the office's view of it is audited too.
    log_in(page, base, "bangongshi")
    page.goto(f"{base}/admin/office/duty/roster/?week={timezone.localdate(start).isoformat()}")
    expect(page.locator("#roster")).to_contain_text("张执法")
    screenshot("office-duty-07-roster")
    audit.check(page, "roster week")
    audit.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a7_1_browser_the_offices_monthly_reception_check(live_server, page, screenshot):
    head = person("juzhang", "赵局长", Role.BUREAU_HEAD)
    deputy = person("fuju_a", "钱副局长", Role.SUPERVISING_LEADER)
    deputy_b = person("fuju_b", "孙副局长", Role.SUPERVISING_LEADER)
    leadership_members(head, deputy, deputy_b)
    office = person("bangongshi", "周办公", Role.OFFICE)
    today = timezone.localdate()
    receptions.record_reception(
        receptions.ReceptionData(
            leader=head,
            received_on=today.replace(day=1),
            place="局信访接待室",
            kind=LeaderReception.Kind.REGULAR,
            visitor_count=3,
        ),
        user=office,
    )
    base = live_server.url
    audit = Audit("office-receptions", viewports=(DESKTOP,))

    log_in(page, base, "bangongshi")
    expect(page.locator("#office-panel-below")).to_contain_text("钱副局长")
    screenshot("office-reception-01-home")
    # 工作制度 › 领导接访, from the menu.
    page.get_by_role("button", name="工作制度").click()
    page.get_by_role("link", name="领导接访", exact=True).click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/admin/office/receptions/"))
    check = page.locator("#reception-check")
    expect(check.locator("tr.reception-below")).to_have_count(2)
    expect(check.locator('tr[data-member="赵局长"]')).to_contain_text("已达到")
    expect(check.locator('tr[data-member="钱副局长"]')).to_contain_text("未达到")
    screenshot("office-reception-02-monthly-check")
    audit.check(page, "monthly check")

    # Record 钱副局长's visit to the community (下访).
    page.get_by_role("link", name="登记领导接访").click()
    page.select_option("#id_reception-leader", label="钱副局长")
    page.select_option("#id_reception-kind", label="下访")
    page.fill("#id_reception-place", "谢家湾街道某社区")
    page.fill("#id_reception-visitor_count", "5")
    page.fill("#id_reception-matters", "居民反映餐馆油烟，已交大气科核查。")
    screenshot("office-reception-03-form")
    audit.check(page, "reception form")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/admin/office/receptions/\d+/$"))
    expect(page.locator("main")).to_contain_text("谢家湾街道某社区")
    page.goto(f"{base}/admin/office/receptions/?month={today:%Y-%m}")
    expect(check.locator("tr.reception-below")).to_have_count(1)
    expect(check.locator('tr[data-member="孙副局长"]')).to_contain_text("未达到")
    screenshot("office-reception-04-check-after")

    # The leaders' dashboard carries the same check.
    page.goto(f"{base}/admin/reports/dashboard/")
    section = page.locator(".reception-check-section")
    expect(section).to_contain_text("1 名班子成员未达到")
    expect(section.locator("tr.reception-below")).to_have_count(1)
    screenshot("office-reception-05-leaders-dashboard")
    audit.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a7_3_a9_1_a11_1_a23_1_browser_the_other_working_system_screens_pass_axe(
    live_server, page, screenshot
):
    """The district reception, reward, mediation and accountability screens, as the office and
    the detachment see them, pass axe-core (WCAG 2.1 AA)."""
    zhidui = detachment_user()
    office = person("bangongshi", "周办公", Role.OFFICE)
    head = person("juzhang", "赵局长", Role.BUREAU_HEAD)
    leadership_members(head)
    Channel.objects.create(
        code="leader_reception", name="区领导接访", source=Channel.Source.LEADER_RECEPTION
    )
    dept = DepartmentFactory(name="法规与标准科", code="law", supervising_leader=head)
    today = timezone.localdate()
    case = step(
        make_case(received_on=today, is_group_visit=True, visitor_count=30),
        "register",
        zhidui,
        kind="violation_report",
        categories=[a_category()],
    )
    case = step(case, "accept", zhidui, accepted_on=today, notice_method="phone")
    case = step(case, "dispatch", zhidui, host_department=dept, basis="responsibility_table")
    reward = rewards.apply(case, applied_on=today, user=zhidui)
    m = mediation.propose(
        case,
        dispute_kind="pollution_compensation",
        department=dept,
        parties=[mediation.PartyData("张三", "申请人"), mediation.PartyData("某公司", "被申请人")],
        user=zhidui,
    )
    district = receptions.record_district_notice(
        receptions.DistrictNotice(
            today, today, "区信访接待中心", "区长 某某", "区政府", head, dept
        ),
        user=office,
        case=case,
    )
    base = live_server.url
    audit = Audit("office-other", viewports=(DESKTOP,))
    log_in(page, base, zhidui.username)
    shots = iter(range(1, 20))
    for label, url in [
        ("case page with records", f"/admin/cases/inspect/{case.pk}/"),
        ("group visit form", f"/admin/office/cases/{case.pk}/group-visit/"),
        ("reward", f"/admin/office/rewards/{reward.pk}/"),
        ("rewards of the year", "/admin/office/rewards/"),
        ("mediation", f"/admin/office/mediations/{m.pk}/"),
        ("mediations", "/admin/office/mediations/"),
        ("referral form", "/admin/office/accountability/referrals/add/"),
        ("district reception", f"/admin/office/district/{district.pk}/"),
    ]:
        page.goto(f"{base}{url}")
        expect(page.locator("main")).to_be_visible()
        audit.check(page, label)
        screenshot(f"office-other-{next(shots):02d}-{url.strip('/').replace('/', '-')}")
    log_in(page, base, office.username)
    for label, url in [
        ("office home", "/admin/"),
        ("accountability", "/admin/office/accountability/"),
        ("district notice form", "/admin/office/district/add/"),
        ("district receptions", "/admin/office/district/"),
    ]:
        page.goto(f"{base}{url}")
        audit.check(page, label)
        screenshot(f"office-other-{next(shots):02d}-{url.strip('/').replace('/', '-')}")
    audit.assert_clean()
