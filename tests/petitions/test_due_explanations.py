"""Due dates that explain themselves (A26.1, issue 13): a natural-day due date on a day off says
so beside it; a working-day count names the 调休 working days it counted; the ledger marks a
provisional due date as the case page does."""

import datetime as dt
import re

import pytest
from factories import DepartmentFactory, a_category, detachment_user, make_case, step
from freezegun import freeze_time

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def deadline_row(page: str, rule: str) -> str:
    return page.split(f'<tr data-rule="{rule}">')[1].split("</tr>")[0]


@freeze_time("2026-09-01 10:00:00+08:00")
def test_a26_1_a_natural_day_due_date_on_a_holiday_says_so_beside_it(client):
    user = detachment_user()
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=dt.date(2026, 9, 1), notice_method="phone")
    step(case, "dispatch", user, host_department=DepartmentFactory(), basis="responsibility_table")
    client.force_login(user)
    page = text(client.get(f"/admin/cases/inspect/{case.pk}/"))
    reply = deadline_row(page, "reply")
    assert '<strong class="due-date">2026-10-01</strong>' in reply  # 30 natural days
    assert "当天为法定节假日：国庆节（按自然日计算，期满日不顺延）" in reply
    # A due date on a working day says nothing of the kind.
    assert "当天为" not in deadline_row(page, "acceptance_direct")


@freeze_time("2026-10-09 10:00:00+08:00")
def test_a26_1_a_working_day_count_names_the_adjusted_working_day_it_counted(client):
    user = detachment_user()
    case = make_case(received_on=dt.date(2026, 10, 9))  # a Friday
    client.force_login(user)
    row = deadline_row(text(client.get(f"/admin/cases/inspect/{case.pk}/")), "acceptance_direct")
    # 10-10 (a Saturday, worked for 国庆节), 10-12, 10-13.
    assert '<strong class="due-date">2026-10-13</strong>' in row
    assert "2026-10-10（星期六）为调休上班日（国庆节），计为工作日。" in row
    assert "2026-10-11 周末" in row  # the day it skipped, as before


def test_a26_1_the_ledger_marks_a_provisional_due_date_as_the_case_page_does(client):
    user = detachment_user()
    with freeze_time("2027-02-03 10:00:00+08:00"):
        provisional = make_case(received_on=dt.date(2027, 2, 3))
    with freeze_time("2026-11-02 10:00:00+08:00"):
        confirmed = make_case(received_on=dt.date(2026, 11, 2))
    with freeze_time("2027-02-03 12:00:00+08:00"):
        client.force_login(user)
        ledger = text(client.get("/admin/cases/"))
        case_page = text(client.get(f"/admin/cases/inspect/{provisional.pk}/"))
    assert provisional.deadlines.get(rule="acceptance_direct").provisional
    row = ledger.split(provisional.number)[1].split("</tr>")[0]
    assert "data-due-provisional>暂定</span>" in row
    other = ledger.split(confirmed.number)[1].split("</tr>")[0]
    assert "data-due-provisional" not in other
    assert "暂定" in deadline_row(case_page, "acceptance_direct")
