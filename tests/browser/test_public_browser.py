"""X.1, A15.1 in a real browser, as a resident on the public site: file with a photo, get the
receipt, look the case up, and be told the same thing whether the number or the code is wrong."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from factories import (
    DepartmentFactory,
    a_category,
    detachment_user,
    issue_reply,
    make_case,
    step,
    website_channel,
)
from PIL import Image
from playwright.sync_api import expect

from petitions.intake.filing import hash_query_code, new_query_code, new_submission_token
from petitions.models import Attachment, Case, PublicSubmission
from rules.states import State

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

WRONG = "编号或查询码不正确"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def a_photo(tmp_path) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 140, 90)).save(buffer, format="JPEG")
    path = tmp_path / "现场照片.jpg"
    path.write_bytes(buffer.getvalue())
    return str(path)


def fill_the_form(page, photo: str) -> None:
    page.get_by_label(re.compile("^信访事项类型")).select_option(label="环境污染扰民投诉")
    page.get_by_label(re.compile("^问题发生地点")).fill("九龙坡区杨家坪正街8号")
    page.get_by_label(re.compile("^被反映对象")).fill("某某化工厂")
    page.get_by_label(re.compile("^反映内容")).fill(
        "每天夜里十点以后有刺鼻的溶剂味，持续两三个小时。"
    )
    page.get_by_label(re.compile("^附件")).set_input_files(photo)
    page.get_by_label(re.compile("^姓名")).fill("李四")
    page.get_by_label(re.compile("^联系电话")).fill("13912345678")
    page.get_by_label(re.compile("我已阅读并同意")).check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_x_1_a15_1_browser_file_with_a_photo_get_the_receipt_and_look_up_the_status(
    live_server, page, screenshot, tmp_path
):
    website_channel()
    a_category()
    base = live_server.url

    page.goto(f"{base}/xinfang/file/")
    fill_the_form(page, a_photo(tmp_path))
    screenshot("public-01-form-filled")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r".*/xinfang/receipt/[^/]+/$"))

    case = Case.objects.get()
    attachment = Attachment.objects.get(case=case)
    assert attachment.content_type == "image/jpeg"
    expect(page.get_by_role("heading", name="信访事项回执")).to_be_visible()
    expect(page.locator("dd.code").first).to_have_text(case.number)
    code = page.locator("dd.code").nth(1).inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", code), code
    expect(page.get_by_role("button", name="打印回执")).to_be_visible()
    screenshot("public-02-receipt")

    # Reloading keeps the same receipt and files nothing; another browser given the receipt's
    # address sees the number but never the code.
    receipt_url = page.url
    page.reload()
    expect(page.locator("dd.code").first).to_have_text(case.number)
    assert Case.objects.count() == 1
    other = page.context.browser.new_context(locale="zh-CN")
    try:
        stranger = other.new_page()
        stranger.goto(receipt_url)
        expect(stranger.locator("dd.code")).to_have_count(1)
        assert code not in stranger.locator("body").inner_text()
    finally:
        other.close()

    # The status lookup with the number and the code.
    page.goto(f"{base}/xinfang/status/")
    page.get_by_label(re.compile("^信访事项编号")).fill(case.number)
    page.get_by_label(re.compile("^查询码")).fill(code.lower())
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text(case.state_label).first).to_be_visible()
    expect(page.get_by_text(WRONG)).to_have_count(0)
    body = page.locator("body").inner_text()
    assert "李四" not in body and "13912345678" not in body
    screenshot("public-03-status")

    # A wrong code and a wrong number get the same answer.
    answers = []
    for number, query_code in ((case.number, "ABCDEFGH"), ("JLPXF-2026-999999", code)):
        page.goto(f"{base}/xinfang/status/")
        page.get_by_label(re.compile("^信访事项编号")).fill(number)
        page.get_by_label(re.compile("^查询码")).fill(query_code)
        page.get_by_role("button", name="查询").click()
        expect(page.get_by_text(WRONG)).to_be_visible()
        answers.append(page.locator("main").inner_text())
    assert answers[0].replace(case.number, "") == answers[1].replace("JLPXF-2026-999999", "")
    screenshot("public-04-status-wrong-code")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_x_1_browser_filing_form_fits_a_phone_screen(live_server, browser):
    website_channel()
    a_category()
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/xinfang/file/")
        # No sideways scrolling, and the inputs span the screen rather than overflow it.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for label in ("问题发生地点", "反映内容", "联系电话"):
            box = page.get_by_label(re.compile(f"^{label}")).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (label, box)
            assert box["width"] >= 300, (label, box)
        # Submitting it empty puts each message beside its field, focused for screen readers.
        page.get_by_role("button", name="提交").click()
        expect(page.locator("#error-summary")).to_be_focused()
        place = page.get_by_label(re.compile("^问题发生地点"))
        expect(place).to_have_attribute("aria-describedby", re.compile("id_place_error"))
        expect(page.locator("#id_place_error")).to_contain_text("请填写")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(screenshot_path("public-05-phone-form-errors")), full_page=True)
        assert Case.objects.count() == 0
    finally:
        context.close()


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def replied_case_with_code(*, reply_received: dt.date) -> tuple[Case, str]:
    """A case filed online, replied to and received by the petitioner on `reply_received`."""
    case = make_case(channel=website_channel(), received_on=reply_received - dt.timedelta(days=20))
    code = new_query_code()
    PublicSubmission.objects.create(
        token=new_submission_token(), case=case, query_code_hash=hash_query_code(code)
    )
    user = detachment_user()
    case = step(case, "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=case.received_on, notice_method="phone")
    case = step(
        case,
        "dispatch",
        user,
        host_department=DepartmentFactory(name="大气环境管理科"),
        basis="responsibility_table",
    )
    case = issue_reply(
        case,
        "reply",
        user,
        reply_text="经现场检查，已责令停止夜间生产。",
        replied_on=reply_received,
        received_on=reply_received,
    )
    return case, code


def look_up(page, base: str, number: str, code: str) -> None:
    page.goto(f"{base}/xinfang/status/")
    page.get_by_label(re.compile("^信访事项编号")).fill(number)
    page.get_by_label(re.compile("^查询码")).fill(code)
    page.get_by_role("button", name="查询").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a19_1_browser_a_review_is_asked_online_inside_the_window(live_server, page, screenshot):
    today = timezone.localdate()
    case, code = replied_case_with_code(reply_received=today - dt.timedelta(days=5))

    look_up(page, live_server.url, case.number, code)
    expect(page.locator("#request-possible")).to_contain_text("复查")
    screenshot("public-06-status-review-possible")
    page.locator("#start-review").click()
    page.get_by_label(re.compile("^请求复查的事实和理由")).fill("答复没有解决夜间异味，请求复查。")
    page.locator("#submit-review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("已收到")
    screenshot("public-07-review-requested")
    case.refresh_from_db()
    assert case.state == State.REVIEW_REQUESTED


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a19_1_browser_a_review_asked_outside_the_window_is_refused_with_its_reason(
    live_server, page, screenshot
):
    today = timezone.localdate()
    case, code = replied_case_with_code(reply_received=today - dt.timedelta(days=40))

    # The status page offers no request, and says why and what route remains.
    look_up(page, live_server.url, case.number, code)
    expect(page.locator("#start-review")).to_have_count(0)
    expect(page.locator("#request-reason")).to_contain_text("30")
    expect(page.locator("#request-route")).not_to_be_empty()

    # Asking directly on the review page gets the same refusal, and changes nothing.
    page.goto(f"{live_server.url}/xinfang/review/")
    page.get_by_label(re.compile("^信访事项编号")).fill(case.number)
    page.get_by_label(re.compile("^查询码")).fill(code)
    page.locator("#id_request_text").fill("我不服答复。")
    page.locator("#submit-review").click()
    expect(page.locator("#request-reason")).to_contain_text("30")
    expect(page.locator("#request-route")).not_to_be_empty()
    screenshot("public-08-review-refused")
    case.refresh_from_db()
    assert case.state == State.REPLIED
