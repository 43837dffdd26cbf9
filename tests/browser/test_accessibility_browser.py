"""WCAG 2.1 AA in a real browser (X.1, X.4): axe-core on every public page, in Chinese and in
English, at a phone's and a desktop's size, and on the admin pages a detachment clerk works in;
then the checks axe cannot make: the focus ring's contrast, the language of untranslated text,
the required marks of name and phone, and a field reached from the error summary."""

import datetime as dt
import io
import re

import pytest
from a11y import (
    DESKTOP,
    PHONE,
    VIEWPORTS,
    Audit,
    assert_focus_visible,
    focus_ring,
    text_contrast,
    untagged_chinese,
)
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from factories import UserFactory, detachment_user, issue_reply, make_case, step, website_channel
from playwright.sync_api import expect

from petition_site.public.models import GuidancePage, ReferralGuidePage
from petitions.intake.filing import hash_query_code, new_query_code, new_submission_token
from petitions.models import Case, PublicSubmission
from petitions.reports.periods import previous_quarter, quarter_of
from rules.roles import Role
from snippets.models import Category, Department, ReferralGuideEntry

PASSWORD = "a11y-pass-1"


@pytest.fixture(autouse=True)
def _clear_cache():
    """The public site's rate limits live in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def starter(monkeypatch):
    """The starter configuration: channels, categories, the referral guide, the public pages."""
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", PASSWORD)
    call_command("load_starter", stdout=io.StringIO())
    # The public sees the guide's rows once the bureau has confirmed them.
    ReferralGuideEntry.objects.update(confirmed=True)


def replied_case(*, received_reply_days_ago: int) -> tuple[Case, str]:
    """A case filed online and replied to; the petitioner received the reply that many days ago."""
    reply_received = timezone.localdate() - dt.timedelta(days=received_reply_days_ago)
    case = make_case(channel=website_channel(), received_on=reply_received - dt.timedelta(days=20))
    code = new_query_code()
    PublicSubmission.objects.create(
        token=new_submission_token(), case=case, query_code_hash=hash_query_code(code)
    )
    clerk = detachment_user()
    case = step(
        case, "register", clerk, kind="pollution", categories=[Category.objects.get(code="air")]
    )
    case = step(case, "accept", clerk, accepted_on=case.received_on, notice_method="phone")
    case = step(
        case,
        "dispatch",
        clerk,
        host_department=Department.objects.get(code="air"),
        basis="responsibility_table",
    )
    case = issue_reply(
        case,
        "reply",
        clerk,
        reply_text="经现场检查，已责令该厂停止夜间生产并整改。",
        replied_on=reply_received,
        received_on=reply_received,
    )
    return case, code


def look_up(page, base: str, number: str, code: str) -> None:
    page.goto(f"{base}/xinfang/status/")
    page.fill("#id_number", number)
    page.fill("#id_code", code)
    page.locator("main form").last.locator("button[type=submit]").click()
    page.wait_for_load_state()


class PublicSiteAudit(Audit):
    """On an English page, also: every Chinese text says it is Chinese (WCAG 3.1.2)."""

    def __init__(self, name: str, language: str):
        super().__init__(name)
        self.language = language
        self.untagged: dict[str, list[str]] = {}

    def check(self, page, label: str, viewports=None) -> None:
        assert page.evaluate("document.documentElement.lang") == self.language, label
        super().check(page, label, viewports)
        if self.language == "en" and (found := untagged_chinese(page)):
            self.untagged[label] = found

    def assert_clean(self) -> None:
        super().assert_clean()
        assert not self.untagged, f"Chinese text without lang on English pages: {self.untagged}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_x_1_x_4_every_public_page_passes_axe_wcag_2_1_aa_at_both_sizes(
    live_server, browser, starter, language
):
    base = live_server.url
    replied, replied_code = replied_case(received_reply_days_ago=5)
    too_late, too_late_code = replied_case(received_reply_days_ago=40)
    audit = PublicSiteAudit(f"public-{language}", language)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    page = context.new_page()
    try:
        # The pages the bureau edits.
        page.goto(f"{base}/")
        audit.check(page, "home")
        page.goto(f"{base}{GuidancePage.objects.get().url}")
        audit.check(page, "guidance")
        referral = ReferralGuidePage.objects.get().url
        page.goto(f"{base}{referral}")
        audit.check(page, "referral guide")
        page.goto(f"{base}{referral}?q=烧烤")
        expect(page.locator("main section.notice")).to_have_count(1)
        audit.check(page, "referral guide, found")
        page.goto(f"{base}{referral}?q=火星")
        audit.check(page, "referral guide, nothing found")

        # The filing form: empty, refused with its errors, then filed: the receipt.
        page.goto(f"{base}/xinfang/file/")
        audit.check(page, "filing form")
        page.locator("#submit-filing").click()
        expect(page.locator("#error-summary")).to_be_visible()
        audit.check(page, "filing form with errors")
        page.select_option("#id_kind", "pollution")
        page.locator("#id_categories_0").check()
        page.fill("#id_place", "九龙坡区杨家坪正街8号")
        page.fill("#id_description", "每天夜里十点以后有刺鼻的溶剂味。")
        page.fill("#id_name", "李四")
        page.fill("#id_phone", "13912345678")
        page.locator("#id_privacy_consent").check()
        page.locator("#submit-filing").click()
        page.wait_for_url(re.compile(r".*/xinfang/receipt/[^/]+/$"))
        audit.check(page, "receipt")

        # The status lookup: empty, a wrong code, a replied case.
        page.goto(f"{base}/xinfang/status/")
        audit.check(page, "status")
        look_up(page, base, replied.number, "ABCDEFGH")
        expect(page.locator("main .summary")).to_be_visible()
        audit.check(page, "status, wrong code")
        look_up(page, base, replied.number, replied_code)
        expect(page.locator("#start-review")).to_be_visible()
        audit.check(page, "status of a replied case")

        # Satisfaction feedback (满意度): refused without a rating, then given.
        page.locator("#start-feedback").click()
        page.wait_for_load_state()
        audit.check(page, "feedback form")
        page.locator("#submit-feedback").click()
        page.wait_for_load_state()
        expect(page.locator(".summary")).to_be_visible()
        audit.check(page, "feedback form with errors")
        page.locator("input[name=rating]").first.check()
        page.locator("#submit-feedback").click()
        expect(page.locator("#feedback-done")).to_be_visible()
        audit.check(page, "feedback given")

        # A review request (复查): refused without its reasons, then registered.
        look_up(page, base, replied.number, replied_code)
        page.locator("#start-review").click()
        page.wait_for_load_state()
        audit.check(page, "review request form")
        page.locator("#submit-review").click()
        page.wait_for_load_state()
        expect(page.locator(".summary")).to_be_visible()
        audit.check(page, "review request form with errors")
        page.fill("#id_request_text", "答复没有解决夜间异味，请求复查。")
        page.locator("#submit-review").click()
        expect(page.locator("#review-done")).to_be_visible()
        audit.check(page, "review requested")

        # Outside the 30-day window: the status page and the review page say why not.
        look_up(page, base, too_late.number, too_late_code)
        expect(page.locator("#request-reason")).to_be_visible()
        audit.check(page, "status, review window passed")
        page.goto(f"{base}/xinfang/review/")
        audit.check(page, "review page")
        page.fill("#id_number", too_late.number)
        page.fill("#id_code", too_late_code)
        page.fill("#id_request_text", "我不服答复。")
        page.locator("#submit-review").click()
        expect(page.locator("#request-reason")).to_be_visible()
        audit.check(page, "review refused")
    finally:
        context.close()
    audit.assert_clean()


# --- the admin, as a detachment clerk ---------------------------------------------------------


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_pages_a_detachment_clerk_works_in_pass_axe_wcag_2_1_aa(
    live_server, browser, monkeypatch
):
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", PASSWORD)
    call_command("load_starter", "--demo", stdout=io.StringIO())
    clerk = UserFactory(username="zhidui", first_name="赵六", roles=[Role.DETACHMENT])
    base = live_server.url
    audit = Audit("admin")
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{base}/admin/login/")
        audit.check(page, "login")
        log_in(page, base, clerk.username, "pw-123456")
        audit.check(page, "dashboard")

        # The ledger, with every due state the demo has (due soon, overdue, far off).
        page.goto(f"{base}/admin/cases/")
        # Each due state's label is legible: 4.5:1 (the due-soon label was 2.62:1).
        for state in ("soon", "overdue", "ok"):
            label = page.locator(f'[data-due="{state}"]').first
            expect(label).to_be_visible()
            contrast = text_contrast(label)
            assert contrast["ratio"] >= 4.5, (state, contrast)
        audit.check(page, "ledger")
        page.goto(f"{base}/admin/cases/new/")
        audit.check(page, "intake form")

        # The case page of a case in each state, and every step form it offers. One template
        # each: the first at both sizes, the others (what differs is their content) on a desktop.
        seen_states, step_forms = set(), set()
        for case in Case.objects.order_by("pk"):
            if case.state in seen_states:
                continue
            page.goto(f"{base}/admin/cases/inspect/{case.pk}/")
            for label in page.locator(".petition-label--warning, .petition-label--alert").all():
                contrast = text_contrast(label)
                assert contrast["ratio"] >= 4.5, (case.state, label.inner_text(), contrast)
            audit.check(page, f"case page ({case.state})", None if not seen_states else [DESKTOP])
            seen_states.add(case.state)
            steps = page.locator("a[data-step]")
            for name, href in {
                steps.nth(i).get_attribute("data-step"): steps.nth(i).get_attribute("href")
                for i in range(steps.count())
            }.items():
                if name in step_forms:
                    continue
                page.goto(f"{base}{href}")
                audit.check(page, f"step form {name}", None if not step_forms else [DESKTOP])
                step_forms.add(name)
        assert {"register", "accept", "dispatch"} <= step_forms, step_forms

        # A step form sent back with its errors.
        new = Case.objects.filter(state="received").first()
        page.goto(f"{base}/admin/cases/{new.pk}/step/register/")
        page.locator("main form [type=submit]").first.click()
        page.wait_for_load_state()
        expect(
            page.locator(".error-message, .help-critical, .w-field__errors").first
        ).to_be_visible()
        audit.check(page, "step form with errors")

        # The reports (统计报表) and the alerts.
        # The previous quarter: the demo's report cases fall in it, so the charts have bars.
        year, quarter = previous_quarter(*quarter_of(timezone.localdate()))
        for label, url in [
            ("report dashboard", "/admin/reports/dashboard/"),
            ("quarterly report", f"/admin/reports/quarterly/?year={year}&quarter={quarter}"),
            (
                "quarterly report, print",
                f"/admin/reports/quarterly/?year={year}&quarter={quarter}&format=print",
            ),
            ("yearly evaluation", f"/admin/reports/yearly/?year={year}"),
            ("bulletin", f"/admin/reports/bulletin/?start={year}-01-01&end={year}-12-31"),
            ("alerts", "/admin/alerts/"),
        ]:
            page.goto(f"{base}{url}")
            audit.check(page, label)
    finally:
        context.close()
    audit.assert_clean()


# --- what axe does not check ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_x_1_the_focus_ring_is_3_to_1_against_the_page_and_against_a_fields_border(
    live_server, browser, starter
):
    """WCAG 1.4.11, measured in the browser: Tab through the home page, the filing form and the
    status page; every stop shows the ring, 3:1 against what is behind it and the field's border."""
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    measured = []
    try:
        for path in ("/", "/xinfang/file/", "/xinfang/status/"):
            page.goto(f"{base}{path}")
            for _ in range(80):
                page.keyboard.press("Tab")
                ring = focus_ring(page)
                if ring is None:  # past the last stop: focus left the page
                    break
                assert_focus_visible(page, f"{path}: {ring['element']}")
                if ring["againstBorder"] is not None:
                    # Strictly, for a field's own border (not through the gap).
                    assert ring["againstBorder"] >= 3, (path, ring)
                measured.append(ring)
    finally:
        context.close()
    kinds = {re.sub(r"#[^\[]*", "", ring["element"]) for ring in measured}
    assert {"a", "button[submit]", "select[select-one]", "textarea[textarea]"} <= kinds, kinds
    assert {"input[text]", "input[checkbox]", "input[file]"} <= kinds, kinds
    for ring in measured:
        print(
            f"{ring['element']}: {ring['colour']} {ring['width']}px, "
            f"{ring['againstBackground']:.2f}:1 on {ring['background']}"
            + (f", {ring['againstBorder']:.2f}:1 on {ring['border']}" if ring["border"] else "")
        )


