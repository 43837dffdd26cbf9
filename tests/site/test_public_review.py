"""Online review (复查) and re-review (复核) requests by the petitioner, no account (A19.1–A19.3, X.1).

The reply is received on 2026-04-10, so the review window runs to 2026-05-10 (30 days).
"""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from factories import (
    DepartmentFactory,
    a_category,
    detachment_user,
    file_online,
    issue_reply,
)
from factories import step as staff_step
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.intake.public_requests import (
    PublicRequestRefused,
    case_from_proof,
    proof_token,
    request_option,
    request_re_review_online,
    request_review_online,
)
from petitions.models import Case, Deadline, PetitionerMessage
from rules.states import State

pytestmark = pytest.mark.django_db

STATUS_URL = "/xinfang/status/"
REVIEW_URL = "/xinfang/review/"
WRONG = "编号或查询码不正确"
REPLY_RECEIVED = dt.date(2026, 4, 10)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def replied_online_case(client) -> tuple[Case, str]:
    """A case filed online on 04-01 and replied to, received by the petitioner on 04-10."""
    with freeze_time("2026-04-01 09:00:00+08:00"):
        case, code = file_online(client)
        user = detachment_user()
        case = staff_step(case, "register", user, kind="pollution", categories=[a_category()])
        case = staff_step(
            case, "accept", user, accepted_on=dt.date(2026, 4, 1), notice_method="phone"
        )
        case = staff_step(
            case,
            "dispatch",
            user,
            host_department=DepartmentFactory(name="大气环境管理科"),
            basis="responsibility_table",
        )
    with freeze_time("2026-04-10 09:00:00+08:00"):
        case = issue_reply(
            case,
            "reply",
            user,
            reply_text="经现场检查，已责令工地停止夜间施工。",
            replied_on=REPLY_RECEIVED,
            received_on=REPLY_RECEIVED,
        )
    return case, code


def review_replied(case: Case, *, received_on: dt.date) -> Case:
    """The detachment registers the review request at once; the review opinion is issued."""
    user = detachment_user()
    with freeze_time(f"{received_on.isoformat()} 09:00:00+08:00"):
        case = staff_step(case, "request_review", user, requested_on=REPLY_RECEIVED, request="不服")
        return issue_reply(
            case,
            "reply_review",
            user,
            reply_text="维持原答复。",
            replied_on=received_on,
            received_on=received_on,
        )


def snapshot(case: Case) -> tuple:
    """Everything a refused request must leave as it was."""
    case.refresh_from_db()
    return (
        case.state,
        sorted(case.deadlines.values_list("rule", "status", "due_on")),
        ModelLogEntry.objects.filter(object_id=str(case.pk)).count(),
        PetitionerMessage.objects.filter(case=case).count(),
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def proof_in(html: str) -> str:
    return re.search(r'name="proof" value="([^"]+)"', html).group(1)


# --- A19.1: review -----------------------------------------------------------------------------


def test_a19_1_online_review_request_within_window_is_registered(client):
    case, code = replied_online_case(client)
    with freeze_time("2026-05-10 20:00:00+08:00"):  # the last day of the window
        status = text_of(client.post(STATUS_URL, {"number": case.number, "code": code}))
        assert "2026年5月10日 前（含当日）在网上请求复查" in status
        proof = proof_in(status)
        assert code not in status.split('name="code"')[0]  # the code is not carried, only proof
        opened = text_of(client.post(REVIEW_URL, {"proof": proof, "start": "1"}))
        assert '<label for="id_request_text">请求复查的事实和理由' in opened
        assert 'name="code"' not in opened  # not asked again
        done = client.post(
            REVIEW_URL, {"proof": proof_in(opened), "request_text": "噪声仍在夜间出现。"}
        )
    html = text_of(done)
    assert done.status_code == 200
    assert "复查请求已收到" in html
    assert "复查意见将于 2026年6月9日 前书面答复您" in html
    case.refresh_from_db()
    assert case.state == State.REVIEW_REQUESTED
    opinion = case.deadlines.get(rule="review_opinion", status=Deadline.Status.OPEN)
    assert (opinion.start_on, opinion.due_on) == (dt.date(2026, 5, 10), dt.date(2026, 6, 9))
    assert case.deadlines.get(rule="review_request_window").status == Deadline.Status.MET
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action="petitions.request_review")
    assert entry.user is None
    assert entry.data["petitioner"] is True and entry.data["system"] is False
    assert entry.data["fields"] == {"requested_on": "2026-05-10", "request": "噪声仍在夜间出现。"}


