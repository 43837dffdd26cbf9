"""Case handling as a clerk would choose it (issue 13), in a real browser: a second call on
the same matter registered with the duplicate shown and linked (A14.6); dispatch; a
verification with an evidence photo (A6.3); a draft refused while it holds the template's
instructions; returned, and the handler sees the alert and the comment (A17.1); approved twice
with the text and its changes in view; issued; the petitioner by phone looks the case up with the
code printed on the acceptance notice. Then the other new screens: the lead department
and the contributions (A16.2), the contact recorded once known (A15.1), the spot checks (A22.1).
Every new screen passes axe (WCAG 2.1 A/AA); screenshots in tests/artifacts/handling-*.png."""

import datetime as dt
import io
import re

import pytest
from a11y import DESKTOP, Audit
from django.core.management import call_command
from django.utils import timezone
from factories import PNG, UserFactory, a_category, detachment_user, issue_reply, make_case, step
from playwright.sync_api import expect

from petitions.cases.filing import Filing, file_case
from petitions.models import Attachment, Case, ReplyDraft, SpotCheck, Verification
from petitions.reports.records import grant_record_permissions
from rules.roles import Role
from snippets.models import BureauLeadership, Channel, Department

PASSWORD = "pw-123456"  # what the factories set
INSTRUCTION = "（诉求合理的，说明解决情况；诉求无理的，说明理由和依据）"


def log_in(page, base: str, user) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")


def submit(page) -> None:
    page.locator("form#w-editor-form button[type=submit]").first.click()
    page.wait_for_load_state()


def open_step(page, base: str, case: Case, name: str) -> None:
    page.goto(f"{base}/admin/cases/inspect/{case.pk}/")
    page.locator(f'a[data-step="{name}"]').click()
    page.wait_for_url(f"**/step/{name}/")


@pytest.fixture
def starter(monkeypatch):
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "starter-pass-1")
    call_command("load_starter", stdout=io.StringIO())