def required_mark(page, field: str):
    return page.locator(f"label[for=id_{field}] .required")


def assert_contact_required(page, required: bool) -> None:
    for field in ("name", "phone"):
        mark = required_mark(page, field)
        if required:
            expect(mark).to_be_visible()
        else:
            expect(mark).to_be_hidden()
        assert page.locator(f"#id_{field}").evaluate("el => el.required") is required, field
    for optional in ("id_number", "address"):
        expect(required_mark(page, optional)).to_have_count(0)
        assert page.locator(f"#id_{optional}").evaluate("el => el.required") is False


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_x_1_name_and_phone_are_marked_required_unless_the_report_is_anonymous(
    live_server, browser, starter
):
    base = live_server.url
    # With the script: the marks follow the anonymity box as it is ticked and cleared.
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{base}/xinfang/file/")
        expect(page.locator("label[for=id_name]")).to_have_text("姓名 （必填）")
        assert_contact_required(page, True)
        page.locator("#id_anonymous").focus()
        page.keyboard.press("Space")
        expect(page.locator("#id_anonymous")).to_be_checked()
        assert_contact_required(page, False)
        page.keyboard.press("Space")
        assert_contact_required(page, True)
    finally:
        context.close()

    # Without it: the server marks them from the box, on the form it sends back.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}])
    page = context.new_page()
    try:
        page.goto(f"{base}/xinfang/file/")
        expect(page.locator("label[for=id_phone]")).to_have_text("Phone number (required)")
        assert_contact_required(page, True)
        page.select_option("#id_kind", "violation_report")
        page.locator("#id_anonymous").check()
        page.locator("#submit-filing").click()
        expect(page.locator("#error-summary")).to_contain_text("Where the problem occurs")
        expect(page.locator("#error-summary")).not_to_contain_text("Name")
        expect(page.locator("#id_anonymous")).to_be_checked()
        assert_contact_required(page, False)
        page.locator("#id_anonymous").uncheck()
        page.locator("#submit-filing").click()
        expect(page.locator("#error-summary")).to_contain_text("Name")
        assert_contact_required(page, True)
    finally:
        context.close()
    assert Case.objects.count() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}x{v['height']}")