def test_a19_1_the_admin_timeline_shows_the_request_came_from_the_petitioner_online(client):
    case, code = replied_online_case(client)
    with freeze_time("2026-04-20 10:00:00+08:00"):
        request_review_online(case, request_text="噪声仍在夜间出现。")
        client.force_login(detachment_user())
        page = text_of(client.get(f"/admin/cases/inspect/{case.pk}/"))
    entry = page.split('data-action="petitions.request_review"')[1].split("</li>")[0]
    assert "登记复查请求</strong> — 信访人（网上）" in entry
    assert "噪声仍在夜间出现。" in entry


def test_a19_1_online_review_request_outside_window_is_refused_with_reason_and_route(client):
    case, code = replied_online_case(client)
    before = snapshot(case)
    with freeze_time("2026-05-11 09:00:00+08:00"):  # one day late
        status = text_of(client.post(STATUS_URL, {"number": case.number, "code": code}))
        assert 'id="start-review"' not in status
        assert "复查请求期限已过" in status and "2026年5月10日" in status
        assert "视为办结（第二十条）" in status
        assert "行政复议" in status and "行政诉讼" in status
        # Posting the request anyway (an old page, or the form typed by hand) changes nothing.
        refused = text_of(
            client.post(
                REVIEW_URL,
                {"number": case.number, "code": code, "request_text": "噪声仍在夜间出现。"},
            )
        )
        assert "复查请求期限已过" in refused and "您还可以：" in refused
        assert 'id="review-form"' not in refused
        with pytest.raises(PublicRequestRefused) as raised:
            request_review_online(case, request_text="噪声仍在夜间出现。")
    assert "第十九条第一款" in raised.value.message
    assert "行政复议" in raised.value.route
    assert snapshot(case) == before


def test_a19_1_a_request_before_any_reply_says_why_not_and_what_to_do(client):
    with freeze_time("2026-04-01 09:00:00+08:00"):
        case, code = file_online(client)
        status = text_of(client.post(STATUS_URL, {"number": case.number, "code": code}))
        before = snapshot(case)
        with pytest.raises(PublicRequestRefused) as raised:
            request_review_online(case, request_text="不服")
    assert "尚未作出书面答复" in status and "30日内在本网站请求复查" in status
    assert "尚未作出书面答复" in raised.value.message
    assert snapshot(case) == before


def test_a19_1_an_empty_request_is_refused_beside_the_field_and_changes_nothing(client):
    case, code = replied_online_case(client)
    before = snapshot(case)
    with freeze_time("2026-04-20 10:00:00+08:00"):
        proof = proof_token(case)
        response = client.post(REVIEW_URL, {"proof": proof, "request_text": "   "})
    html = text_of(response)
    assert '<p class="error" id="id_request_text_error">请填写“请求复查的事实和理由”。' in html
    assert '<label for="id_request_text">请求复查的事实和理由' in html
    assert 'aria-describedby="id_request_text_error id_request_text_helptext"' in html
    assert snapshot(case) == before


def test_a19_1_a_second_request_is_not_registered_twice(client):
    case, code = replied_online_case(client)
    with freeze_time("2026-04-20 10:00:00+08:00"):
        request_review_online(case, request_text="第一次")
        before = snapshot(case)
        with pytest.raises(PublicRequestRefused) as raised:
            request_review_online(case, request_text="第二次")
    assert "复查请求已经收到，正在办理" in raised.value.message
    assert "2026年5月20日" in raised.value.message  # the opinion's due date
    assert snapshot(case) == before


# --- the proof: number and code, once ---------------------------------------------------------


