"""Messages to the petitioner (X.2): each event queues one from the administrators' templates.

That a failed send is retried and never blocks an accepted case is proven in
test_worker.test_x_2_a_failed_message_never_blocks_the_case_and_is_retried; here the same for
a review request made online, whose message is queued inside the petitioner's own request.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from factories import (
    DepartmentFactory,
    a_category,
    detachment_user,
    issue_reply,
    make_case,
    step,
)
from freezegun import freeze_time

from petitions.intake.filing import hash_query_code
from petitions.intake.public_requests import request_re_review_online, request_review_online
from petitions.models import Case, PetitionerMessage, PublicSubmission
from petitions.worker.sweep import run_sweep
from rules.states import State
from snippets.models import MessageTemplate

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)
PHONE = "13812340000"  # make_case's petitioner


@pytest.fixture(autouse=True)
def _urls_before_frozen_clocks():
    cache.clear()


def registered(**extra) -> Case:
    case = make_case(received_on=DAY, **extra)
    return step(case, "register", detachment_user(), kind="pollution", categories=[a_category()])


def replied() -> Case:
    user = detachment_user()
    case = step(registered(), "accept", user, accepted_on=DAY, notice_method="phone")
    case = step(
        case, "dispatch", user, host_department=DepartmentFactory(), basis="responsibility_table"
    )
    return issue_reply(case, "reply", user, reply_text="已处理。", replied_on=DAY, received_on=DAY)


def message(case: Case, event: str) -> PetitionerMessage:
    found = PetitionerMessage.objects.get(case=case, event=event)
    assert found.to == PHONE
    assert case.number in found.body, found.body
    return found


@freeze_time("2026-03-02 10:00:00+08:00")
def test_x_2_accepted_not_accepted_and_referred_each_queue_a_message_with_the_case_number():
    user = detachment_user()
    accepted = step(registered(), "accept", user, accepted_on=DAY, notice_method="phone")
    assert "已受理" in message(accepted, "accept").body
    declined = step(
        registered(),
        "decline",
        user,
        reason_kind="duplicate",
        earlier_case=accepted.number,  # a repeat cites the case handling the matter (第十四条)
        reason="同一事项正在办理。",
    )
    assert "不予受理" in message(declined, "decline").body
    referred = step(
        registered(),
        "refer",
        user,
        competent_agency="九龙坡区城市管理局",
        agency_contact="023-68000000",
        guidance="占道经营由城管部门处理。",
    )
    body = message(referred, "refer").body
    assert "九龙坡区城市管理局" in body and "023-68000000" in body


@freeze_time("2026-03-02 10:00:00+08:00")
def test_x_2_replied_and_review_and_re_review_replies_each_queue_a_message():
    user = detachment_user()
    case = replied()
    assert "已书面答复" in message(case, "reply").body
    case = step(case, "request_review", user, requested_on=DAY, request="不服")
    case = issue_reply(case, "reply_review", user, replied_on=DAY, received_on=DAY)
    assert "复查请求" in message(case, "reply_review").body
    case = step(case, "request_re_review", user, requested_on=DAY, request="不服")
    case = issue_reply(case, "reply_re_review", user, replied_on=DAY, received_on=DAY)
    assert "复核请求" in message(case, "reply_re_review").body


def test_x_2_closed_by_the_worker_queues_a_message():
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = replied()  # window to 04-01
    with freeze_time("2026-04-02 08:00:00+08:00"):
        run_sweep()
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert "已办结" in message(case, "close").body


def test_x_2_an_online_review_and_re_review_request_each_queue_a_message():
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = replied()
        case = request_review_online(case, request_text="噪声仍在。")
        assert "复查请求已收到" in message(case, "request_review").body
        case = issue_reply(case, "reply_review", detachment_user(), replied_on=DAY, received_on=DAY)
        case = request_re_review_online(case, request_text="复查不公。")
    assert "复核请求已收到" in message(case, "request_re_review").body


@freeze_time("2026-03-02 10:00:00+08:00")
def test_x_2_messages_come_from_the_templates_the_administrators_edit():
    MessageTemplate.objects.create(
        key="sms_request_review", title="复查", body="您的复查请求已登记，编号{案件编号}。"
    )
    case = request_review_online(replied(), request_text="噪声仍在。")
    assert message(case, "request_review").body == f"您的复查请求已登记，编号{case.number}。"


@freeze_time("2026-03-02 10:00:00+08:00")
def test_x_2_an_anonymous_report_gets_no_message():
    case = step(
        make_case(received_on=DAY, anonymous=True, kind="violation_report"),
        "register",
        detachment_user(),
        kind="violation_report",
        categories=[a_category()],
    )
    case = step(case, "accept", detachment_user(), accepted_on=DAY, notice_method="phone")
    assert not PetitionerMessage.objects.filter(case=case).exists()


class BrokenGateway:
    """A gateway that is down."""

    def send(self, message):
        raise ConnectionError("gateway down")


def test_x_2_a_failing_sender_does_not_block_an_online_review_request(client, settings):
    settings.PETITIONS_MESSAGE_SENDER = "test_notifications.BrokenGateway"
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = replied()
        code = "ABCDEFGH"
        PublicSubmission.objects.create(
            token="t" * 40, case=case, query_code_hash=hash_query_code(code)
        )
        run_sweep()  # the reply's message fails too: the request is still possible
        response = client.post(
            "/xinfang/review/",
            {"number": case.number, "code": code, "request_text": "噪声仍在。"},
        )
        assert "复查请求已收到" in response.content.decode()
        run_sweep()
    case.refresh_from_db()
    assert case.state == State.REVIEW_REQUESTED
    failed = message(case, "request_review")
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "gateway down" in failed.last_error
    settings.PETITIONS_MESSAGE_SENDER = "petitions.worker.senders.ConsoleSender"
    with freeze_time("2026-03-02 11:00:00+08:00"):
        run_sweep()
    failed.refresh_from_db()
    assert failed.status == "sent"
