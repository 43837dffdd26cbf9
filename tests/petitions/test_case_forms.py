"""The case forms as a new clerk meets them (issue 13's smaller points): the nine criteria of
第十条 under a heading, no date filled in for the person, a refusal said once."""

import datetime as dt
import re

import pytest
from factories import (
    DepartmentFactory,
    UserFactory,
    a_category,
    detachment_user,
    issue_reply,
    make_case,
    record_verification,
    step,
)
from freezegun import freeze_time

from petitions.cases.models import Case
from rules.roles import Role

pytestmark = pytest.mark.django_db


def test_a10_1_the_intake_and_correction_forms_put_the_nine_criteria_under_a_heading(client):
    user = detachment_user()
    client.force_login(user)
    for url in ("/admin/cases/new/", f"/admin/cases/edit/{make_case().pk}/"):
        page = client.get(url).content.decode()
        fieldset = page.split('id="important-criteria"')[1].split("</fieldset>")[0]
        assert "<legend" in fieldset and "重要信访案件（第十条）" in fieldset
        names = re.findall(r'name="(important_[a-z_]+)"', fieldset)
        assert names == [*Case.IMPORTANT_FLAGS, *Case.ESCALATION_FLAGS]
        assert len(names) == 9
        # None of them outside it.
        outside = page.replace(fieldset, "")
        assert not re.findall(r'name="important_', outside)


@freeze_time("2026-06-01 10:00:00+08:00")
def test_a19_1_the_date_the_petitioner_received_the_reply_is_entered_not_assumed(client):
    """The review, re-review and objection windows run from it: today is no default."""
    user = detachment_user()
    head = UserFactory(username="head_r", roles=[Role.DEPARTMENT_HEAD])
    leader = UserFactory(username="leader_r", roles=[Role.SUPERVISING_LEADER])
    dept = DepartmentFactory(head=head, supervising_leader=leader)
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=dt.date(2026, 6, 1), notice_method="phone")
    case = step(case, "dispatch", user, host_department=dept, basis="responsibility_table")
    record_verification(case, user)
    step(case, "draft_reply", user, reply_text="已整改。", method="letter")
    step(case, "approve_reply_head", head)
    step(case, "approve_reply_leader", leader)
    client.force_login(user)
    form = client.get(f"/admin/cases/{case.pk}/step/reply/").content.decode()
    assert re.search(r'name="replied_on"[^>]*value="2026-06-01"', form)
    received = re.search(r'<input[^>]*name="received_on"[^>]*>', form).group(0)
    assert "value=" not in received
    response = client.post(f"/admin/cases/{case.pk}/step/reply/", {"replied_on": "2026-06-01"})
    assert response.status_code == 200 and "信访人收到书面答复日期" in response.content.decode()
    case.refresh_from_db()
    assert not case.replies.exists()


@freeze_time("2026-07-20 10:00:00+08:00")
def test_a19_1_an_out_of_window_review_request_is_refused_once_on_the_screen(client):
    user = detachment_user()
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=dt.date(2026, 5, 6), notice_method="phone")
    case = step(
        case, "dispatch", user, host_department=DepartmentFactory(), basis="responsibility_table"
    )
    case = issue_reply(
        case, "reply", user, replied_on=dt.date(2026, 6, 1), received_on=dt.date(2026, 6, 2)
    )
    client.force_login(user)
    response = client.post(
        f"/admin/cases/{case.pk}/step/request_review/",
        {"requested_on": "2026-07-20", "request": "不服答复"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("复查请求已超过期限") == 1, text.count("复查请求已超过期限")
    case.refresh_from_db()
    assert case.state == "replied"
