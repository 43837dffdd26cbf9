"""The transition table as a table of cases: no database, one row per rule (A24.1, A17.1, A19.x).

Each row is the facts of a case, who acts, and either None (the step is allowed) or words the
refusal must contain. `check_transition` is the function every step of the system goes through.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from rules.roles import Role
from rules.states import DraftStatus, State, reply_standing
from rules.transitions import CaseFacts, TransitionRefused, check_transition, get_transition

TODAY = dt.date(2026, 6, 10)
DETACHMENT = frozenset({Role.DETACHMENT})
HANDLER = frozenset({Role.HANDLER})
HEAD = frozenset({Role.DEPARTMENT_HEAD})
LEADER = frozenset({Role.SUPERVISING_LEADER})
OFFICE = frozenset({Role.OFFICE})
PETITIONER = frozenset({Role.PETITIONER})
SYSTEM = frozenset({Role.SYSTEM})

ACCEPT = {"accepted_on": TODAY, "notice_method": "written"}
LEAD = frozenset({"handling", "host_member"})
DRAFT = {"reply_text": "经核查，已责令整改。", "method": "letter"}
INSTRUCTIONS = (
    "（核查时间、地点、方式和发现的情况）",
    "（诉求合理的，说明解决情况；诉求无理的，说明理由和依据）",
)
HEAD_FACTS = {
    "draft_status": DraftStatus.SUBMITTED,
    "actor_id": 7,
    "actor_relations": frozenset({"host_head", "handling"}),
}
LEADER_FACTS = {
    "draft_status": DraftStatus.HEAD_APPROVED,
    "actor_id": 7,
    "actor_relations": frozenset({"supervising_leader", "handling"}),
}
CONTACT = {"phone": "13800001111", "known_on": TODAY}
A, B = SimpleNamespace(pk=1), SimpleNamespace(pk=2)  # departments 甲科 (lead), 乙科 (co-handling)
REPLY = {"replied_on": TODAY, "received_on": TODAY}
REVIEW = {"requested_on": TODAY, "request": "不服答复"}


def facts(state: State, **kwargs) -> CaseFacts:
    return CaseFacts(state=state, today=TODAY, **kwargs)


# fmt: off
ROWS = [
    # (test id, step, facts, roles, data, None or words of the refusal)
    ("a14_1_detachment_accepts_registered", "accept", facts(State.REGISTERED), DETACHMENT, ACCEPT, None),
    ("a24_1_accept_from_received_is_refused", "accept", facts(State.RECEIVED), DETACHMENT, ACCEPT, "不能进行“受理”"),
    ("a2_1_office_cannot_accept", "accept", facts(State.REGISTERED), OFFICE, ACCEPT, "您没有该角色"),
    ("a15_1_accept_needs_its_date", "accept", facts(State.REGISTERED), DETACHMENT, {"notice_method": "written"}, "请补全"),
    ("a15_1_no_acceptance_in_the_future", "accept", facts(State.REGISTERED), DETACHMENT, {**ACCEPT, "accepted_on": TODAY + dt.timedelta(days=1)}, "不能晚于今天"),
    ("a6_2_recused_cannot_accept", "accept", facts(State.REGISTERED, actor_relations=frozenset({"recused"})), DETACHMENT, ACCEPT, "回避"),
    ("a15_2_objection_only_for_assigned", "object", facts(State.REGISTERED), DETACHMENT, {"objection_reasons": "不属本局职权"}, "上级交办"),
    ("a17_1_head_approves_submitted_draft", "approve_reply_head", facts(State.DISPATCHED, draft_status=DraftStatus.SUBMITTED, actor_relations=frozenset({"host_head", "handling"})), HEAD, {}, None),
    ("a17_1_head_of_another_department_refused", "approve_reply_head", facts(State.DISPATCHED, draft_status=DraftStatus.SUBMITTED, actor_relations=frozenset({"handling"})), HEAD, {}, "承办科室的负责人"),
    ("a17_1_leader_approves_only_after_head", "approve_reply_leader", facts(State.DISPATCHED, draft_status=DraftStatus.SUBMITTED, actor_relations=frozenset({"supervising_leader", "handling"})), LEADER, {}, "没有待分管领导审核"),
    ("a17_1_reply_only_after_both_approvals", "reply", facts(State.DISPATCHED, draft_status=DraftStatus.HEAD_APPROVED, actor_relations=frozenset({"handling", "host_member"})), HANDLER, REPLY, "层层审核"),
    ("a17_1_approved_draft_is_issued", "reply", facts(State.DISPATCHED, draft_status=DraftStatus.APPROVED, actor_relations=frozenset({"handling", "host_member"})), HANDLER, REPLY, None),
    ("a17_1_received_before_replied_refused", "reply", facts(State.DISPATCHED, draft_status=DraftStatus.APPROVED, actor_relations=frozenset({"handling", "host_member"})), HANDLER, {**REPLY, "received_on": TODAY - dt.timedelta(days=1)}, "不能早于答复日期"),
    ("a17_1_second_draft_while_one_in_review_refused", "draft_reply", facts(State.DISPATCHED, draft_status=DraftStatus.SUBMITTED, actor_relations=frozenset({"handling", "host_member"})), HANDLER, {"reply_text": "答复", "method": "书面"}, "已有答复稿在审核中"),
    ("a19_1_review_inside_window", "request_review", facts(State.REPLIED, review_window_due=TODAY), PETITIONER, REVIEW, None),
    ("a19_1_review_after_window_refused", "request_review", facts(State.REPLIED, review_window_due=TODAY - dt.timedelta(days=1)), PETITIONER, REVIEW, "复查请求已超过期限"),
    ("a19_2_re_review_after_window_refused", "request_re_review", facts(State.REVIEW_REPLIED, re_review_window_due=TODAY - dt.timedelta(days=1)), PETITIONER, REVIEW, "复核请求已超过期限"),
    ("a19_3_nothing_after_re_review", "request_review", facts(State.RE_REVIEW_REPLIED), PETITIONER, REVIEW, "不能进行"),
    ("a20_1_system_closes_after_objection_window", "close", facts(State.REPLIED, objection_window_due=TODAY - dt.timedelta(days=1)), SYSTEM, {"comment": "期满"}, None),
    ("a20_1_not_closed_inside_objection_window", "close", facts(State.REPLIED, objection_window_due=TODAY), SYSTEM, {"comment": "期满"}, "异议期尚未届满"),
    ("a20_2_archive_only_when_closed", "archive", facts(State.DISPATCHED), DETACHMENT, {"archive_number": "A-1", "retention_period": "永久"}, "不能进行“归档”"),
    ("a24_1_archived_case_cannot_be_voided", "void", facts(State.ARCHIVED), DETACHMENT, {"reason": "误登记"}, "不能进行"),
    # A6.3: a reply goes to approval only with a verification on record, and never with the
    # template's instructions still in it (第六条, 第十七条).
    ("a6_3_draft_needs_a_verification", "draft_reply", facts(State.DISPATCHED, actor_relations=LEAD), HANDLER, DRAFT, "须至少记录一次核查"),
    ("a6_3_verified_draft_goes_to_approval", "draft_reply", facts(State.DISPATCHED, actor_relations=LEAD, verifications=1, template_instructions=INSTRUCTIONS), HANDLER, DRAFT, None),
    ("a6_3_draft_with_template_instruction_refused", "draft_reply", facts(State.DISPATCHED, actor_relations=LEAD, verifications=1, template_instructions=INSTRUCTIONS), HANDLER, {**DRAFT, "reply_text": "一、核查情况\n（核查时间、地点、方式和发现的情况）"}, "（核查时间、地点、方式和发现的情况）"),
    ("a6_3_review_opinion_needs_its_own_verification", "draft_reply", facts(State.REVIEW_REQUESTED, actor_relations=LEAD, verifications=0), HANDLER, DRAFT, "核查"),
    ("a17_1_draft_holding_instructions_is_not_approved", "approve_reply_head", facts(State.DISPATCHED, **HEAD_FACTS, draft_author_id=3, draft_instructions_left=INSTRUCTIONS[:1]), HEAD, {}, "请退回修改"),
    ("a17_1_draft_holding_instructions_is_not_issued", "reply", facts(State.DISPATCHED, draft_status=DraftStatus.APPROVED, actor_relations=LEAD, draft_instructions_left=INSTRUCTIONS[1:]), HANDLER, REPLY, "诉求合理的"),
    # A17.1: whoever drafted a reply does not approve it.
    ("a17_1_head_cannot_approve_own_draft", "approve_reply_head", facts(State.DISPATCHED, **HEAD_FACTS, draft_author_id=7), HEAD, {}, "不能由您审核通过"),
    ("a17_1_leader_cannot_approve_own_draft", "approve_reply_leader", facts(State.DISPATCHED, **LEADER_FACTS, draft_author_id=7), LEADER, {}, "不能由您审核通过"),
    ("a17_1_leader_approves_anothers_draft", "approve_reply_leader", facts(State.DISPATCHED, **LEADER_FACTS, draft_author_id=3), LEADER, {}, None),
    ("a17_1_drafter_may_still_return_own_draft", "return_reply_head", facts(State.DISPATCHED, **HEAD_FACTS, draft_author_id=7), HEAD, {"comment": "撤回重写"}, None),
    # A16.2: several departments: the lead is named, the others contribute, then the lead drafts.
    ("a16_2_draft_waits_for_the_lead_department", "draft_reply", facts(State.DISPATCHED, actor_relations=LEAD, verifications=1, has_co_departments=True), HANDLER, DRAFT, "指定牵头科室"),
    ("a16_2_draft_waits_for_contributions", "draft_reply", facts(State.DISPATCHED, actor_relations=LEAD, verifications=1, has_co_departments=True, lead_named=True, missing_contributions=("乙科",)), HANDLER, DRAFT, "乙科"),
    ("a16_2_lead_drafts_once_all_contributed", "draft_reply", facts(State.DISPATCHED, actor_relations=LEAD, verifications=1, has_co_departments=True, lead_named=True), HANDLER, DRAFT, None),
    ("a16_2_only_the_petition_leader_names_the_lead", "designate_lead", facts(State.DISPATCHED, has_co_departments=True, actor_relations=frozenset({"supervising_leader", "handling"})), LEADER, {"lead_department": A}, "分管信访工作的领导"),
    ("a16_2_petition_leader_names_the_lead", "designate_lead", facts(State.DISPATCHED, has_co_departments=True, department_ids=frozenset({1, 2}), actor_relations=frozenset({"petition_leader"})), LEADER, {"lead_department": B}, None),
    ("a16_2_lead_is_one_of_the_case_departments", "designate_lead", facts(State.DISPATCHED, has_co_departments=True, department_ids=frozenset({1, 2}), actor_relations=frozenset({"petition_leader"})), LEADER, {"lead_department": SimpleNamespace(pk=3)}, "承办科室或协办科室之一"),
    ("a16_2_a_co_member_records_a_contribution", "record_contribution", facts(State.DISPATCHED, has_co_departments=True, actor_co_department_ids=frozenset({2}), actor_relations=frozenset({"co_member", "handling"})), HANDLER, {"department": B, "opinion": "会办意见"}, None),
    ("a16_2_contribution_only_for_own_co_department", "record_contribution", facts(State.DISPATCHED, has_co_departments=True, actor_co_department_ids=frozenset({2}), actor_relations=frozenset({"co_member", "handling"})), HANDLER, {"department": A, "opinion": "会办意见"}, "您所在的协办科室"),
    ("a16_2_only_co_members_contribute", "record_contribution", facts(State.DISPATCHED, has_co_departments=True, actor_relations=LEAD), HANDLER, {"department": B, "opinion": "会办意见"}, "协办科室"),
    ("a16_2_lead_not_changed_while_draft_in_review", "designate_lead", facts(State.DISPATCHED, has_co_departments=True, draft_status=DraftStatus.SUBMITTED, actor_relations=frozenset({"petition_leader"})), LEADER, {"lead_department": A}, "审核中"),
    # A15.1: the contact is recorded once known; only for a case whose contact was unclear.
    ("a15_1_contact_recorded_when_unclear", "record_contact", facts(State.REGISTERED, contact_unclear=True, received_on=TODAY - dt.timedelta(days=9)), DETACHMENT, CONTACT, None),
    ("a15_1_contact_needs_its_date", "record_contact", facts(State.REGISTERED, contact_unclear=True), DETACHMENT, {"phone": "13800001111"}, "取得联系方式的日期"),
    ("a15_1_contact_not_known_before_receipt", "record_contact", facts(State.REGISTERED, contact_unclear=True, received_on=TODAY), DETACHMENT, {**CONTACT, "known_on": TODAY - dt.timedelta(days=1)}, "不能早于收到"),
    ("a15_1_contact_not_in_the_future", "record_contact", facts(State.REGISTERED, contact_unclear=True, received_on=TODAY), DETACHMENT, {**CONTACT, "known_on": TODAY + dt.timedelta(days=1)}, "不能晚于今天"),
    ("a15_1_clear_contact_needs_no_step", "record_contact", facts(State.REGISTERED), DETACHMENT, CONTACT, "无需补录"),
    ("a15_1_handler_does_not_record_contact", "record_contact", facts(State.REGISTERED, contact_unclear=True), HANDLER, CONTACT, "您没有该角色"),
]
# fmt: on


@pytest.mark.parametrize(
    ("step", "case_facts", "roles", "data", "refused"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_a24_1_transition_table(step, case_facts, roles, data, refused) -> None:
    transition = get_transition(step)
    if refused is None:
        check_transition(transition, case_facts, roles, data)
        return
    with pytest.raises(TransitionRefused) as caught:
        check_transition(transition, case_facts, roles, data)
    said = caught.value.message + "".join(caught.value.field_errors.values())
    assert refused in said


@pytest.mark.parametrize(
    ("state", "draft", "said"),
    [
        (State.DISPATCHED, None, "起草中"),
        (State.DISPATCHED, DraftStatus.SUBMITTED, "待科室负责人审核"),
        (State.DISPATCHED, DraftStatus.RETURNED, "已退回"),
        (State.DISPATCHED, DraftStatus.HEAD_APPROVED, "待分管领导审核"),
        (State.DISPATCHED, DraftStatus.APPROVED, "待发出"),
        (State.REVIEW_REQUESTED, DraftStatus.ISSUED, "起草中"),
        (State.REPLIED, DraftStatus.ISSUED, None),
        (State.ACCEPTED, None, None),
    ],
)
def test_a17_1_where_the_reply_stands(state, draft, said) -> None:
    """The case header says where the reply stands (第十七条)."""
    standing = reply_standing(state, draft)
    assert (str(standing) if standing is not None else None) == said