def test_x_1_review_page_wrong_number_and_wrong_code_give_the_same_message(client):
    case, code = replied_online_case(client)
    wrong_code = "AAAAAAAA" if code != "AAAAAAAA" else "BBBBBBBB"
    before = snapshot(case)
    with freeze_time("2026-04-20 10:00:00+08:00"):
        bad_number = client.post(
            REVIEW_URL,
            {"number": case.number[:-1] + "9", "code": code, "request_text": "不服"},
        )
        bad_code = client.post(
            REVIEW_URL, {"number": case.number, "code": wrong_code, "request_text": "不服"}
        )

    def normalised(html):
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
        html = re.sub(r'nonce="[^"]*"', "", html)  # the CSP nonce of each response
        return re.sub(r'(name="(number|code)"[^>]*?) value="[^"]*"', r"\1", html)

    assert bad_number.status_code == bad_code.status_code == 200
    assert WRONG in bad_code.content.decode()
    assert normalised(bad_number.content.decode()) == normalised(bad_code.content.decode())
    assert snapshot(case) == before


def test_x_1_review_page_number_and_code_share_the_status_lookup_rate_limit(client, settings):
    settings.PUBLIC_STATUS_LOOKUPS = 3
    case, code = replied_online_case(client)
    with freeze_time("2026-04-20 10:00:00+08:00"):
        for _ in range(3):
            client.post(STATUS_URL, {"number": case.number, "code": "XXXXXXXX"})
        blocked = client.post(
            REVIEW_URL, {"number": case.number, "code": code, "request_text": "不服"}
        )
    assert blocked.status_code == 429
    assert "查询次数过多" in blocked.content.decode()
    case.refresh_from_db()
    assert case.state == State.REPLIED


def test_x_1_review_with_number_and_code_typed_in_registers_the_request(client):
    case, code = replied_online_case(client)
    with freeze_time("2026-04-20 10:00:00+08:00"):
        page = client.get(REVIEW_URL).content.decode()
        assert '<label for="id_number">信访事项编号' in page
        assert '<label for="id_code">查询码' in page
        done = client.post(
            REVIEW_URL, {"number": case.number, "code": code.lower(), "request_text": "不服"}
        )
    assert "复查请求已收到" in done.content.decode()
    case.refresh_from_db()
    assert case.state == State.REVIEW_REQUESTED


def test_x_1_an_expired_or_forged_proof_asks_for_number_and_code_again(client):
    case, code = replied_online_case(client)
    with freeze_time("2026-04-20 10:00:00+08:00"):
        proof = proof_token(case)
        assert case_from_proof(proof) == case
        assert case_from_proof(proof[:-2] + "xx") is None
    with freeze_time("2026-04-20 10:31:00+08:00"):
        assert case_from_proof(proof) is None
        html = client.post(REVIEW_URL, {"proof": proof, "request_text": "不服"}).content.decode()
    assert "页面已超过30分钟，请重新输入编号和查询码。" in html
    assert 'name="code"' in html
    case.refresh_from_db()
    assert case.state == State.REPLIED


# --- A19.2 and A19.3: re-review, and nothing after it -----------------------------------------


def test_a19_2_online_re_review_request_within_window_is_registered(client):
    case, code = replied_online_case(client)
    case = review_replied(case, received_on=dt.date(2026, 4, 20))  # re-review window to 05-20
    with freeze_time("2026-05-20 10:00:00+08:00"):
        status = text_of(client.post(STATUS_URL, {"number": case.number, "code": code}))
        assert "2026年5月20日 前（含当日）在网上请求复核" in status
        with pytest.raises(PublicRequestRefused) as wrong_kind:
            request_review_online(case, request_text="不服")
        assert "可以请求复核，不能请求复查" in wrong_kind.value.message
        done = client.post(REVIEW_URL, {"proof": proof_in(status), "request_text": "复查不公"})
    assert "复核请求已收到" in done.content.decode()
    case.refresh_from_db()
    assert case.state == State.RE_REVIEW_REQUESTED
    assert case.deadlines.get(rule="re_review_opinion").due_on == dt.date(2026, 6, 19)
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action="petitions.request_re_review")
    assert entry.user is None and entry.data["petitioner"] is True


def test_a19_2_online_re_review_request_outside_window_is_refused_with_reason_and_route(client):
    case, code = replied_online_case(client)
    case = review_replied(case, received_on=dt.date(2026, 4, 20))
    before = snapshot(case)
    with freeze_time("2026-05-21 10:00:00+08:00"):
        status = text_of(client.post(STATUS_URL, {"number": case.number, "code": code}))
        with pytest.raises(PublicRequestRefused) as raised:
            request_re_review_online(case, request_text="不服")
    assert "复核请求期限已过" in status and "2026年5月20日" in status
    assert "复查意见即为最终处理意见" in raised.value.message
    assert "第十九条第二款" in raised.value.message
    assert "行政诉讼" in raised.value.route
    assert snapshot(case) == before


