"""The send-back loop of the two-level approval (第十七条, A17.1): a returned draft alerts its
drafter at once, the redraft form shows the comment, the case header says where the reply
stands, and nobody approves a draft they wrote."""

import datetime as dt
import re

import pytest
from factories import (
    DepartmentFactory,
    UserFactory,
    a_category,
    detachment_user,
    make_case,
    record_verification,
    step,
)
from freezegun import freeze_time

from petitions.models import Alert, Case
from rules.roles import Role
from rules.transitions import TransitionRefused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with freeze_time("2026-05-11 10:00:00+08:00"):
        yield


@pytest.fixture
def people():
    head = UserFactory(username="head_s", first_name="陈科长", roles=[Role.DEPARTMENT_HEAD])
    leader = UserFactory(username="leader_s", first_name="李分管", roles=[Role.SUPERVISING_LEADER])
    handler = UserFactory(username="handler_s", first_name="王五", roles=[Role.HANDLER])
    dept = DepartmentFactory(name="土壤科", head=head, supervising_leader=leader)
    dept.staff.add(handler)
    return {"head": head, "leader": leader, "handler": handler, "dept": dept}


def dispatched(people) -> Case:
    user = detachment_user()
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=dt.date(2026, 5, 11), notice_method="phone")
    case = step(
        case,
        "dispatch",
        user,
        host_department=people["dept"],
        basis="responsibility_table",
        handler=people["handler"],
    )
    return record_verification(case, people["handler"])


def standing(client, case) -> str:
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    found = re.search(r'id="reply-standing">([^<]*)<', page)
    return found.group(1) if found else ""


def test_a17_1_a_returned_draft_alerts_the_handler_and_the_redraft_shows_the_comment(
    people, client
):
    case = dispatched(people)
    client.force_login(people["handler"])
    assert standing(client, case) == "答复：起草中"
    step(case, "draft_reply", people["handler"], reply_text="初稿", method="letter")
    assert standing(client, case) == "答复：待科室负责人审核"
    step(case, "return_reply_head", people["head"], comment="请补充土壤检测报告。")
    assert standing(client, case) == "答复：已退回"

    alert = Alert.objects.get(recipient=people["handler"], kind="reply_returned")
    assert "被陈科长退回：请补充土壤检测报告。" in alert.message
    assert alert.link == f"/admin/cases/{case.pk}/step/draft_reply/"
    assert not Alert.objects.filter(recipient=people["head"], kind="reply_returned").exists()
    home = client.get("/admin/").content.decode()
    assert 'id="to-act"' in home and "请补充土壤检测报告。" in home and alert.link in home
    alerts = client.get("/admin/alerts/").content.decode()
    assert "答复稿被退回" in alerts and alert.link in alerts

    form = client.get(alert.link).content.decode()
    assert "退回意见" in form and "请补充土壤检测报告。" in form and "陈科长" in form
    assert ">\n初稿</textarea>" in form  # the returned text, to be revised
    step(case, "draft_reply", people["handler"], reply_text="初稿，附检测报告。", method="letter")
    assert standing(client, case) == "答复：待科室负责人审核"
    step(case, "approve_reply_head", people["head"])
    assert standing(client, case) == "答复：待分管领导审核"
    step(case, "return_reply_leader", people["leader"], comment="结论再明确些。")
    assert Alert.objects.filter(recipient=people["handler"], kind="reply_returned").count() == 2
    assert "李分管" in Alert.objects.filter(kind="reply_returned").latest("id").message
    step(
        case, "draft_reply", people["handler"], reply_text="已责令整改，复测合格。", method="letter"
    )
    step(case, "approve_reply_head", people["head"])
    step(case, "approve_reply_leader", people["leader"])
    assert standing(client, case) == "答复：待发出"
    step(
        case,
        "reply",
        people["handler"],
        replied_on=dt.date(2026, 5, 11),
        received_on=dt.date(2026, 5, 11),
    )
    assert standing(client, case) == ""
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert "请补充土壤检测报告。" in page and "结论再明确些。" in page  # on record in the drafts


def test_a17_1_whoever_drafted_a_reply_cannot_also_approve_it(people):
    case = dispatched(people)
    step(case, "draft_reply", people["head"], reply_text="科长自己起草", method="letter")
    with pytest.raises(TransitionRefused) as refused:
        step(case, "approve_reply_head", people["head"])
    assert "不能由您审核通过" in refused.value.message and "第十七条" in refused.value.message
    # The head may send it back, and the handler redraft it for the head to approve.
    step(case, "return_reply_head", people["head"], comment="由经办人起草")
    step(case, "draft_reply", people["handler"], reply_text="经办人起草", method="letter")
    step(case, "approve_reply_head", people["head"])
    # A leader who is also the host's head does not approve a draft they wrote either.
    people["dept"].supervising_leader = people["head"]
    people["dept"].save()
    people["head"].groups.add(
        *UserFactory(username="probe", roles=[Role.SUPERVISING_LEADER]).groups.all()
    )
    people["head"].__dict__.pop("_petition_group_names", None)
    case.refresh_from_db()
    case.supervising_leader = people["head"]
    case.save(update_fields=["supervising_leader"])
    step(case, "approve_reply_leader", people["head"])  # drafted by the handler: allowed


def test_a17_1_the_redraft_form_does_not_repeat_a_refusal(people, client):
    """A refused step says why once, on the form, not in a message above it as well."""
    case = dispatched(people)
    step(case, "draft_reply", people["handler"], reply_text="初稿", method="letter")
    client.force_login(people["handler"])
    response = client.post(
        f"/admin/cases/{case.pk}/step/draft_reply/", {"reply_text": "又一稿", "method": "letter"}
    )
    assert response.status_code == 200
    assert response.content.decode().count("已有答复稿在审核中") == 1
