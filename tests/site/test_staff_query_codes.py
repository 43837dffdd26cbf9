"""Petitioners who did not file online get a query code too (X.1, issue 13 part 2).

A petition by phone, letter, visit or 12345 is registered by staff. The petitioner with a phone
gets the code by SMS at registration; the printed acceptance notice gives one (issued when the
clerk asks, replacing any earlier code). With the number and that code the public status page
finds the case, and the petitioner can ask for a review online. Only the code's hash is kept.
"""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from factories import (
    DepartmentFactory,
    a_category,
    detachment_user,
    direct_channel,
    file_online,
    issue_reply,
    make_case,
    step,
)
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.cases.notices import OUTBOX_PURPOSE
from petitions.cases.sealing import unseal
from petitions.intake.query_codes import issue_query_code
from petitions.models import Case, PetitionerMessage, QueryCode
from snippets.models import BureauProfile


def sent_text(message: PetitionerMessage) -> str:
    """The text the worker will send: sealed in the outbox until then."""
    text = unseal(message.redact, OUTBOX_PURPOSE)
    assert text is not None
    return text


pytestmark = pytest.mark.django_db

STATUS_URL = "/xinfang/status/"
WRONG = "编号或查询码不正确"
CODE = re.compile(r'id="notice-query-code">\s*<p>查询码：<strong>([A-Z0-9]{8})</strong>')


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def set_bureau_phone(phone: str) -> None:
    profile = BureauProfile.load()
    profile.phone = phone
    profile.save()  # clears this process's copy (snippets.bureau)


def accepted_phone_case() -> Case:
    user = detachment_user()
    case = make_case(channel=direct_channel(), user=user)
    case = step(case, "register", user, kind="pollution", categories=[a_category()])
    return step(case, "accept", user, accepted_on=case.received_on, notice_method="letter")


def print_notice_with_code(client, case: Case) -> tuple[str, str]:
    """Print the acceptance notice, asking for a query code: (the page, the code on it)."""
    response = client.post(f"/admin/cases/{case.pk}/notice/acceptance/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    return html, CODE.search(html).group(1)


def look_up(client, number: str, code: str) -> str:
    return client.post(STATUS_URL, {"number": number, "code": code}).content.decode()


def test_x_1_the_petitioner_by_phone_looks_the_case_up_with_the_code_from_the_acceptance_notice(
    client,
):
    set_bureau_phone("023-68780000")
    case = accepted_phone_case()
    client.force_login(detachment_user())
    before = client.get(f"/admin/cases/{case.pk}/notice/acceptance/").content.decode()
    assert "签发查询码" in before and "notice-query-code" not in before

    html, code = print_notice_with_code(client, case)
    assert "本局信访电话023-68780000" in html  # the starter acceptance text gives the number
    assert "/xinfang/status/" in html

    public = type(client)()
    status = look_up(public, case.number, code)
    assert WRONG not in status
    assert f"信访事项 {case.number}" in status and "已受理" in status
    # Nobody can find it without the code, and the plain code is stored nowhere.
    assert WRONG in look_up(public, case.number, "ABCDEFGH")
    issued = QueryCode.objects.get(case=case)
    assert code not in issued.code_hash
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action="petitions.issue_query_code")
    assert code not in str(entry.data)


def test_x_1_issuing_a_code_again_replaces_the_old_one_and_each_issue_is_logged(client):
    case = accepted_phone_case()
    client.force_login(detachment_user())
    _, first = print_notice_with_code(client, case)
    again = client.get(f"/admin/cases/{case.pk}/notice/acceptance/").content.decode()
    assert "签发过查询码；重新签发后，原查询码（包括短信发送的）作废" in again
    _, second = print_notice_with_code(client, case)
    assert first != second

    public = type(client)()
    assert WRONG in look_up(public, case.number, first)
    assert WRONG not in look_up(public, case.number, second)
    entries = ModelLogEntry.objects.filter(
        object_id=str(case.pk), action="petitions.issue_query_code"
    ).order_by("pk")
    assert [e.data["times"] for e in entries] == [1, 2]
    # The phone gets each new code: it never holds one that no longer works.
    sms = PetitionerMessage.objects.filter(case=case, event__startswith="query_code")
    assert sorted(m.event for m in sms) == ["query_code", "query_code_2"]
    assert second in sent_text(sms.get(event="query_code_2"))


