"""The Content-Security-Policy in a real browser: the public site and the admin work under it and
chromium reports no violation; an injected inline script is blocked and reported (issue 11).

Violations are caught twice: by the page's own ``securitypolicyviolation`` events, and by the
reports chromium posts to ``/csp-report/`` (which logs them).
"""

import datetime as dt
import io
import logging
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from factories import UserFactory, a_category, detachment_user, make_case, website_channel
from playwright.sync_api import expect

from rules.roles import Role
from snippets.models import ReferralGuideEntry

PASSWORD = "pw-123456"  # what the factories set

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation and every report to /csp-report/ recorded."""
    reports = []
    page.add_init_script(COLLECT_VIOLATIONS)
    page.on("request", lambda r: reports.append(r.url) if "/csp-report/" in r.url else None)

    def violations() -> list[str]:
        return page.evaluate("window.__cspViolations || []")

    return page, violations, reports


def _visit(page, violations, url: str, *, check=None) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src" in response.headers["content-security-policy"], url
    page.wait_for_load_state("networkidle")
    if check:
        check()
    assert violations() == [], (url, violations())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_csp_the_public_site_and_the_admin_work_with_no_violation(
    live_server, watched, screenshot, monkeypatch, caplog
):
    page, violations, reports = watched
    cache.clear()
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "Starter-pass-1")
    call_command("load_starter", stdout=io.StringIO())
    # The public sees only rows the bureau confirmed (issue 16); the hints need one.
    ReferralGuideEntry.objects.update(confirmed=True)
    website_channel()
    a_category()
    base = live_server.url

    # The public site, as a resident: every page, the filing form's scripts at work.
    for path in ("/", "/guide/", "/referral-guide/", "/xinfang/status/"):
        _visit(page, violations, base + path)
    _visit(page, violations, base + "/xinfang/file/")
    page.get_by_label(re.compile("^问题发生地点")).fill("九龙坡区杨家坪露天烧烤摊")
    page.get_by_label(re.compile("^反映内容")).fill("夜间露天烧烤油烟")
    expect(page.locator("#referral-hints")).to_be_visible()  # the static script fetched hints
    page.get_by_label(re.compile("^信访事项类型")).select_option(label="环境污染扰民投诉")
    page.get_by_label(re.compile("^姓名")).fill("李四")
    page.get_by_label(re.compile("^联系电话")).fill("13912345678")
    page.get_by_label(re.compile("我已阅读并同意")).check()
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/xinfang/receipt/"))
    expect(page.get_by_role("button", name="打印回执")).to_be_visible()
    screenshot("csp-01-receipt")
    assert violations() == []
    # The language switcher (its styles moved from attributes to the stylesheet).
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert violations() == []

    # The admin, as the detachment and as an administrator: the pages with Wagtail's widgets.
    clerk = detachment_user()
    case = make_case(received_on=dt.date.today(), user=clerk)
    page.goto(base + "/admin/login/")
    page.fill("#id_username", clerk.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("登录|Sign in")).click()
    page.wait_for_url(base + "/admin/")
    assert violations() == [], violations()
    for path in (
        "/admin/",
        "/admin/cases/",
        f"/admin/cases/inspect/{case.pk}/",
        f"/admin/cases/history/{case.pk}/",
        f"/admin/cases/{case.pk}/step/register/",
        "/admin/cases/new/",
        "/admin/reports/dashboard/",
        "/admin/alerts/",
    ):
        _visit(page, violations, base + path)
    screenshot("csp-02-admin-case")

    admin = UserFactory(username="xitong", roles=[Role.ADMINISTRATOR])
    page.context.clear_cookies()
    page.goto(base + "/admin/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("登录|Sign in")).click()
    page.wait_for_url(base + "/admin/")
    for path in (
        "/admin/snippets/snippets/department/",
        "/admin/holiday-calendar/",
        "/admin/login-locks/",
        "/admin/reports/site-history/",
        "/admin/snippets/snippets/holidaynotice/add/",  # date chooser, inline panel
    ):
        _visit(page, violations, base + path)
    page.locator("#id_days-ADD").click()
    expect(page.locator("#id_days-0-date")).to_be_visible()
    page.locator("#id_days-0-date").click()  # opens Wagtail's date picker
    expect(page.locator(".xdsoft_datetimepicker:visible")).to_have_count(1)
    screenshot("csp-03-admin-date-picker")
    assert violations() == [], violations()
    assert reports == []

    # The wall holds: an injected inline script does not run, and is reported and logged.
    page.goto(base + "/xinfang/status/")
    with caplog.at_level(logging.WARNING, logger="petition_site.csp"):
        with page.expect_response(re.compile(r"/csp-report/")) as reported:
            page.evaluate(
                """() => { const s = document.createElement("script");
                   s.textContent = "window.__injected = true"; document.body.appendChild(s); }"""
            )
        assert reported.value.status == 204
        assert page.evaluate("window.__injected === undefined")
        assert any("script-src" in v for v in violations())
    assert any("CSP violation" in r.getMessage() for r in caplog.records)
