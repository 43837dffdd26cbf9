"""Status lookup on the public website (X.1, A24.3): the number and the query code, nothing more."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from factories import (
    DepartmentFactory,
    a_category,
    detachment_user,
    file_online,
    issue_reply,
    step,
)
from freezegun import freeze_time

pytestmark = pytest.mark.django_db

STATUS_URL = "/xinfang/status/"
WRONG = "编号或查询码不正确"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def look_up(client, number, code, **extra):
    return client.post(STATUS_URL, {"number": number, "code": code}, **extra)


def normalised(html: str) -> str:
    """The page without what legitimately differs: the CSRF token and the echoed input."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'nonce="[^"]*"', "", html)  # the CSP nonce of each response
    return re.sub(r'(name="(number|code)"[^>]*?) value="[^"]*"', r"\1", html)


@freeze_time("2026-03-02 09:00:00+08:00")
def test_x_1_right_number_and_code_show_the_state_the_due_dates_and_the_reply(client):
    case, code = file_online(client)
    html = look_up(client, case.number, code).content.decode()
    assert "待登记" in html
    assert "2026年3月2日" in html  # received
    assert "受理告知（直接信访）" in html and "2026年3月5日" in html

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
        reply_text="经现场检查，已责令工地停止夜间施工。",
        replied_on=dt.date(2026, 3, 2),
        received_on=dt.date(2026, 3, 2),
    )
    response = look_up(client, case.number.lower(), code.lower())
    html = response.content.decode()
    assert response.status_code == 200
    assert "已答复" in html
    assert "经现场检查，已责令工地停止夜间施工。" in html
    assert WRONG not in html


@freeze_time("2026-03-02 09:00:00+08:00")
def test_a24_3_the_status_page_never_shows_identity_staff_or_internal_notes(client):
    case, code = file_online(client)
    user = detachment_user("zhidui_wang")
    case = step(case, "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=dt.date(2026, 3, 2), notice_method="phone")
    department = DepartmentFactory(name="大气环境管理科", code="air_dept")
    case = step(
        case,
        "dispatch",
        user,
        host_department=department,
        co_departments=[],
        basis="responsibility_table",
    )
    case = issue_reply(
        case,
        "reply",
        user,
        reply_text="已处理。",
        replied_on=dt.date(2026, 3, 2),
        received_on=dt.date(2026, 3, 2),
    )
    html = look_up(client, case.number, code).content.decode()
    assert "已答复" in html
    for secret in [
        "王小明",
        "王*",
        "13700001111",
        "zhidui_wang",
        "head_air_dept",
        "leader_air_dept",
        "大气环境管理科",
        "responsibility_table",
    ]:
        assert secret not in html, secret


def test_x_1_a_wrong_number_and_a_wrong_code_give_the_same_answer(client):
    case, code = file_online(client)
    wrong_code = "AAAAAAAA" if code != "AAAAAAAA" else "BBBBBBBB"
    bad_number = look_up(client, case.number[:-1] + "9", code)
    bad_code = look_up(client, case.number, wrong_code)
    assert bad_number.status_code == bad_code.status_code == 200
    assert WRONG in bad_number.content.decode()
    assert normalised(bad_number.content.decode()) == normalised(bad_code.content.decode())
    assert case.number not in normalised(bad_code.content.decode())


def test_x_1_a_case_filed_by_staff_cannot_be_looked_up_without_a_code(client):
    from factories import make_case

    case = make_case()
    assert WRONG in look_up(client, case.number, "ABCDEFGH").content.decode()


def test_x_1_lookups_are_rate_limited_per_address(client, settings):
    settings.PUBLIC_STATUS_LOOKUPS = 10
    case, code = file_online(client)
    for _ in range(10):
        assert WRONG in look_up(client, case.number, "XXXXXXXX").content.decode()
    blocked = look_up(client, case.number, code)
    assert blocked.status_code == 429
    html = blocked.content.decode()
    assert "查询次数过多，请10分钟后再试。" in html
    assert "已受理" not in html and "待登记" not in html
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert "待登记" in look_up(other, case.number, code).content.decode()


def test_x_4_the_status_form_is_in_chinese(client):
    html = client.get(STATUS_URL).content.decode()
    assert '<label for="id_number">信访事项编号' in html
    assert '<label for="id_code">查询码' in html
