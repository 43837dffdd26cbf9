"""A case for several departments (第十六条, A16.2): the detachment proposes, the leader
supervising petition work names the lead department; the co-handling departments record their
contribution (会办意见) before the lead drafts; the reply shows it came from the lead."""

import datetime as dt

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
from wagtail.models import ModelLogEntry

from petitions.models import Alert, Case, Contribution
from rules.roles import Role
from rules.transitions import TransitionRefused
from snippets.models import BureauLeadership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with freeze_time("2026-04-10 10:00:00+08:00"):
        yield


@pytest.fixture
def people():
    petition_leader = UserFactory(
        username="xinfang_leader", first_name="刘分管", roles=[Role.SUPERVISING_LEADER]
    )
    leadership = BureauLeadership.load()
    leadership.petition_leader = petition_leader
    leadership.save()
    people = {"detachment": detachment_user(), "petition_leader": petition_leader}
    for key, name in (("air", "大气科"), ("water", "水科"), ("law", "法规科")):
        head = UserFactory(username=f"head_{key}", roles=[Role.DEPARTMENT_HEAD])
        leader = UserFactory(username=f"leader_{key}", roles=[Role.SUPERVISING_LEADER])
        handler = UserFactory(username=f"handler_{key}", roles=[Role.HANDLER])
        dept = DepartmentFactory(code=key, name=name, head=head, supervising_leader=leader)
        dept.staff.add(handler)
        people.update({key: dept, f"head_{key}": head, f"handler_{key}": handler})
    return people


