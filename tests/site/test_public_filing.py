"""The public website's filing form (X.1, A15.1, A24.3, B2): one case per form, whatever happens."""

import datetime as dt
import re
import threading

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from factories import a_category, receipt_code, website_channel
from freezegun import freeze_time

from petition_site.public.starter import ensure_public_pages
from petitions.intake.filing import QUERY_CODE_ALPHABET, new_submission_token, query_code_matches
from petitions.models import Case, Deadline, PublicSubmission
from rules.deadlines import DEFAULT_RULES
from snippets.models import ChannelDeadline, ReferralGuideEntry

pytestmark = pytest.mark.django_db

FILE_URL = "/xinfang/file/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def valid_post(token: str | None = None, **changes) -> dict:
    data = {
        "kind": "pollution",
        "place": "九龙坡区杨家坪正街8号",
        "reported_party": "某某餐馆",
        "description": "餐馆油烟每天晚上直排，窗户都不能开。",
        "demands": "请督促安装油烟净化设施。",
        "name": "李四",
        "phone": "13912345678",
        "id_number": "",
        "address": "",
        "privacy_consent": "on",
        "submission_token": token or new_submission_token(),
        "website": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="id_{field}_error">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


@freeze_time("2026-03-02 10:00:00+08:00")
def test_x_1_a15_1_filing_gives_a_number_the_3_working_day_limit_and_a_query_code(client):
    website_channel()
    category = a_category()
    token = new_submission_token()
    response = client.post(FILE_URL, valid_post(token, categories=[category.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/xinfang/receipt/{token}/"

    case = Case.objects.get()
    assert case.channel.code == "website"
    assert re.fullmatch(r".+-2026-000001", case.number)
    assert list(case.categories.all()) == [category]
    assert case.petitioners.get().phone == "13912345678"
    deadline = case.deadlines.get(rule="acceptance_direct", status=Deadline.Status.OPEN)
    assert deadline.due_on == dt.date(2026, 3, 5)  # 3 working days after Monday 2 March

    code = receipt_code(client, token)
    assert len(code) == 8 and set(code) <= set(QUERY_CODE_ALPHABET)
    submission = PublicSubmission.objects.get(case=case)
    assert code not in submission.query_code_hash
    assert query_code_matches(code, submission.query_code_hash)
    assert query_code_matches(code.lower(), submission.query_code_hash)

    receipt = client.get(response["Location"])
    html = receipt.content.decode()
    assert receipt.status_code == 200
    assert case.number in html and code in html
    assert "2026年3月5日" in html
    assert "打印回执" in html
    assert "no-store" in receipt.get("Cache-Control", "")


def test_x_1_b2_the_same_form_posted_twice_files_one_case_and_shows_the_same_receipt(client):
    website_channel()
    token = new_submission_token()
    first = client.post(FILE_URL, valid_post(token))
    second = client.post(FILE_URL, valid_post(token))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1
    assert PublicSubmission.objects.count() == 1
    code = receipt_code(client, token)
    html = client.get(second["Location"]).content.decode()
    assert Case.objects.get().number in html and code in html


def test_x_1_b2_another_browser_with_the_token_sees_the_number_but_never_the_code(client):
    website_channel()
    token = new_submission_token()
    client.post(FILE_URL, valid_post(token))
    code = receipt_code(client, token)
    other = Client()
    response = other.post(FILE_URL, valid_post(token))
    html = other.get(response["Location"]).content.decode()
    assert Case.objects.count() == 1
    assert Case.objects.get().number in html
    assert code not in html


@pytest.mark.django_db(transaction=True)
def test_x_1_b2_a_concurrent_double_submit_files_one_case():
    """Two requests with the same token at once (SQLite and PostgreSQL): one case, one receipt."""
    website_channel()
    token = new_submission_token()
    threads = 4
    barrier = threading.Barrier(threads)
    results: list = []
    errors: list[BaseException] = []

    def submit():
        try:
            browser = Client()
            barrier.wait()
            results.append(browser.post(FILE_URL, valid_post(token)))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=submit) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert [r.status_code for r in results] == [302] * threads
    assert {r["Location"] for r in results} == {f"/xinfang/receipt/{token}/"}
    assert Case.objects.count() == 1
    assert PublicSubmission.objects.count() == 1
    # The losers' numbers were given back: the next filing continues without a gap.
    Client().post(FILE_URL, valid_post())
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert [n[-6:] for n in numbers] == ["000001", "000002"]


def _disguised_pdf():
    return SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "请输入有效的电话号码"),
        ({"anonymous": "on", "name": "", "phone": ""}, "anonymous", "只有检举、揭发、控告"),
        ({"name": "", "phone": ""}, "phone", "请填写联系电话"),
        ({"privacy_consent": None}, "privacy_consent", "请阅读个人信息说明并勾选同意"),
        ({"id_number": "500101199001011230"}, "id_number", "身份证号校验位不正确"),
        ({"attachment": "disguised"}, "attachment", "不是照片（JPEG、PNG）或 PDF 文件"),
        ({"place": ""}, "place", "请填写“问题发生地点”。"),
    ],
)
def test_x_1_invalid_input_files_nothing_and_says_why_beside_the_field(
    client, changes, field, message
):
    website_channel()
    if changes.get("attachment") == "disguised":
        changes = {"attachment": _disguised_pdf()}
    response = client.post(FILE_URL, valid_post(**changes))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in field_error(html, field)
    assert f'aria-describedby="id_{field}_error' in html or field == "privacy_consent"
    assert "请修改以下问题后再提交" in html
    assert Case.objects.count() == 0
    assert PublicSubmission.objects.count() == 0


