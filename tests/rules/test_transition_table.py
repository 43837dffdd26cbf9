"""The transition table as a table of cases: no database, one row per rule (A24.1, A17.1, A19.x).

Each row is the facts of a case, who acts, and either None (the step is allowed) or words the
refusal must contain. `check_transition` is the function every step of the system goes through.
"""

from __future__ import annotations

import datetime as dt

import pytest

from rules.roles import Role
from rules.states import DraftStatus, State
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