def for_several(people) -> Case:
    user = people["detachment"]
    case = step(
        make_case(received_on=dt.date(2026, 4, 1)),
        "register",
        user,
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", user, accepted_on=dt.date(2026, 4, 1), notice_method="phone")
    return step(
        case,
        "dispatch",
        user,
        host_department=people["air"],
        co_departments=[people["water"], people["law"]],
        basis="responsibility_table",
        handler=people["handler_air"],
    )


def test_a16_2_the_petition_leader_names_the_lead_proposed_by_the_detachment(people, client):
    case = for_several(people)
    assert case.lead_status == "proposed"
    alert = Alert.objects.get(recipient=people["petition_leader"], kind="lead_needed")
    assert "支队建议由大气科牵头" in alert.message
    assert alert.link == f"/admin/cases/{case.pk}/step/designate_lead/"
    # The case page says the lead is yet to be named; nobody drafts until it is.
    client.force_login(people["handler_air"])
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert "支队建议由大气科牵头，待分管信访工作的领导指定" in page
    record_verification(case, people["handler_air"])
    with pytest.raises(TransitionRefused) as refused:
        step(case, "draft_reply", people["handler_air"], reply_text="答复", method="letter")
    assert "指定牵头科室" in refused.value.message and "第十六条" in refused.value.message
    # Not the departments' own leader, only the leader supervising petition work.
    with pytest.raises(TransitionRefused) as refused:
        step(case, "designate_lead", case.leader, lead_department=people["water"])
    assert "分管信访工作的领导" in refused.value.message
    # The petition leader sees the case waiting for them, and names 水科 instead.
    client.force_login(people["petition_leader"])
    assert client.get(f"/admin/cases/inspect/{case.pk}/").status_code == 200
    form = client.get(f"/admin/cases/{case.pk}/step/designate_lead/").content.decode()
    assert f'<option value="{people["air"].pk}" selected>' in form  # the proposal
    assert "法规科" in form
    response = client.post(
        f"/admin/cases/{case.pk}/step/designate_lead/",
        {"lead_department": people["water"].pk, "comment": "以水科为主"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.lead_status == "named" and case.lead_named_by == people["petition_leader"]
    assert case.host_department == people["water"]
    assert set(case.co_departments.all()) == {people["air"], people["law"]}
    assert case.handler is None  # 大气科's handler does not handle for 水科
    assert case.leader == people["water"].supervising_leader
    assert client.get(f"/admin/cases/inspect/{case.pk}/").status_code == 200  # still sees it
    # The co-handling departments are asked for their contribution.
    asked = set(
        Alert.objects.filter(kind="contribution", case=case).values_list("recipient", flat=True)
    )
    assert asked == {people["head_air"].pk, people["head_law"].pk}


def test_a16_2_the_lead_drafts_after_every_co_department_contributed(people, client):
    case = for_several(people)
    step(case, "designate_lead", people["petition_leader"], lead_department=people["air"])
    record_verification(case, people["handler_air"])
    with pytest.raises(TransitionRefused) as refused:
        step(case, "draft_reply", people["handler_air"], reply_text="答复", method="letter")
    assert "水科、法规科" in refused.value.message
    # A co-department's member records for their own department only.
    with pytest.raises(TransitionRefused) as refused:
        step(
            case,
            "record_contribution",
            people["handler_water"],
            department=people["law"],
            opinion="越权",
        )
    assert "您所在的协办科室" in refused.value.message
    with pytest.raises(TransitionRefused):  # the lead does not contribute to itself
        step(
            case,
            "record_contribution",
            people["handler_air"],
            department=people["air"],
            opinion="x",
        )
    client.force_login(people["handler_water"])
    form = client.get(f"/admin/cases/{case.pk}/step/record_contribution/").content.decode()
    assert (
        "水科" in form and "法规科" not in form.split('name="department"')[1].split("</select>")[0]
    )
    response = client.post(
        f"/admin/cases/{case.pk}/step/record_contribution/",
        {"department": people["water"].pk, "opinion": "排口下游水质达标，未发现偷排。"},
    )
    assert response.status_code == 302
    with pytest.raises(TransitionRefused) as refused:
        step(case, "draft_reply", people["handler_air"], reply_text="答复", method="letter")
    assert "法规科" in refused.value.message and "水科" not in refused.value.message
    step(
        case,
        "record_contribution",
        people["head_law"],
        department=people["law"],
        opinion="企业环评手续齐全。",
    )
    assert Contribution.objects.filter(case=case).count() == 2
    client.force_login(people["handler_air"])
    draft_form = client.get(f"/admin/cases/{case.pk}/step/draft_reply/").content.decode()
    assert "排口下游水质达标，未发现偷排。" in draft_form and "企业环评手续齐全。" in draft_form
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert "会办意见（第十六条）" in page and "企业环评手续齐全。" in page
    assert (
        ModelLogEntry.objects.filter(
            object_id=str(case.pk), action="petitions.record_contribution"
        ).count()
        == 2
    )


def test_a16_2_the_reply_shows_it_came_from_the_lead_department(people, client):
    case = for_several(people)
    step(case, "designate_lead", people["petition_leader"], lead_department=people["air"])
    for key in ("water", "law"):
        step(
            case,
            "record_contribution",
            people[f"handler_{key}"],
            department=people[key],
            opinion="无意见",
        )
    case = issue_reply(
        case,
        "reply",
        people["handler_air"],
        reply_text="已责令整改。",
        replied_on=dt.date(2026, 4, 9),
        received_on=dt.date(2026, 4, 10),
    )
    reply = case.replies.get()
    assert reply.department == people["air"] and reply.jointly_with == "水科、法规科"
    client.force_login(people["handler_air"])
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert "答复科室" in page and "牵头科室，会同水科、法规科" in page
    letter = client.get(f"/admin/cases/{case.pk}/notice/reply_letter/").content.decode()
    assert "经大气科（牵头科室）会同水科、法规科调查核实，现答复如下：" in letter


def test_a16_2_a_single_department_case_needs_no_lead(people):
    user = people["detachment"]
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=case.received_on, notice_method="phone")
    case = step(
        case,
        "dispatch",
        user,
        host_department=people["air"],
        co_departments=[people["air"]],  # the host ticked again is no co-department
        basis="responsibility_table",
    )
    assert case.lead_status == "" and not Alert.objects.filter(kind="lead_needed").exists()
    record_verification(case, people["handler_air"])
    step(case, "draft_reply", people["handler_air"], reply_text="答复", method="letter")
