"""The two-level reply approval (A17.1), one lead department replying (A16.2), recusal (A6.2)."""

import datetime as dt

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
from wagtail.models import ModelLogEntry

from petitions.models import Case, ReplyDraft
from rules.roles import Role
from rules.states import State
from rules.transitions import TransitionRefused
from snippets.models import BureauLeadership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with freeze_time("2026-03-10 10:00:00+08:00"):
        yield


@pytest.fixture
def people():
    head = UserFactory(username="head_a", roles=[Role.DEPARTMENT_HEAD])
    leader = UserFactory(username="leader_a", roles=[Role.SUPERVISING_LEADER])
    handler = UserFactory(username="handler_a", roles=[Role.HANDLER])
    other_head = UserFactory(username="head_b", roles=[Role.DEPARTMENT_HEAD])
    co_handler = UserFactory(username="handler_b", roles=[Role.HANDLER])
    a = DepartmentFactory(name="甲科", head=head, supervising_leader=leader)
    a.staff.add(handler)
    b = DepartmentFactory(name="乙科", head=other_head)
    b.staff.add(co_handler)
    leadership = BureauLeadership.load()
    leadership.petition_leader = leader
    leadership.save()
    return {
        "head": head,
        "leader": leader,
        "handler": handler,
        "other_head": other_head,
        "co_handler": co_handler,
        "a": a,
        "b": b,
        "detachment": detachment_user(),
    }


def dispatched(people) -> Case:
    """Dispatched to 甲科 with 乙科 co-handling: 甲科 named lead, 乙科's contribution in, and a
    verification on record, so that 甲科 may draft (第六条, 第十六条)."""
    case = dispatched_only(people)
    step(case, "designate_lead", people["leader"], lead_department=people["a"])
    step(
        case,
        "record_contribution",
        people["co_handler"],
        department=people["b"],
        opinion="乙科意见",
    )
    return record_verification(case, people["handler"])


def dispatched_only(people) -> Case:
    user = people["detachment"]
    case = step(
        make_case(received_on=dt.date(2026, 3, 2)),
        "register",
        user,
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", user, accepted_on=dt.date(2026, 3, 2), notice_method="phone")
    return step(
        case,
        "dispatch",
        user,
        host_department=people["a"],
        co_departments=[people["b"]],
        basis="responsibility_table",
        handler=people["handler"],
    )


def draft_status(case) -> str:
    return ReplyDraft.objects.filter(case=case).latest("id").status


def test_a17_1_reply_goes_through_head_then_leader_before_it_can_be_issued(people):
    case = dispatched(people)
    issue = {"replied_on": dt.date(2026, 3, 10), "received_on": dt.date(2026, 3, 10)}
    with pytest.raises(TransitionRefused) as refused:
        step(case, "reply", people["handler"], **issue)
    assert "层层审核" in refused.value.message
    step(case, "draft_reply", people["handler"], reply_text="经查，已责令整改。", method="letter")
    assert draft_status(case) == "submitted"
    with pytest.raises(TransitionRefused):  # the leader cannot go before the head
        step(case, "approve_reply_leader", people["leader"])
    with pytest.raises(TransitionRefused) as refused:  # nor the head of a co-department
        step(case, "approve_reply_head", people["other_head"])
    assert "承办科室的负责人" in refused.value.message
    step(case, "return_reply_head", people["head"], comment="请补充监测数据。")
    assert draft_status(case) == "returned"
    step(
        case,
        "draft_reply",
        people["handler"],
        reply_text="经查并监测，已责令整改。",
        method="letter",
    )
    step(case, "approve_reply_head", people["head"], comment="同意。")
    with pytest.raises(TransitionRefused):
        step(case, "reply", people["handler"], **issue)
    step(case, "approve_reply_leader", people["leader"], comment="同意发出。")
    case = step(case, "reply", people["handler"], **issue)
    assert case.state == State.REPLIED
    assert case.replies.get().text == "经查并监测，已责令整改。"
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(case.pk)).values_list(
            "action", "data__fields__comment"
        )
    )
    assert ("petitions.return_reply_head", "请补充监测数据。") in actions
    assert ("petitions.approve_reply_leader", "同意发出。") in actions
    # The clock kept running during approval: the reply deadline is the acceptance's.
    assert case.deadlines.get(rule="reply").due_on == dt.date(2026, 4, 1)


def test_a16_2_only_the_lead_department_drafts_the_reply(people):
    case = dispatched(people)
    with pytest.raises(TransitionRefused) as refused:
        step(case, "draft_reply", people["co_handler"], reply_text="协办意见", method="letter")
    assert "牵头" in refused.value.message