def test_a19_3_no_request_after_re_review_the_page_says_the_matter_is_final(client):
    case, code = replied_online_case(client)
    case = review_replied(case, received_on=dt.date(2026, 4, 20))
    user = detachment_user()
    with freeze_time("2026-04-25 10:00:00+08:00"):
        case = request_re_review_online(case, request_text="复查不公")
        case = issue_reply(
            case,
            "reply_re_review",
            user,
            reply_text="维持复查意见。",
            replied_on=dt.date(2026, 4, 25),
            received_on=dt.date(2026, 4, 25),
        )
    before = snapshot(case)
    with freeze_time("2026-04-26 10:00:00+08:00"):
        status = text_of(client.post(STATUS_URL, {"number": case.number, "code": code}))
        for attempt in (request_review_online, request_re_review_online):
            with pytest.raises(PublicRequestRefused) as raised:
                attempt(case, request_text="仍然不服")
            assert "不再受理（第十九条第三款）" in raised.value.message
            assert "行政复议" in raised.value.route
        refused = text_of(
            client.post(REVIEW_URL, {"proof": proof_in(status), "request_text": "仍然不服"})
        )
    assert 'id="start-review"' not in status
    assert "不再受理（第十九条第三款）" in status and "信访程序已经终结" in status
    assert "不再受理（第十九条第三款）" in refused and 'id="review-form"' not in refused
    assert snapshot(case) == before
    # Still so once the case has been closed.
    case = staff_step(case, "close", user)
    assert "第十九条第三款" in request_option(case).reason


def test_a19_1_a_closed_case_after_the_window_says_the_reply_is_final():
    from factories import make_case

    user = detachment_user()
    with freeze_time("2026-04-01 09:00:00+08:00"):
        case = staff_step(
            make_case(received_on=dt.date(2026, 4, 1)),
            "register",
            user,
            kind="pollution",
            categories=[a_category()],
        )
        case = staff_step(
            case, "accept", user, accepted_on=dt.date(2026, 4, 1), notice_method="phone"
        )
        case = staff_step(
            case,
            "dispatch",
            user,
            host_department=DepartmentFactory(),
            basis="responsibility_table",
        )
        case = issue_reply(
            case, "reply", user, replied_on=dt.date(2026, 4, 1), received_on=dt.date(2026, 4, 1)
        )
    with freeze_time("2026-05-02 09:00:00+08:00"):
        case = staff_step(case, "close", user)
        option = request_option(case)
    assert not option.possible
    assert "复查请求期限已过" in option.reason and "2026年5月1日" in option.reason
    assert "新的信访事项" in option.route


def test_a19_1_a_referred_case_points_to_the_competent_agency(client):
    with freeze_time("2026-04-01 09:00:00+08:00"):
        case, code = file_online(client)
        user = detachment_user()
        case = staff_step(case, "register", user, kind="pollution", categories=[a_category()])
        case = staff_step(
            case,
            "refer",
            user,
            competent_agency="九龙坡区住房和城乡建设委员会",
            agency_contact="023-68780000",
            guidance="施工许可由住建部门管理。",
        )
        status = text_of(client.post(STATUS_URL, {"number": case.number, "code": code}))
    assert "不属于本局职权" in status
    assert "请向九龙坡区住房和城乡建设委员会反映（联系方式：023-68780000）" in status


def test_a19_1_staff_cannot_act_as_the_petitioner_and_the_petitioner_takes_no_other_step(client):
    from petitions.cases.access import user_roles
    from petitions.cases.transitions import perform_transition
    from rules.roles import Role
    from rules.transitions import TransitionRefused

    case, code = replied_online_case(client)
    superuser = detachment_user("root")
    superuser.is_superuser = True
    superuser.save()
    assert Role.PETITIONER not in user_roles(superuser)
    with freeze_time("2026-04-20 10:00:00+08:00"), pytest.raises(TransitionRefused):
        perform_transition(case, "close", petitioner=True, data={})
    case.refresh_from_db()
    assert case.state == State.REPLIED