def test_x_1_a_filled_honeypot_files_nothing_and_gives_a_generic_refusal(client):
    website_channel()
    response = client.post(FILE_URL, valid_post(website="http://spam.example"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "提交未成功，请稍后重试。" in html
    assert Case.objects.count() == 0


def test_x_1_a_tampered_token_is_refused(client):
    website_channel()
    response = client.post(FILE_URL, valid_post(token="short"))
    html = response.content.decode()
    assert "表单已失效" in html
    fresh = re.search(r'name="submission_token" value="([^"]+)"', html).group(1)
    assert fresh != "short" and len(fresh) >= 20
    assert Case.objects.count() == 0


def test_a24_3_a_report_of_a_violation_may_be_anonymous(client):
    website_channel()
    token = new_submission_token()
    response = client.post(
        FILE_URL,
        valid_post(token, kind="violation_report", anonymous="on", name="", phone=""),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.anonymous and case.petitioners.count() == 0
    assert case.deadlines.filter(rule="acceptance_direct").exists()


def test_x_1_a_real_photo_is_attached_with_its_checked_type(client):
    website_channel()
    photo = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "image/png")
    response = client.post(FILE_URL, valid_post(attachment=photo))
    assert response.status_code == 302
    attachment = Case.objects.get().attachments.get()
    assert attachment.content_type == "image/png"


def test_x_4_the_form_is_in_chinese_with_labels_and_a_fresh_token(client):
    website_channel()
    first = client.get(FILE_URL).content.decode()
    second = client.get(FILE_URL).content.decode()
    assert '<label for="id_phone">联系电话' in first
    assert 'lang="zh-hans"' in first
    tokens = [
        re.search(r'name="submission_token" value="([^"]+)"', html).group(1)
        for html in (first, second)
    ]
    assert tokens[0] != tokens[1]
    assert "上级交办环境信访案件" not in first  # not something the public files


def test_x_1_the_time_limits_shown_are_the_rules_the_system_enforces(client):
    channel = website_channel()
    ensure_public_pages()  # the time limits are on the 办事指南 page
    html = client.get("/guide/").content.decode()
    assert str(DEFAULT_RULES["acceptance_direct"].label) in html
    assert DEFAULT_RULES["acceptance_direct"].describe() in html
    assert DEFAULT_RULES["reply"].describe() in html
    ChannelDeadline.objects.create(channel=channel, rule="reply", length=20, unit="days")
    html = client.get("/guide/").content.decode()
    assert "受理之日起20日（自然日）" in html


def test_a14_4_referral_suggestions_while_typing(client):
    ReferralGuideEntry.objects.create(
        matter="机动车尾气",
        keywords="尾气 冒黑烟",
        agency="区公安分局交巡警支队",
        contact="023-12345678",
        confirmed=True,
    )
    data = client.get("/xinfang/referral-suggestions/", {"q": "路上货车冒黑烟"}).json()
    assert (
        data["entries"][0]["message"] == "此事项可能由区公安分局交巡警支队负责，电话023-12345678。"
    )
    assert client.get("/xinfang/referral-suggestions/", {"q": "油烟"}).json() == {"entries": []}
    ensure_public_pages()
    assert "机动车尾气" in client.get("/xinfang/guide/", follow=True).content.decode()


class RecordingGateway:
    """The SMS gateway (the outside world): records what it was asked to send."""

    sent: list[tuple[str, str]] = []

    def send(self, message) -> None:
        RecordingGateway.sent.append((message.to, message.body))


def test_x_1_the_receipt_is_also_sent_by_sms_and_the_code_then_leaves_the_records(client, settings):
    from petitions.models import PetitionerMessage
    from petitions.worker.sweep import run_sweep

    settings.PETITIONS_MESSAGE_SENDER = "test_public_filing.RecordingGateway"
    RecordingGateway.sent = []
    website_channel()
    token = new_submission_token()
    assert client.post(FILE_URL, valid_post(token)).status_code == 302
    case = Case.objects.get()
    code = receipt_code(client, token)

    message = PetitionerMessage.objects.get(case=case, event="filed_online")
    assert message.to == "13912345678"
    assert code not in message.body and code not in message.redact  # waiting: sealed
    run_sweep()
    assert len(RecordingGateway.sent) == 1
    to, body = RecordingGateway.sent[0]
    assert to == "13912345678" and case.number in body and code in body
    message.refresh_from_db()
    assert message.status == "sent"
    assert code not in message.body and "********" in message.body and message.redact == ""

    # A double submit sends nothing more; an anonymous report has no phone to send to.
    client.post(FILE_URL, valid_post(token))
    anonymous = valid_post(kind="violation_report", anonymous="on", name="", phone="")
    assert client.post(FILE_URL, anonymous).status_code == 302
    assert PetitionerMessage.objects.filter(event="filed_online").count() == 1


def test_x_1_map_coordinates_are_optional_kept_to_six_places_and_come_in_pairs(client):
    website_channel()
    response = client.post(
        FILE_URL, valid_post(latitude="29.50123456789", longitude="106.5112233445")
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (str(case.latitude), str(case.longitude)) == ("29.501235", "106.511223")

    response = client.post(FILE_URL, valid_post(latitude="29.5"))
    assert response.status_code == 200
    assert "请同时填写经度和纬度" in field_error(response.content.decode(), "longitude")
    response = client.post(FILE_URL, valid_post(latitude="95", longitude="106.5"))
    assert field_error(response.content.decode(), "latitude")
    assert Case.objects.count() == 1


def test_x_1_a_category_id_beyond_any_integer_is_a_message_not_a_server_error(client):
    """Found by fuzzing: SQLite cannot take an id over 2**63-1 and raised OverflowError."""
    website_channel()
    response = client.post(FILE_URL, valid_post(categories=["9223372036854775808"]))
    assert response.status_code == 200
    assert response.context["form"].errors["categories"]
    assert Case.objects.count() == 0