def test_a6_2_a_recused_user_cannot_be_assigned_approve_or_see_the_identity(people, client):
    user = people["detachment"]
    case = step(
        make_case(received_on=dt.date(2026, 3, 2)),
        "register",
        user,
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", user, accepted_on=dt.date(2026, 3, 2), notice_method="phone")
    step(case, "record_recusal", user, person=people["head"], reason="与信访人系亲属")
    with pytest.raises(TransitionRefused) as refused:
        step(case, "record_recusal", people["handler"], person=people["head"], reason="x")
    assert "回避" in refused.value.message
    with pytest.raises(TransitionRefused) as refused:
        step(
            case,
            "dispatch",
            user,
            host_department=people["a"],
            basis="responsibility_table",
            handler=people["head"],
        )
    assert "回避" in refused.value.message
    case = step(
        case,
        "dispatch",
        user,
        host_department=people["a"],
        basis="responsibility_table",
        handler=people["handler"],
    )
    record_verification(case, people["handler"])
    step(case, "draft_reply", people["handler"], reply_text="答复", method="letter")
    with pytest.raises(TransitionRefused) as refused:
        step(case, "approve_reply_head", people["head"])
    assert "您已回避本案" in refused.value.message
    client.force_login(people["head"])
    client.post(f"/admin/cases/{case.pk}/reveal/")
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert "13812340000" not in page and "138****0000" in page
    assert "与信访人系亲属" in page  # the recusal is on record on the case page
    assert (
        ModelLogEntry.objects.filter(
            object_id=str(case.pk), action="petitions.record_recusal"
        ).count()
        == 1
    )


def test_a6_2_recusing_the_assigned_handler_takes_the_case_off_them(people):
    case = dispatched(people)
    step(case, "record_recusal", people["detachment"], person=people["handler"], reason="利害关系")
    case.refresh_from_db()
    assert case.handler is None


def test_a6_2_a_user_declares_their_own_recusal_and_cannot_declare_for_others(people):
    case = dispatched(people)
    with pytest.raises(TransitionRefused) as refused:
        step(case, "record_recusal", people["handler"], person=people["head"], reason="x")
    assert "只能为自己声明回避" in refused.value.message
    step(case, "record_recusal", people["handler"], person=people["handler"], reason="邻居")
    assert case.recusals.get().user == people["handler"]


def test_a2_1_nobody_acts_on_a_case_outside_their_scope(people):
    case = dispatched(people)
    outsider = UserFactory(username="outsider", roles=[Role.HANDLER])
    DepartmentFactory(name="其他科").staff.add(outsider)
    with pytest.raises(TransitionRefused) as refused:
        step(case, "record_recusal", outsider, person=outsider, reason="x")
    assert "无权办理" in refused.value.message


def test_a6_2_an_administrator_records_a_recusal_without_seeing_the_case(
    people, client, monkeypatch
):
    import io

    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from rules.roles import ROLE_GROUP_NAMES

    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "x-123456789")
    call_command("load_starter", stdout=io.StringIO())
    admin = UserFactory(username="xitong")
    admin.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[Role.ADMINISTRATOR]))
    case = dispatched(people)
    client.force_login(admin)
    response = client.get(f"/admin/cases/inspect/{case.pk}/")
    assert response.status_code in {302, 403}  # configuration only: no case
    response = client.post(
        "/admin/recusals/",
        {
            "case_number": case.number,
            "person": people["handler"].pk,
            "reason": "与被反映单位负责人系亲属",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.handler is None and case.recusals.get().user == people["handler"]
    assert ModelLogEntry.objects.filter(
        object_id=str(case.pk), action="petitions.record_recusal", user=admin
    ).exists()
    client.force_login(people["handler"])
    refused = client.get("/admin/recusals/")
    assert (refused.status_code, refused.get("Location")) in {(403, None), (302, "/admin/")}
    assert client.post(
        "/admin/recusals/", {"case_number": case.number, "person": admin.pk, "reason": "x"}
    ).status_code in {302, 403}
    assert case.recusals.count() == 1


def test_a4_1_an_accepted_case_shows_its_three_levels_of_responsibility(people, client):
    from snippets.models import BureauLeadership

    people["leader"].first_name = "李分管"
    people["leader"].save()
    leadership = BureauLeadership.load()
    leadership.bureau_head = UserFactory(username="juzhang_a", first_name="赵局长")
    leadership.save()
    case = dispatched(people)
    client.force_login(people["detachment"])
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    for label, value in [
        ("承办科室（直接责任）", "甲科"),
        ("分管领导（主要责任）", "李分管"),
        ("主要负责人（总体责任）", "赵局长"),
    ]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in page


def test_a17_1_a_returned_draft_is_revised_from_its_own_text(people, client):
    case = dispatched(people)
    step(case, "draft_reply", people["handler"], reply_text="初稿：已责令整改", method="in_person")
    step(case, "return_reply_head", people["head"], comment="请补充监测数据。")
    client.force_login(people["handler"])
    form = client.get(f"/admin/cases/{case.pk}/step/draft_reply/").content.decode()
    assert "初稿：已责令整改" in form
    assert 'value="in_person" selected' in form