def test_x_1_an_error_summary_link_brings_its_field_into_view_with_its_label(
    live_server, browser, starter, viewport
):
    """Following a link of the error summary focuses its field with the field's label (or the
    group's legend) on screen and the whole focus ring visible, not scrolled to the very top."""
    base = live_server.url
    replied, code = replied_case(received_reply_days_ago=5)
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()

    def follow_each_link() -> int:
        links = page.locator(".summary a[href^='#']")
        count = links.count()
        for i in range(count):
            page.evaluate("window.scrollTo(0, 0)")
            link = links.nth(i)
            target = link.get_attribute("href")[1:]
            link.focus()
            page.keyboard.press("Enter")
            expect(page.locator(f"#{target}")).to_be_focused()
            caption = page.locator(f"label[for={target}]")
            if target.endswith("_0"):  # the first option of a group: its legend
                caption = page.locator(f"#{target}").locator("xpath=ancestor::fieldset/legend")
            box = caption.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (target, box)
            assert_focus_visible(page, f"summary link to #{target}")
        return count

    try:
        page.goto(f"{base}/xinfang/file/")
        page.locator("#submit-filing").click()
        expect(page.locator("#error-summary")).to_be_focused()
        assert follow_each_link() == 6  # kind, place, description, name, phone, consent

        # A group of options (the rating): its legend comes into view.
        look_up(page, base, replied.number, code)
        page.locator("#start-feedback").click()
        page.locator("#submit-feedback").click()
        expect(page.locator(".summary a[href='#id_rating_0']")).to_be_visible()
        assert follow_each_link() == 1
    finally:
        context.close()