def test_x_1_staff_registration_sends_the_code_by_sms_and_it_finds_the_case(client):
    direct_channel()
    set_bureau_phone("023-68780000")
    user = detachment_user()
    client.force_login(user)
    response = client.post(
        "/admin/cases/new/",
        {
            "channel": direct_channel().pk,
            "kind": "pollution",
            "petitioner_name": "王五",
            "petitioner_phone": "13800001234",
            "place": "九龙坡区石坪桥",
            "description": "工厂夜间排放黑烟",
        },
        follow=True,
    )
    case = Case.objects.get()
    assert "查询码已通过短信发给信访人" in response.content.decode()
    message = PetitionerMessage.objects.get(case=case, event="query_code")
    assert message.to == "13800001234"
    assert "咨询电话023-68780000" in message.body
    assert "查询码********" in message.body  # the outbox keeps the code sealed, not in clear
    code = re.search(r"查询码([A-Z0-9]{8})", sent_text(message)).group(1)
    assert WRONG not in look_up(type(client)(), case.number, code)


def test_x_1_a_letter_without_a_phone_gets_no_code_by_sms(client):
    user = detachment_user()
    client.force_login(user)
    client.post(
        "/admin/cases/new/",
        {
            "channel": direct_channel().pk,
            "kind": "pollution",
            "petitioner_name": "李四",
            "petitioner_address": "九龙坡区杨家坪正街1号",
            "contact_unclear": "on",
            "place": "九龙坡区石坪桥",
            "description": "来信反映工厂夜间排放黑烟",
        },
    )
    case = Case.objects.get()
    assert not QueryCode.objects.filter(case=case).exists()
    assert not PetitionerMessage.objects.filter(case=case).exists()


def test_x_1_an_anonymous_report_is_offered_no_code(client):
    user = detachment_user()
    case = make_case(anonymous=True, kind="violation_report", user=user)
    case = step(case, "register", user, kind="violation_report", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=case.received_on, notice_method="letter")
    client.force_login(user)
    page = client.get(f"/admin/cases/{case.pk}/notice/acceptance/").content.decode()
    assert "签发查询码" not in page
    assert client.post(f"/admin/cases/{case.pk}/notice/acceptance/").status_code == 404
    assert not QueryCode.objects.filter(case=case).exists()


def test_x_1_a_code_issued_by_staff_replaces_the_one_on_the_online_receipt(client):
    case, receipt_code = file_online(client)
    new_code = issue_query_code(case, user=detachment_user())
    public = type(client)()
    assert WRONG in look_up(public, case.number, receipt_code)
    assert WRONG not in look_up(public, case.number, new_code)


@freeze_time("2026-04-10 09:00:00+08:00")
def test_a19_1_the_petitioner_by_phone_asks_for_a_review_online_with_the_issued_code(client):
    user = detachment_user()
    case = accepted_phone_case()
    case = step(
        case, "dispatch", user, host_department=DepartmentFactory(), basis="responsibility_table"
    )
    case = issue_reply(
        case,
        "reply",
        user,
        replied_on=dt.date(2026, 4, 10),
        received_on=dt.date(2026, 4, 10),
    )
    code = issue_query_code(case, user=user)
    public = type(client)()
    status = look_up(public, case.number, code)
    proof = re.search(r'name="proof" value="([^"]+)"', status).group(1)
    opened = public.post("/xinfang/review/", {"proof": proof, "start": "1"}).content.decode()
    proof = re.search(r'name="proof" value="([^"]+)"', opened).group(1)
    done = public.post("/xinfang/review/", {"proof": proof, "request_text": "噪声仍在。"})
    assert "复查请求已收到" in done.content.decode()
    case.refresh_from_db()
    assert case.state == "review_requested"