@pytest.fixture
def people(starter):
    water = Department.objects.get(code="water")
    people = {
        "clerk": detachment_user(),
        "handler": UserFactory(username="jingban", first_name="王五", roles=[Role.HANDLER]),
        "head": UserFactory(username="kezhang", first_name="陈科长", roles=[Role.DEPARTMENT_HEAD]),
        "leader": UserFactory(
            username="fenguan", first_name="李分管", roles=[Role.SUPERVISING_LEADER]
        ),
        "water": water,
    }
    water.staff.add(people["handler"])
    water.head, water.supervising_leader = people["head"], people["leader"]
    water.save()
    return people


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a14_6_a6_3_a17_1_x_1_browser_clerk_walks_duplicate_dispatch_verification_draft_return_two_approvals_issue_and_phone_lookup(
    live_server, page, screenshot, people
):
    """The whole walk of issue 13: a phoned-in petition registered and accepted, its acceptance
    notice printed with a query code; a second call on the same matter registered with the
    duplicate shown and linked; then dispatch, verification with a photo, draft, return, two
    approvals, issue; and the petitioner, by phone, looks the case up with the notice's code."""
    base = live_server.url
    audit = Audit("handling", viewports=(DESKTOP,))
    today = timezone.localdate()
    clerk, handler, head, leader = (people[k] for k in ("clerk", "handler", "head", "leader"))
    phone = Channel.objects.get(code="phone")
    case = make_case(
        channel=phone,
        received_on=today - dt.timedelta(days=2),
        place="九龙坡区华岩镇电镀园区",
        description="华岩镇电镀园区的电镀厂每天夜里排放刺鼻气味，附近居民晚上不敢开窗。",
    )
    case = step(case, "register", clerk, kind="pollution", categories=[a_category()])
    case = step(case, "accept", clerk, accepted_on=case.received_on, notice_method="phone")

    # The clerk prints the acceptance notice with a query code for the petitioner.
    log_in(page, base, clerk)
    page.goto(f"{base}/admin/cases/{case.pk}/notice/acceptance/")
    page.get_by_role("button", name="签发查询码").click()
    code_box = page.locator("#notice-query-code strong")
    expect(code_box).to_have_text(re.compile(r"^[A-Z0-9]{8}$"))
    code = code_box.inner_text()
    screenshot("handling-00a-acceptance-notice-with-code")

    # The petitioner calls again on the same matter: registering it, the clerk sees the open
    # case (same phone, same place, similar text) and links the call to it.
    again = make_case(
        channel=phone,
        received_on=today - dt.timedelta(days=1),
        place="九龙坡区华岩镇电镀园区",
        description="电镀厂夜里还在排刺鼻的气味，晚上没法开窗。",
    )
    open_step(page, base, again, "register")
    row = page.locator("#duplicates #duplicates-table tbody tr").filter(has_text=case.number)
    expect(row).to_contain_text("已受理")
    expect(row).to_contain_text("同一电话")
    screenshot("handling-00b-register-with-duplicate")
    audit.check(page, "register with a duplicate")
    row.get_by_role("link", name="并入此案").click()
    page.wait_for_url("**/step/link_duplicate/**")
    page.fill("#id_reason", "同一电镀厂异味问题，信访人再次来电。")
    submit(page)
    page.wait_for_url(f"**/admin/cases/inspect/{again.pk}/")
    expect(page.locator("#earlier-case")).to_have_text(case.number)
    assert case.deadlines.filter(rule="acceptance_direct").count() == 1  # one clock
    assert not again.deadlines.filter(status="open").exists()

    # The clerk dispatches to 水生态环境科 with its handler.
    log_in(page, base, clerk)
    open_step(page, base, case, "dispatch")
    page.select_option("#id_host_department", str(people["water"].pk))
    page.select_option("#id_handler", str(handler.pk))
    page.select_option("#id_basis", "responsibility_table")
    submit(page)
    expect(page.locator(".messages")).to_contain_text("已交办")
    expect(page.locator("#reply-standing")).to_have_text("答复：起草中")

    # The handler cannot draft before verifying; records a verification with a photo.
    log_in(page, base, handler)
    page.goto(f"{base}/admin/cases/inspect/{case.pk}/")
    page.locator("details summary", has_text="暂不能进行的步骤").click()
    expect(page.locator('[data-closed-step="draft_reply"]')).to_contain_text("核查")
    open_step(page, base, case, "record_verification")
    page.fill("#id_subject", "电镀厂夜间排放刺鼻气味")
    page.fill("#id_checked_on", today.isoformat())
    page.fill("#id_place", "九龙坡区华岩镇电镀园区")
    expect(page.locator("#id_checked_by")).to_have_value("王五")
    page.check("#id_methods_0")
    page.check("#id_methods_1")
    page.fill("#id_findings", "废气处理设施夜间停运，臭气浓度超标")
    page.select_option("#id_conclusion", "resolved")
    page.set_input_files(
        "#id_evidence", files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}]
    )
    screenshot("handling-01-verification-form")
    audit.check(page, "verification form")
    submit(page)
    expect(page.locator("#verifications")).to_contain_text("现场检查、监测")
    expect(page.locator("#verifications")).to_contain_text("现场照片.png")
    screenshot("handling-02-case-with-verification")
    audit.check(page, "case page with a verification")
    evidence = Verification.objects.get(case=case).evidence.get()
    assert evidence.file.read() == PNG

    # The draft starts from the verification; sent as it stands, it is refused.
    open_step(page, base, case, "draft_reply")
    draft = page.locator("#id_reply_text")
    expect(draft).to_contain_text("通过现场检查、监测对电镀厂夜间排放刺鼻气味进行了核查")
    page.select_option("#id_method", "letter")
    submit(page)
    expect(page.locator("#step-errors")).to_contain_text("答复稿中仍有模板的填写说明")
    expect(page.locator("#step-errors")).to_contain_text(INSTRUCTION)
    screenshot("handling-03-unedited-template-refused")
    audit.check(page, "draft refused")
    assert not ReplyDraft.objects.exists()
    first = draft.input_value().replace(INSTRUCTION, "已责令该厂整改。")
    draft.fill(first)
    submit(page)
    expect(page.locator("#reply-standing")).to_have_text("答复：待科室负责人审核")

    # The head reads the whole draft and sends it back.
    log_in(page, base, head)
    open_step(page, base, case, "return_reply_head")
    expect(page.locator("#draft-text")).to_contain_text("已责令该厂整改。")
    page.fill("#id_comment", "请写明整改期限和复测结果。")
    submit(page)
    expect(page.locator("#reply-standing")).to_have_text("答复：已退回")

    # The handler sees the alert on the dashboard, follows it to the comment, and redrafts.
    log_in(page, base, handler)
    expect(page.locator("#to-act")).to_contain_text("请写明整改期限和复测结果。")
    screenshot("handling-04-dashboard-alert")
    audit.check(page, "dashboard with the return")
    page.goto(f"{base}/admin/alerts/")
    expect(page.locator("#alerts")).to_contain_text("答复稿被退回")
    audit.check(page, "alerts")
    page.locator("#alerts a", has_text="去办理").click()
    page.wait_for_url("**/step/draft_reply/")
    expect(page.locator("#return-comment")).to_contain_text("请写明整改期限和复测结果。")
    expect(page.locator("#return-comment")).to_contain_text("陈科长")
    screenshot("handling-05-redraft-with-comment")
    audit.check(page, "redraft with the comment")
    second = first.replace("已责令该厂整改。", "已责令该厂于7日内整改，复测达标。")
    page.locator("#id_reply_text").fill(second)
    submit(page)

    # The head, then the leader, approve, each seeing the full text and what changed.
    for user, name in ((head, "approve_reply_head"), (leader, "approve_reply_leader")):
        log_in(page, base, user)
        open_step(page, base, case, name)
        expect(page.locator("#draft-text")).to_contain_text("已责令该厂于7日内整改，复测达标。")
        expect(page.locator("#draft-diff ins").first).to_be_visible()
        expect(page.locator("#draft-under-review")).to_contain_text("请写明整改期限和复测结果。")
        screenshot(f"handling-06-{name}")
        audit.check(page, f"approval {name}")
        submit(page)
        expect(page.locator(".messages")).to_contain_text(case.number)
    expect(page.locator("#reply-standing")).to_have_text("答复：待发出")

    # The handler issues it, entering the day the petitioner received it.
    log_in(page, base, handler)
    open_step(page, base, case, "reply")
    expect(page.locator("#draft-under-review")).to_contain_text("将要发出的答复全文")
    expect(page.locator("#id_received_on")).to_have_value("")
    page.fill("#id_received_on", today.isoformat())
    screenshot("handling-07-issue-form")
    audit.check(page, "issue form")
    submit(page)
    expect(page.locator("#case-number")).to_contain_text("已答复")
    expect(page.locator("#reply-standing")).to_have_count(0)
    screenshot("handling-08-replied")
    page.goto(f"{base}/admin/cases/{case.pk}/notice/reply_letter/")
    body = page.locator("body")
    expect(body).to_contain_text("经水生态环境科调查核实，现答复如下：")
    expect(body).to_contain_text("已责令该厂于7日内整改，复测达标。")
    assert page.locator("body").inner_text().count("调查核实") == 1
    screenshot("handling-09-reply-letter")
    audit.assert_clean()

    # The petitioner, who phoned and never filed online, looks the case up with the code from
    # the acceptance notice (a fresh session: no staff login).
    page.context.clear_cookies()
    page.goto(f"{base}/xinfang/status/")
    page.fill("#id_number", case.number)
    page.fill("#id_code", code)
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator("#result-heading")).to_contain_text(case.number)
    expect(page.locator("dl.facts")).to_contain_text("已答复")
    screenshot("handling-09b-petitioner-looks-up-by-phone-code")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a15_1_a16_2_a22_1_browser_lead_department_contact_and_spot_check_screens(
    live_server, page, screenshot, people
):
    base = live_server.url
    audit = Audit("handling-more", viewports=(DESKTOP,))
    today = timezone.localdate()
    clerk, handler = people["clerk"], people["handler"]
    air = Department.objects.get(code="air")
    air_handler = UserFactory(username="jingban_air", first_name="张三", roles=[Role.HANDLER])
    air.staff.add(air_handler)
    petition_leader = UserFactory(
        username="xinfang", first_name="刘分管", roles=[Role.SUPERVISING_LEADER]
    )
    leadership = BureauLeadership.load()
    leadership.petition_leader = petition_leader
    leadership.save()

    # A15.1: a phoned-in petition with no number waits on the dashboard for its contact.
    unclear = file_case(
        Filing(
            channel=Channel.objects.get(code="phone"),
            received_at=timezone.now() - dt.timedelta(days=4),
            place="九龙坡区黄桷坪",
            description="深夜焚烧垃圾，来电未留号码",
            contact_unclear=True,
        ),
        user=clerk,
    )
    log_in(page, base, clerk)
    expect(page.locator("#awaiting-contact")).to_contain_text(unclear.number)
    expect(page.locator("#awaiting-contact")).to_contain_text("已等待 4 天")
    screenshot("handling-10-awaiting-contact")
    audit.check(page, "dashboard awaiting contact")
    open_step(page, base, unclear, "record_contact")
    page.fill("#id_phone", "13900002222")
    page.fill("#id_known_on", today.isoformat())
    audit.check(page, "record contact")
    submit(page)
    expect(page.locator("#deadlines")).to_contain_text("受理")
    unclear.refresh_from_db()
    assert not unclear.contact_unclear and unclear.next_due_on is not None

    # A16.2: dispatched to two departments, the petition leader names the lead.
    case = make_case(received_on=today - dt.timedelta(days=2))
    case = step(case, "register", clerk, kind="pollution", categories=[a_category()])
    case = step(case, "accept", clerk, accepted_on=case.received_on, notice_method="phone")
    case = step(
        case,
        "dispatch",
        clerk,
        host_department=people["water"],
        co_departments=[air],
        basis="responsibility_table",
        handler=handler,
    )
    log_in(page, base, petition_leader)
    expect(page.locator("#to-act")).to_contain_text("请指定牵头科室")
    open_step(page, base, case, "designate_lead")
    expect(page.locator("#id_lead_department")).to_have_value(str(people["water"].pk))
    screenshot("handling-11-designate-lead")
    audit.check(page, "designate lead")
    submit(page)
    expect(page.locator("#lead-department")).to_contain_text("刘分管指定")
    log_in(page, base, air_handler)
    open_step(page, base, case, "record_contribution")
    page.fill("#id_opinion", "经查，该企业大气排污许可手续齐全。")
    audit.check(page, "record contribution")
    submit(page)
    expect(page.locator("#contributions")).to_contain_text("大气排污许可手续齐全")
    screenshot("handling-12-contribution")
    audit.check(page, "case page with a contribution")

    # A22.1: the office draws a sample of handled cases and follows one through.
    office = UserFactory(username="bangong", first_name="周主任", roles=[Role.OFFICE])
    grant_record_permissions()
    handled = []
    for n in range(4):
        c = make_case(received_on=today - dt.timedelta(days=20 + n))
        c = step(c, "register", clerk, kind="pollution", categories=[a_category()])
        c = step(c, "accept", clerk, accepted_on=c.received_on, notice_method="phone")
        c = step(
            c, "dispatch", clerk, host_department=people["water"], basis="responsibility_table"
        )
        day = today - dt.timedelta(days=5)
        handled.append(issue_reply(c, "reply", clerk, replied_on=day, received_on=day))
    log_in(page, base, office)
    page.goto(f"{base}/admin/spot-checks/draws/")
    page.select_option("#id_department", str(people["water"].pk))
    page.fill("#id_period_start", (today - dt.timedelta(days=30)).isoformat())
    page.fill("#id_period_end", today.isoformat())
    page.fill("#id_share", "50")
    page.fill("#id_seed", "20261201")
    audit.check(page, "spot-check draw form")
    submit(page)
    expect(page.locator("#rerun-result")).to_contain_text("得到的案件与本次抽样相同")
    expect(page.locator("#draw-seed")).to_have_text("20261201")
    expect(page.locator("#sample tbody tr")).to_have_count(2)
    screenshot("handling-13-spot-check-draw")
    audit.check(page, "spot-check draw")
    page.locator("#sample a.button", has_text="记录抽查结果").first.click()
    page.wait_for_url("**/spot-checks/new/**")
    page.fill("#id_checked_on", today.isoformat())
    page.fill("#id_materials_read", "登记表、核查记录、答复意见书")
    page.fill("#id_follow_up_on", today.isoformat())
    page.check("#id_follow_up_reached_1")
    page.check("#id_petitioner_satisfied_2")
    page.fill("#id_petitioner_said", "气味仍有反复")
    page.select_option("#id_finding", "serious")
    audit.check(page, "spot-check record form")
    submit(page)
    expect(page.locator("#follow-up")).to_contain_text("信访人表示不满意")
    page.fill("#id_on", today.isoformat())
    screenshot("handling-14-spot-check")
    audit.check(page, "spot check with its next step")
    page.locator("#spot-check-step button[type=submit]").click()
    expect(page.locator("#spot-check-steps")).to_contain_text(today.isoformat())
    check = SpotCheck.objects.get()
    assert check.draw is not None and check.feedback_sent_on == today
    page.goto(f"{base}/admin/spot-checks/")
    expect(page.locator("main")).to_contain_text("已反馈科室，待答复")
    audit.check(page, "spot-check list")
    assert Attachment.objects.count() == 0
    audit.assert_clean()
