"""The public JSON API (X.5): the website's filing and status, headless, with an OpenAPI schema."""

import datetime as dt
import threading
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from factories import (
    DepartmentFactory,
    a_category,
    detachment_user,
    issue_reply,
    step,
    website_channel,
)
from freezegun import freeze_time

from petitions.intake.filing import query_code_matches
from petitions.models import Case, PublicSubmission
from rules.deadlines import DEFAULT_RULES
from snippets.models import ChannelDeadline, ReferralGuideEntry

pytestmark = pytest.mark.django_db

PETITIONS = "/api/petitions/"
STATUS = "/api/status/"
REVIEW = "/api/review-requests/"
WRONG = "编号或查询码不正确"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 64


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def filing(**changes) -> dict:
    data = {
        "kind": "pollution",
        "place": "九龙坡区石坪桥横街2号",
        "description": "烧烤店油烟直排，每晚持续到凌晨。",
        "name": "赵六",
        "phone": "13600001234",
        "privacy_consent": "true",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def file_via_api(client, key: str | None = None, **changes):
    return client.post(
        PETITIONS, filing(**changes), headers={"Idempotency-Key": key or str(uuid.uuid4())}
    )


def test_x_5_the_openapi_schema_lists_the_endpoints(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/petitions/",
        "/api/status/",
        "/api/review-requests/",
        "/api/guidance/",
    }
    assert "post" in schema["paths"]["/api/petitions/"]
    filing_body = schema["paths"]["/api/petitions/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in filing_body
    assert "get" in schema["paths"]["/api/guidance/"]


def test_x_5_the_docs_page_uses_this_servers_own_swagger_files(client):
    html = client.get("/api/docs/").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert finders.find("ninja/swagger-ui-bundle.js")
    assert finders.find("ninja/swagger-ui-init.js")


@freeze_time("2026-03-02 10:00:00+08:00")
def test_x_5_filing_with_a_photo_creates_one_case_with_the_photo_kept_privately(client):
    website_channel()
    category = a_category()
    photo = SimpleUploadedFile("现场.jpg", JPEG, content_type="image/jpeg")
    response = client.post(
        PETITIONS,
        filing(categories=[category.pk], attachment=photo),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body["number"] == case.number
    assert body["acceptance_due"] == "2026-03-05"  # 3 working days after Monday 2 March
    assert body["created"] is True
    assert query_code_matches(body["query_code"], case.public_submission.query_code_hash)
    assert case.channel.code == "website"
    assert list(case.categories.all()) == [category]
    attachment = case.attachments.get()
    assert attachment.content_type == "image/jpeg"
    assert attachment.original_name == "现场.jpg"
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(Path(settings.PRIVATE_FILES_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert stored.read_bytes() == JPEG


def test_x_5_the_same_idempotency_key_twice_files_one_case(client):
    website_channel()
    key = str(uuid.uuid4())
    first = file_via_api(client, key)
    second = file_via_api(Client(), key)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["number"] == first.json()["number"]
    assert second.json()["query_code"] is None  # the code is given once, never again
    assert second.json()["created"] is False
    assert Case.objects.count() == 1


def test_x_5_the_key_may_also_come_as_a_form_field(client):
    website_channel()
    key = uuid.uuid4().hex
    first = client.post(PETITIONS, filing(submission_token=key))
    second = client.post(PETITIONS, filing(submission_token=key))
    assert (first.status_code, second.status_code) == (201, 200)
    assert PublicSubmission.objects.get().token == key


@pytest.mark.django_db(transaction=True)
def test_x_5_a_concurrent_double_submit_files_one_case():
    website_channel()
    key = str(uuid.uuid4())
    threads = 4
    barrier = threading.Barrier(threads)
    results: list = []
    errors: list[BaseException] = []

    def submit():
        try:
            api_client = Client()
            barrier.wait()
            results.append(file_via_api(api_client, key))
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
    assert sorted(r.status_code for r in results) == [200, 200, 200, 201]
    assert len({r.json()["number"] for r in results}) == 1
    assert [r.json()["query_code"] is not None for r in results].count(True) == 1
    assert Case.objects.count() == 1
    assert PublicSubmission.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "请输入有效的电话号码"),
        ({"place": None}, "place", "请填写“问题发生地点”。"),
        ({"privacy_consent": None}, "privacy_consent", "请阅读个人信息说明并勾选同意"),
        ({"kind": "superior"}, "kind", "选择一个有效的选项"),
        (
            {"anonymous": "true", "name": "", "phone": ""},
            "anonymous",
            "只有检举、揭发、控告环境违法行为的可以匿名",
        ),
        (
            {"attachment": SimpleUploadedFile("a.jpg", b"<?php echo 1;", "image/jpeg")},
            "attachment",
            "不是照片（JPEG、PNG）或 PDF 文件",
        ),
    ],
)
def test_x_5_invalid_input_gives_422_with_chinese_field_messages_and_files_nothing(
    client, changes, field, message
):
    website_channel()
    response = file_via_api(client, **changes)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "请修改以下问题后再提交"
    assert any(message in m for m in body["errors"][field]), body
    assert Case.objects.count() == 0
    assert PublicSubmission.objects.count() == 0


def test_x_5_a_filing_without_an_idempotency_key_is_refused(client):
    website_channel()
    response = client.post(PETITIONS, filing())
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]["submission_token"][0]
    assert Case.objects.count() == 0


def test_x_5_a_json_body_for_filing_is_refused_with_the_field_messages(client):
    website_channel()
    response = client.post(
        PETITIONS,
        filing(),
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 422
    assert "请填写“反映内容”。" in response.json()["errors"]["description"]
    assert Case.objects.count() == 0


def _filed(client) -> tuple[Case, str]:
    website_channel()
    body = file_via_api(client).json()
    return Case.objects.get(number=body["number"]), body["query_code"]


@freeze_time("2026-03-02 09:00:00+08:00")
def test_x_5_status_shows_what_the_status_page_shows_and_no_identity(client):
    case, code = _filed(client)
    response = client.post(
        STATUS, {"number": case.number.lower(), "query_code": code.lower()}, "application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == case.number
    assert body["state_label"] == "待登记"
    assert body["received_on"] == "2026-03-02"
    assert {"label": "受理告知（直接信访）", "due_on": "2026-03-05"}.items() <= body["deadlines"][
        0
    ].items()
    text = response.content.decode()
    for secret in ["赵六", "13600001234", "赵*", "136****1234"]:
        assert secret not in text


def test_x_5_a_wrong_number_and_a_wrong_code_give_the_same_404(client):
    case, code = _filed(client)
    wrong_code = "AAAAAAAA" if code != "AAAAAAAA" else "BBBBBBBB"
    bad_number = client.post(
        STATUS, {"number": case.number[:-1] + "9", "query_code": code}, "application/json"
    )
    bad_code = client.post(
        STATUS, {"number": case.number, "query_code": wrong_code}, "application/json"
    )
    assert bad_number.status_code == bad_code.status_code == 404
    assert bad_number.content == bad_code.content
    assert bad_number.json() == {"detail": WRONG}
    assert WRONG.encode() in bad_number.content  # UTF-8, not \\u escapes


def test_x_5_status_lookups_share_the_pages_limit_per_address(client, settings):
    settings.PUBLIC_STATUS_LOOKUPS = 3
    case, code = _filed(client)
    for _ in range(2):
        wrong = {"number": case.number, "query_code": "XXXXXXXX"}
        assert client.post(STATUS, wrong, "application/json").status_code == 404
    # The page and the API count together.
    client.post("/xinfang/status/", {"number": case.number, "code": "XXXXXXXX"})
    blocked = client.post(STATUS, {"number": case.number, "query_code": code}, "application/json")
    assert blocked.status_code == 429
    assert blocked.json() == {"detail": "查询次数过多，请10分钟后再试。"}
    other = Client(REMOTE_ADDR="10.0.0.9")
    ok = other.post(STATUS, {"number": case.number, "query_code": code}, "application/json")
    assert ok.status_code == 200


def test_x_5_malformed_status_requests_get_a_chinese_422(client):
    response = client.post(STATUS, '{"number": 5, "query_code": []}', "application/json")
    assert response.status_code == 422
    assert response.json() == {
        "detail": "请求格式不正确。",
        "errors": {"number": ["应为文本。"], "query_code": ["应为文本。"]},
    }
    assert client.post(STATUS, '{"number": 5', "application/json").json() == {
        "detail": "请求内容无法解析，请发送有效的 JSON。"
    }
    response = client.post(STATUS, {"number": "", "query_code": ""}, "application/json")
    assert response.status_code == 422
    assert response.json()["errors"]["query_code"] == ["必需字段"]


def test_x_5_guidance_gives_the_time_limits_the_rules_compute(client):
    channel = website_channel()
    category = a_category()
    ReferralGuideEntry.objects.create(
        matter="机动车尾气", agency="区公安分局交巡警支队", contact="023-12345678", confirmed=True
    )
    body = client.get("/api/guidance/").json()
    limits = {row["label"]: row["limit"] for row in body["time_limits"]}
    for key in ("acceptance_direct", "reply", "review_opinion"):
        rule = DEFAULT_RULES[key]
        assert limits[str(rule.label)] == rule.describe()
    assert {"value": "violation_report", "label": "检举、揭发、控告环境违法行为"} in body["kinds"]
    assert "superior" not in {k["value"] for k in body["kinds"]}
    assert {"id": category.pk, "name": "大气"} in body["categories"]
    assert {"code": "website", "name": "网站"} in body["channels"]
    assert body["referral_guide"][0]["agency"] == "区公安分局交巡警支队"
    # A channel's own time limit is what the API says, as on the website.
    ChannelDeadline.objects.create(channel=channel, rule="reply", length=20, unit="days")
    body = client.get("/api/guidance/").json()
    limits = {row["label"]: row["limit"] for row in body["time_limits"]}
    assert limits[str(DEFAULT_RULES["reply"].label)] == "受理之日起20日（自然日）"


def test_x_5_the_api_needs_no_csrf_token():
    website_channel()
    api_client = Client(enforce_csrf_checks=True)
    assert file_via_api(api_client).status_code == 201


# --- review requests ----------------------------------------------------------------------


def test_x_5_a_review_request_names_review_or_re_review(client):
    response = client.post(
        REVIEW,
        {"number": "X", "query_code": "Y", "kind": "appeal", "request_text": "理由"},
        "application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"kind": ["请选择 review（复查）或 re_review（复核）。"]}


def test_x_5_a_review_request_with_a_wrong_code_gives_the_same_404(client):
    case, _code = _filed(client)
    response = client.post(
        REVIEW,
        {"number": case.number, "query_code": "AAAAAAAA", "kind": "review", "request_text": "理由"},
        "application/json",
    )
    assert response.status_code == 404
    assert response.json() == {"detail": WRONG}


def _replied(client) -> tuple[Case, str]:
    case, code = _filed(client)
    user = detachment_user()
    case = step(case, "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=dt.date(2026, 3, 2), notice_method="phone")
    case = step(
        case,
        "dispatch",
        user,
        host_department=DepartmentFactory(name="大气环境管理科"),
        co_departments=[],
        basis="responsibility_table",
    )
    case = issue_reply(
        case,
        "reply",
        user,
        reply_text="已责令整改。",
        replied_on=dt.date(2026, 3, 2),
        received_on=dt.date(2026, 3, 2),
    )
    return case, code


@freeze_time("2026-03-02 09:00:00+08:00")
def test_x_5_a19_1_a_review_is_requested_online_after_the_reply(client):
    case, code = _replied(client)
    data = {"number": case.number, "query_code": code}
    empty = client.post(
        REVIEW, {**data, "kind": "review", "request_text": "  "}, "application/json"
    )
    assert empty.status_code == 422
    assert "request_text" in empty.json()["errors"]
    wrong_kind = client.post(
        REVIEW, {**data, "kind": "re_review", "request_text": "不服。"}, "application/json"
    )
    assert wrong_kind.status_code == 409
    assert "不能请求复核" in wrong_kind.json()["detail"]
    response = client.post(
        REVIEW,
        {**data, "kind": "review", "request_text": "油烟仍在直排，不服答复。"},
        "application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["number"] == case.number
    case.refresh_from_db()
    assert case.state_label != "已答复"
    assert case.state_label == response.json()["state_label"]


@freeze_time("2026-03-02 09:00:00+08:00")
def test_x_5_a_case_not_yet_replied_cannot_be_reviewed_online(client):
    case, code = _filed(client)
    response = client.post(
        REVIEW,
        {
            "number": case.number,
            "query_code": code,
            "kind": "review",
            "request_text": "对答复不满意。",
        },
        "application/json",
    )
    assert response.status_code == 409
    assert response.json()["detail"]
    assert set(response.json()) == {"detail", "route"}
    case.refresh_from_db()
    assert case.state_label == "待登记"


def test_x_5_dates_in_filing_response_are_iso(client):
    website_channel()
    body = file_via_api(client).json()
    assert dt.date.fromisoformat(body["acceptance_due"])
