"""The case lifecycle: the transition table enforced by the one service that changes state."""

import datetime as dt
import re

import pytest
from factories import (
    REPLY_STEPS,
    DepartmentFactory,
    UserFactory,
    a_category,
    a_photo,
    detachment_user,
    direct_channel,
    issue_reply,
    make_case,
    step,
    superior_channel,
)
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.cases.transitions import perform_transition
from petitions.models import Case
from rules.roles import Role
from rules.states import State
from rules.transitions import TRANSITIONS, TransitionRefused

pytestmark = pytest.mark.django_db


def logged_actions(case: Case) -> list[str]:
    return list(
        ModelLogEntry.objects.filter(object_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


@freeze_time("2026-03-02 09:00:00+08:00")
def test_a13_1_a20_2_whole_path_from_filing_to_archive():
    """A13.1, A15.1, A16.1, A17.2, A19.1, A19.2, A20.1, A20.2: every step, its state and its log."""
    user = detachment_user()
    department = DepartmentFactory(name="大气环境管理科")
    case = make_case(user=user, received_on=dt.date(2026, 3, 2))
    assert case.state == State.RECEIVED
    assert case.number.endswith("-2026-000001")

    case = step(case, "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=dt.date(2026, 3, 2), notice_method="phone")
    assert case.next_due_on == dt.date(2026, 4, 1)  # 30 days from acceptance
    case = step(
        case,
        "dispatch",
        user,
        host_department=department,
        co_departments=[],
        basis="responsibility_table",
    )
    assert case.host_department == department
    case = issue_reply(
        case,
        "reply",
        user,
        reply_text="已查处。",
        replied_on=dt.date(2026, 3, 2),
        received_on=dt.date(2026, 3, 2),
        method="letter",
    )
    assert case.state == State.REPLIED
    case = step(case, "request_review", user, requested_on=dt.date(2026, 3, 2), request="不满意")
    case = issue_reply(
        case,
        "reply_review",
        user,
        reply_text="维持。",
        replied_on=dt.date(2026, 3, 2),
        received_on=dt.date(2026, 3, 2),
        method="letter",
    )
    case = step(
        case, "request_re_review", user, requested_on=dt.date(2026, 3, 2), request="仍不满意"
    )
    case = issue_reply(
        case,
        "reply_re_review",
        user,
        reply_text="维持。",
        replied_on=dt.date(2026, 3, 2),
        received_on=dt.date(2026, 3, 2),
        method="letter",
    )
    case = step(case, "close", user)
    case = step(case, "archive", user, archive_number="A-1", retention_period="10y")
    assert case.state == State.ARCHIVED
    assert case.archive_number == "A-1"
    assert logged_actions(case) == [
        "petitions.file",
        "petitions.register",
        "petitions.accept",
        "petitions.dispatch",
        *APPROVAL,
        "petitions.reply",
        "petitions.request_review",
        *APPROVAL,
        "petitions.reply_review",
        "petitions.request_re_review",
        *APPROVAL,
        "petitions.reply_re_review",
        "petitions.close",
        "petitions.archive",
    ]
    # A20.2: nothing can follow archiving.
    for name in TRANSITIONS:
        with pytest.raises(TransitionRefused):
            step(case, name, user)


APPROVAL = [
    "petitions.record_verification",
    "petitions.draft_reply",
    "petitions.approve_reply_head",
    "petitions.approve_reply_leader",
]


def _case_in(state: State, user) -> Case:
    """A case brought to `state` through the real steps."""
    channel = superior_channel() if state in {State.OBJECTED, State.RETURNED} else direct_channel()
    case = make_case(channel=channel, source_ticket_number="T-1", received_on=dt.date(2026, 1, 5))
    dept = DepartmentFactory()
    path = {
        State.RECEIVED: [],
        State.REGISTERED: ["register"],
        State.ACCEPTED: ["register", "accept"],
        State.NOT_ACCEPTED: ["register", "decline"],
        State.REFERRED: ["register", "refer"],
        State.OBJECTED: ["register", "object"],
        State.RETURNED: ["register", "object", "return_materials"],
        State.DISPATCHED: ["register", "accept", "dispatch"],
        State.REPLIED: ["register", "accept", "dispatch", "reply"],
        State.REVIEW_REQUESTED: ["register", "accept", "dispatch", "reply", "request_review"],
        State.REVIEW_REPLIED: [
            "register",
            "accept",
            "dispatch",
            "reply",
            "request_review",
            "reply_review",
        ],
        State.RE_REVIEW_REQUESTED: [
            "register",
            "accept",
            "dispatch",
            "reply",
            "request_review",
            "reply_review",
            "request_re_review",
        ],
        State.RE_REVIEW_REPLIED: [
            "register",
            "accept",
            "dispatch",
            "reply",
            "request_review",
            "reply_review",
            "request_re_review",
            "reply_re_review",
        ],
        State.CLOSED: [
            "register",
            "accept",
            "dispatch",
            "reply",
            "request_review",
            "reply_review",
            "request_re_review",
            "reply_re_review",
            "close",
        ],
        State.ARCHIVED: ["register", "decline", "archive"],
        State.VOIDED: ["void"],
    }[state]
    for name in path:
        if name in REPLY_STEPS:
            case = issue_reply(case, name, user, **VALID_DATA[name](dept))
        else:
            case = step(case, name, user, **VALID_DATA[name](dept))
    assert case.state == state
    return case


D = dt.date(2026, 1, 6)
VALID_DATA = {
    "register": lambda dept: {"kind": "pollution", "categories": [a_category()]},
    "accept": lambda dept: {"accepted_on": D, "notice_method": "phone"},
    "decline": lambda dept: {"reason_kind": "other", "reason": "重复"},
    "link_duplicate": lambda dept: {"earlier_case": "JLPXF-2026-000001", "reason": "同一事项"},
    "refer": lambda dept: {"competent_agency": "区城市管理局", "guidance": "请向城管反映"},
    "object": lambda dept: {"objection_reasons": "不属职权"},
    "overrule_objection": lambda dept: {"comment": "交办机关不同意"},
    "return_materials": lambda dept: {"approval": "同意", "returned_on": D},
    "dispatch": lambda dept: {"host_department": dept, "basis": "responsibility_table"},
    "transfer": lambda dept: {"agency": "区住建委", "content": "扬尘", "transferred_on": D},
    "reply": lambda dept: {
        "reply_text": "答复",
        "replied_on": D,
        "received_on": D,
        "method": "letter",
    },
    "request_review": lambda dept: {"requested_on": D, "request": "复查"},
    "reply_review": lambda dept: {
        "reply_text": "复查意见",
        "replied_on": D,
        "received_on": D,
        "method": "letter",
        "outcome": "upheld",
    },
    "request_re_review": lambda dept: {"requested_on": D, "request": "复核"},
    "reply_re_review": lambda dept: {
        "reply_text": "复核意见",
        "replied_on": D,
        "received_on": D,
        "method": "letter",
        "outcome": "upheld",
    },
    "close": lambda dept: {},
    "archive": lambda dept: {"archive_number": "A-9", "retention_period": "10y"},
    "void": lambda dept: {"reason": "误登记"},
    "draft_reply": lambda dept: {"reply_text": "答复稿", "method": "letter"},
    "approve_reply_head": lambda dept: {},
    "return_reply_head": lambda dept: {"comment": "请补充监测数据"},
    "approve_reply_leader": lambda dept: {},
    "return_reply_leader": lambda dept: {"comment": "请补充"},
    "record_recusal": lambda dept: {"person": UserFactory(username="recused_x"), "reason": "亲属"},
    "record_contact": lambda dept: {"phone": "13800001111", "known_on": D},
    "designate_lead": lambda dept: {"lead_department": dept},
    "record_contribution": lambda dept: {"department": dept, "opinion": "会办意见"},
    "record_verification": lambda dept: {
        "subject": "排放情况",
        "checked_on": D,
        "place": "现场",
        "checked_by": "王五",
        "methods": ["on_site"],
        "findings": "无异常",
        "conclusion": "explained",
    },
    "add_attachment": lambda dept: {"files": [a_photo()]},
    "record_impact_report": lambda dept: {
        "reported_to": "区政府、区信访办",
        "reported_on": D,
        "report_content": "已电话报告",
    },
}


@freeze_time("2026-06-01 10:00:00+08:00")
@pytest.mark.parametrize("state", list(State), ids=[s.value for s in State])
def test_a24_1_every_forbidden_transition_is_refused_with_its_rule(state):
    """A24.1: a step the table does not allow from a state is refused, names the rule, changes nothing."""
    user = detachment_user()
    case = _case_in(state, user)
    before = (case.state, len(logged_actions(case)), case.updated_at)
    forbidden = [n for n, t in TRANSITIONS.items() if state not in t.sources]
    assert forbidden
    for name in forbidden:
        with pytest.raises(TransitionRefused) as refused:
            perform_transition(case, name, user=user, data=VALID_DATA[name](DepartmentFactory()))
        message = refused.value.message
        assert str(State(state).label) in message, message
        assert TRANSITIONS[name].basis in message, message
        case.refresh_from_db()
        assert (case.state, len(logged_actions(case)), case.updated_at) == before


def test_a2_1_a_step_needs_the_role_the_table_names():
    """A2.1: only the detachment (支队) accepts; a department handler is refused, by name of role."""
    handler = UserFactory(username="jingban", roles=[Role.HANDLER])
    case = make_case()
    case = step(case, "register", detachment_user(), kind="pollution", categories=[a_category()])
    with pytest.raises(TransitionRefused) as refused:
        step(case, "accept", handler, accepted_on=case.received_on, notice_method="phone")
    assert "支队" in refused.value.message
    case.refresh_from_db()
    assert case.state == State.REGISTERED


def test_a24_1_missing_data_is_refused_field_by_field_and_changes_nothing():
    user = detachment_user()
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    with pytest.raises(TransitionRefused) as refused:
        step(case, "decline", user, reason_kind="other")
    assert set(refused.value.field_errors) == {"reason"}
    assert "具体说明" in refused.value.field_errors["reason"]
    case.refresh_from_db()
    assert case.state == State.REGISTERED


@freeze_time("2026-06-01 10:00:00+08:00")
def test_a19_1_review_opinion_records_whether_it_upheld_the_reply(client):
    """A19.1, A21.1: a review opinion says 维持/变更/撤销; without it nothing is issued."""
    user = detachment_user()
    case = _case_in(State.REVIEW_REQUESTED, user)
    client.force_login(user)
    form = client.get(f"/admin/cases/{case.pk}/step/reply_review/").content.decode()
    assert "复查复核结论" in form and "变更" in form and "撤销" in form
    with pytest.raises(TransitionRefused) as refused:
        issue_reply(case, "reply_review", user, replied_on=D, received_on=D, outcome="")
    assert "复查复核结论" in refused.value.field_errors["outcome"]
    case.refresh_from_db()
    assert case.state == State.REVIEW_REQUESTED
    assert not case.replies.filter(stage="review").exists()
    case = perform_transition(
        case,
        "reply_review",
        user=user,
        data={"replied_on": D, "received_on": D, "outcome": "changed"},
    )
    assert case.state == State.REVIEW_REPLIED
    assert case.replies.get(stage="review").outcome == "changed"
    # The first reply records no outcome: it has nothing to uphold.
    assert case.replies.get(stage="reply").outcome == ""
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert re.search(r"reply-outcome\"><strong>复查复核结论：</strong>变更", page)


def test_a14_5_statutory_route_needs_the_route_and_prints_it_on_the_notice(client):
    """A14.5: litigation/arbitration/reconsideration matters are not accepted, with the route."""
    user = detachment_user()
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    with pytest.raises(TransitionRefused) as refused:
        step(case, "decline", user, reason_kind="statutory_route", reason="赔偿纠纷")
    assert "诉讼" in refused.value.message
    case = step(
        case,
        "decline",
        user,
        reason_kind="statutory_route",
        reason="赔偿纠纷",
        legal_route="向九龙坡区人民法院提起民事诉讼",
    )
    assert case.state == State.NOT_ACCEPTED
    client.force_login(user)
    page = client.get(f"/admin/cases/{case.pk}/notice/non_acceptance/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "不予受理告知书" in text and "向九龙坡区人民法院提起民事诉讼" in text


def test_a15_2_objection_only_for_superior_assigned_matters():
    """A15.2: a direct petition outside the remit is guided elsewhere, never "objected"."""
    user = detachment_user()
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    with pytest.raises(TransitionRefused) as refused:
        step(case, "object", user, objection_reasons="不属职权")
    assert "第十五条第二款" in refused.value.message
    assigned = make_case(channel=superior_channel(), source_ticket_number="12345-1")
    assigned = step(assigned, "register", user, kind="superior", categories=[a_category()])
    assigned = step(assigned, "object", user, objection_reasons="属公安管辖")
    assigned = step(
        assigned, "return_materials", user, approval="12345同意", returned_on=assigned.received_on
    )
    assert assigned.state == State.RETURNED


def test_a14_3_a16_3_transfer_to_another_agency_is_recorded_without_leaving_the_case():
    """A14.3, A16.3: accepted first, then transferred; the co-handling agency is on record."""
    user = detachment_user()
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=case.received_on, notice_method="phone")
    case = step(
        case,
        "transfer",
        user,
        agency="区住房城乡建委",
        content="工地扬尘",
        transferred_on=case.received_on,
    )
    assert case.state == State.ACCEPTED
    assert list(case.transfers.values_list("agency", flat=True)) == ["区住房城乡建委"]
    assert logged_actions(case)[-1] == "petitions.transfer"


def test_a16_1_dispatch_names_the_department_its_leader_and_the_due_date():
    """A16.1, A4.1: the host department is chosen by hand; the supervising leader follows it."""
    user = detachment_user()
    leader = UserFactory(username="fenguan")
    dept = DepartmentFactory(name="水生态环境科", supervising_leader=leader)
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=case.received_on, notice_method="phone")
    case = step(
        case,
        "dispatch",
        user,
        host_department=dept,
        basis="leader_instruction",
        leader_instruction="请水科牵头",
    )
    assert (case.host_department, case.supervising_leader) == (dept, leader)
    assert case.next_due_on == case.accepted_on + dt.timedelta(days=30)
    assert case.decision["leader_instruction"] == "请水科牵头"
