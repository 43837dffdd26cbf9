"""The transition table (状态流转表): which step may follow which, who may take it, what it needs.

This is the one place that decides whether a step is allowed. The service in petitions/ calls
`check_transition` inside its transaction; the admin's buttons come from `available_transitions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from rules.duplicates import HANDLING_STATES, EarlierCase
from rules.roles import NON_STAFF_ROLES, Role
from rules.states import FINAL_STATES, OPEN_STATES, REPLY_STAGE_STATES, DraftStatus, State

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class FieldKind(StrEnum):
    LINE = "line"
    TEXT = "text"
    DATE = "date"
    CHOICE = "choice"
    DEPARTMENT = "department"
    DEPARTMENTS = "departments"
    KIND = "kind"
    CATEGORIES = "categories"
    HANDLER = "handler"
    STAFF = "staff"
    REFERRAL = "referral"
    #: Several of `choices`, as boxes to tick.
    CHOICES = "choices"
    #: A telephone number, checked like the intake's.
    PHONE = "phone"
    #: Photos or PDFs, checked by content and stored privately like the intake's attachment.
    FILES = "files"


@dataclass(frozen=True)
class FieldSpec:
    """A piece of data a transition needs."""

    name: str
    label: StrOrPromise
    kind: FieldKind
    required: bool = True
    choices: tuple[tuple[str, StrOrPromise], ...] = ()
    help_text: StrOrPromise = ""
    default_today: bool = False
    #: Part of the petitioner's identity ("name" or "phone"): masked in the audit log (A6.1).
    identity: str = ""


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case, read off the database by the caller."""

    state: State
    today: dt.date
    is_superior_assigned: bool = False
    reply_received_on: dt.date | None = None
    review_window_due: dt.date | None = None
    re_review_window_due: dt.date | None = None
    objection_window_due: dt.date | None = None
    has_host_department: bool = False
    #: The reply draft of the current stage, if any (A17.1): its ReplyDraft.Status value.
    draft_status: str | None = None
    #: Who is acting: their id, roles, and how they stand to the case ("host_head",
    #: "supervising_leader", "handling", "recused"); computed by the caller.
    actor_id: int | None = None
    actor_roles: frozenset = frozenset()
    actor_relations: frozenset = frozenset()
    recused_user_ids: frozenset = frozenset()
    social_impact: bool = False
    #: 第十五条: the petitioner's contact details are unclear; the day the petition came in.
    contact_unclear: bool = False
    received_on: dt.date | None = None
    #: How many verifications (核查, 第六条) are on record for the current reply stage.
    verifications: int = 0
    #: The reply template's instructions to the drafter (（…）) that no draft may still hold.
    template_instructions: tuple[str, ...] = ()
    #: The draft under review: who wrote it, and the template instructions it still holds.
    draft_author_id: int | None = None
    draft_instructions_left: tuple[str, ...] = ()
    #: 第十六条: the departments of a case for several departments, whether the lead department
    #: has been named, and the co-handling departments whose contribution (会办意见) is missing.
    department_ids: frozenset = frozenset()
    has_co_departments: bool = False
    lead_named: bool = False
    missing_contributions: tuple[str, ...] = ()
    #: The co-handling departments the acting user belongs to.
    actor_co_department_ids: frozenset = frozenset()
    #: 第十四条, 第十九条第三款: the earlier case named in the step's data (`earlier_case`), as
    #: found by the caller; None when none is named or no case has that number.
    earlier: EarlierCase | None = None


class TransitionRefused(Exception):
    """A step the rules do not allow; the message says which rule, in the user's language."""

    def __init__(self, message: str, field_errors: Mapping[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = dict(field_errors or {})


Guard = Callable[[CaseFacts, Mapping], "StrOrPromise | None"]


@dataclass(frozen=True)
class Transition:
    name: str
    label: StrOrPromise
    sources: frozenset[State]
    target: State | None  # None: the case stays in its state (a recorded step)
    roles: frozenset[Role]
    basis: str
    fields: tuple[FieldSpec, ...] = ()
    guards: tuple[Guard, ...] = ()
    description: StrOrPromise = ""
    danger: bool = False
    #: The acting user must stand in one of these relations to the case (e.g. "host_head").
    relations: frozenset[str] = field(default=frozenset())
    #: Whether the step applies to this case at all; a step that does not is not offered.
    applies: Callable[[CaseFacts], bool] | None = None
    #: The refusal when the user stands in none of `relations`, if RELATION_REFUSALS' is not apt.
    relation_refusal: StrOrPromise = ""

    @property
    def log_action(self) -> str:
        return f"petitions.{self.name}"


# --- guards: each returns None when satisfied, else the refusal naming its rule ---------------


def _date(data: Mapping, name: str, facts: CaseFacts) -> dt.date:
    value = data.get(name)
    return value if isinstance(value, dt.date) else facts.today


def _superior_assigned_only(facts: CaseFacts, data: Mapping) -> str | None:
    if not facts.is_superior_assigned:
        return _g(
            "只有上级交办、转办的信访事项不属于职权范围时才能提出异议（第十五条第二款）；"
            "直接信访不属于职权范围的，应引导信访人向有权机关反映（第十四条）。"
        )
    return None


def _within_review_window(facts: CaseFacts, data: Mapping) -> str | None:
    requested = _date(data, "requested_on", facts)
    if facts.review_window_due and requested > facts.review_window_due:
        return _g(
            "复查请求已超过期限：信访人应自收到书面答复之日起30日内请求复查（第十九条第一款），"
            "期限至 %(due)s。"
        ) % {"due": facts.review_window_due.isoformat()}
    return None


def _within_re_review_window(facts: CaseFacts, data: Mapping) -> str | None:
    requested = _date(data, "requested_on", facts)
    if facts.re_review_window_due and requested > facts.re_review_window_due:
        return _g(
            "复核请求已超过期限：信访人应自收到复查意见之日起30日内请求复核（第十九条第二款），"
            "期限至 %(due)s。"
        ) % {"due": facts.re_review_window_due.isoformat()}
    return None


def _objection_window_passed(facts: CaseFacts, data: Mapping) -> str | None:
    if facts.state == State.RE_REVIEW_REPLIED:
        return None  # after a re-review nothing more can be asked (第十九条第三款)
    due = (
        facts.re_review_window_due
        if facts.state == State.REVIEW_REPLIED
        else (facts.objection_window_due)
    )
    if due is None or facts.today <= due:
        return _g(
            "异议期尚未届满：信访人收到答复后30日内未提出异议的，方视为办结（第二十条），"
            "异议期至 %(due)s。"
        ) % {"due": due.isoformat() if due else "—"}
    return None


def _reply_not_before_received(facts: CaseFacts, data: Mapping) -> str | None:
    replied, received = data.get("replied_on"), data.get("received_on")
    if isinstance(replied, dt.date) and isinstance(received, dt.date) and received < replied:
        return _g("信访人收到答复的日期不能早于答复日期。")
    return None


def _no_future_dates(facts: CaseFacts, data: Mapping) -> str | None:
    for value in data.values():
        if isinstance(value, dt.date) and value > facts.today:
            return _g("日期不能晚于今天（%(today)s）。") % {"today": facts.today.isoformat()}
    return None


def _statutory_route_needs_route(facts: CaseFacts, data: Mapping) -> str | None:
    if data.get("reason_kind") == "statutory_route" and not data.get("legal_route"):
        return _g(
            "依法应通过诉讼、仲裁、行政复议等途径解决的，须写明引导信访人向哪个机关提出（第十四条）。"
        )
    return None


def _earlier_case_refusal(facts: CaseFacts, data: Mapping, *, re_reviewed_ok: bool) -> str | None:
    """The earlier case named must exist, be another case, and (unless `re_reviewed_ok`) be
    accepted or being handled and not yet re-reviewed (第十四条, 第十九条第三款)."""
    number = str(data.get("earlier_case") or "").strip()
    earlier = facts.earlier
    if earlier is None:
        return _g("没有编号为 %(number)s 的案件，请核对先前案件的编号。") % {"number": number}
    if earlier.same_case:
        return _g("不能引用本案自身，请填写先前案件的编号。")
    if re_reviewed_ok:
        return None
    if earlier.re_reviewed:
        return _g(
            "案件 %(number)s 已经复核：信访人对复核意见不服，仍以同一事实和理由投诉的，不再受理"
            "（第十九条第三款）。请以“复核后仍以同一事实和理由投诉”不予受理，并告知信访人"
            "复核意见为最终处理意见。"
        ) % {"number": earlier.number}
    if earlier.state not in HANDLING_STATES:
        return _g(
            "案件 %(number)s 当前状态为“%(state)s”，不在受理或办理中，不能并入或作为重复不予受理"
            "（第十四条）：已答复的事项，信访人可在期限内请求复查、复核（第十九条）；"
            "否则按新的信访事项办理。"
        ) % {"number": earlier.number, "state": earlier.state.label}
    return None


def _link_target_open(facts: CaseFacts, data: Mapping) -> str | None:
    return _earlier_case_refusal(facts, data, re_reviewed_ok=False)


def _decline_cites_earlier(facts: CaseFacts, data: Mapping) -> str | None:
    """A decline as a repeat (第十四条) or after a re-review (第十九条第三款) names the earlier
    case, which must fit the reason."""
    reason = data.get("reason_kind")
    if reason not in ("duplicate", "after_re_review"):
        return None
    if not str(data.get("earlier_case") or "").strip():
        return _g("以“%(reason)s”不予受理的，须填写先前案件的编号（第十四条、第十九条）。") % {
            "reason": dict(DECLINE_REASONS)[reason]
        }
    if reason == "duplicate":
        return _earlier_case_refusal(facts, data, re_reviewed_ok=False)
    if message := _earlier_case_refusal(facts, data, re_reviewed_ok=True):
        return message
    if facts.earlier is not None and not facts.earlier.re_reviewed:
        return _g(
            "案件 %(number)s 没有复核意见，不能以“复核后仍以同一事实和理由投诉”不予受理"
            "（第十九条第三款）。"
        ) % {"number": facts.earlier.number}
    return None


def _social_impact_only(facts: CaseFacts, data: Mapping) -> str | None:
    if not facts.social_impact:
        return _g("只有可能造成重大社会影响的信访事项需要记录向区政府、区信访办报告（第十条）。")
    return None


def _agency_named(facts: CaseFacts, data: Mapping) -> str | None:
    if not data.get("referral_entry") and not data.get("competent_agency"):
        return _g("请从受理指南选择，或填写有权处理的机关（第十四条）。")
    return None


def _leader_instruction_needs_text(facts: CaseFacts, data: Mapping) -> str | None:
    if data.get("basis") == "leader_instruction" and not data.get("leader_instruction"):
        return _g("按领导批示交办的，须录入批示内容（第十六条）。")
    return None


def _draft_is(*statuses: DraftStatus | None, message: StrOrPromise) -> Guard:
    def guard(facts: CaseFacts, data: Mapping) -> StrOrPromise | None:
        return None if facts.draft_status in statuses else message

    return guard


_NO_OPEN_DRAFT = _draft_is(
    None,
    DraftStatus.RETURNED,
    DraftStatus.ISSUED,
    message=_("已有答复稿在审核中，请等待审核结果或由审核人退回后再提交（第十七条）。"),
)
_DRAFT_SUBMITTED = _draft_is(DraftStatus.SUBMITTED, message=_("没有待科室负责人审核的答复稿。"))
_DRAFT_HEAD_APPROVED = _draft_is(
    DraftStatus.HEAD_APPROVED, message=_("没有待分管领导审核的答复稿。")
)
_DRAFT_APPROVED = _draft_is(
    DraftStatus.APPROVED,
    message=_(
        "答复须经科室负责人和分管领导层层审核后才能发出（第十七条）：请先提交答复稿并完成审核。"
    ),
)


def _verified(facts: CaseFacts, data: Mapping) -> str | None:
    if facts.verifications == 0:
        return _g(
            "答复稿提交审核前须至少记录一次核查（第六条）：核查了什么、何时、何地、由谁、以何种方式，"
            "发现的情况，以及诉求合理、解决到位或诉求无理、教育到位的结论。请先“记录核查”。"
        )
    return None


def _instructions_message(left: Sequence[str]) -> str:
    return _g(
        "答复稿中仍有模板的填写说明：%(items)s。请按核查情况改写后再提交，"
        "未经改写的模板不能送达信访人（第十七条：回复内容合适）。"
    ) % {"items": "、".join(left)}


def _no_template_instructions(facts: CaseFacts, data: Mapping) -> str | None:
    text = str(data.get("reply_text") or "")
    if left := [i for i in facts.template_instructions if i in text]:
        return _instructions_message(left)
    return None


def _draft_has_no_instructions(facts: CaseFacts, data: Mapping) -> str | None:
    """A draft submitted before the check existed is stopped at approval and at issue too."""
    if facts.draft_instructions_left:
        return _instructions_message(facts.draft_instructions_left) + _g("请退回修改。")
    return None


def _not_own_draft(facts: CaseFacts, data: Mapping) -> str | None:
    if facts.draft_author_id is not None and facts.draft_author_id == facts.actor_id:
        return _g(
            "答复稿由您起草，不能由您审核通过：回复内容须经科室负责人和分管领导层层审核"
            "（第十七条），起草人不能审核自己的答复稿。"
        )
    return None


def _lead_named(facts: CaseFacts, data: Mapping) -> str | None:
    if facts.has_co_departments and not facts.lead_named:
        return _g(
            "本案涉及多个科室，须先由分管信访工作的领导指定牵头科室，由牵头科室归口答复（第十六条）。"
        )
    return None


def _contributions_in(facts: CaseFacts, data: Mapping) -> str | None:
    if facts.missing_contributions:
        return _g(
            "协办科室（%(names)s）尚未录入会办意见：牵头科室须在各协办科室提出会办意见后"
            "起草答复（第十六条）。"
        ) % {"names": "、".join(facts.missing_contributions)}
    return None


def _lead_among_departments(facts: CaseFacts, data: Mapping) -> str | None:
    lead = data.get("lead_department")
    if lead is not None and getattr(lead, "pk", None) not in facts.department_ids:
        return _g("牵头科室须是本案的承办科室或协办科室之一（第十六条）。")
    return None


def _contribution_from_own_department(facts: CaseFacts, data: Mapping) -> str | None:
    department = data.get("department")
    if department is not None and getattr(department, "pk", None) not in (
        facts.actor_co_department_ids
    ):
        return _g("只能以您所在的协办科室的名义录入会办意见（第十六条）。")
    return None


def _contact_unclear_only(facts: CaseFacts, data: Mapping) -> str | None:
    if not facts.contact_unclear:
        return _g("本案信访人的联系方式清楚，无需补录（第十五条）。")
    return None


def _contact_not_before_receipt(facts: CaseFacts, data: Mapping) -> str | None:
    known = data.get("known_on")
    if isinstance(known, dt.date) and facts.received_on and known < facts.received_on:
        return _g("取得联系方式的日期不能早于收到信访事项的日期（%(received)s）。") % {
            "received": facts.received_on.isoformat()
        }
    return None


def _assignee_not_recused(facts: CaseFacts, data: Mapping) -> str | None:
    handler = data.get("handler")
    if handler is not None and getattr(handler, "pk", None) in facts.recused_user_ids:
        return _g("该人员已声明回避本案，不能指派为经办人（第六条）。")
    return None


def _recusal_for_self_unless_recorder(facts: CaseFacts, data: Mapping) -> str | None:
    user = data.get("person")
    if user is None:
        return None
    if user.pk in facts.recused_user_ids:
        return _g("该人员已回避本案。")
    if user.pk != facts.actor_id and not facts.actor_roles & {Role.DETACHMENT, Role.ADMINISTRATOR}:
        return _g("只能为自己声明回避；为他人登记回避须由支队或系统管理员进行（第六条）。")
    return None


#: Guards about the form's data, not the case: skipped when only the buttons are decided.
DATA_GUARDS: frozenset[Guard] = frozenset(
    {
        _no_future_dates,
        _reply_not_before_received,
        _statutory_route_needs_route,
        _leader_instruction_needs_text,
        _agency_named,
        _assignee_not_recused,
        _recusal_for_self_unless_recorder,
        _no_template_instructions,
        _lead_among_departments,
        _contribution_from_own_department,
        _contact_not_before_receipt,
        _link_target_open,
        _decline_cites_earlier,
    }
)


# --- the fields ---------------------------------------------------------------------------

COMMENT = FieldSpec("comment", _("意见或备注"), FieldKind.TEXT, required=False)


#: What a review or re-review opinion did to the original handling (A21.1); the values are
#: petitions.models.Reply.Outcome's. 变更 or 撤销 counts as overturned in the yearly evaluation.
REVIEW_OUTCOMES = (
    ("upheld", _("维持")),
    ("changed", _("变更")),
    ("set_aside", _("撤销")),
)


def _reply_fields(text_label: StrOrPromise, *, outcome: bool = False) -> tuple[FieldSpec, ...]:
    fields: tuple[FieldSpec, ...] = (
        FieldSpec("replied_on", _("答复日期"), FieldKind.DATE, default_today=True),
        FieldSpec(
            "received_on",
            _("信访人收到书面答复日期"),
            FieldKind.DATE,
            help_text=_(
                "复查、复核和异议期限自此日起算：请按送达回证、签收记录等填写实际收到的日期。"
            ),
        ),
    )
    if outcome:
        fields += (
            FieldSpec(
                "outcome",
                _("复查复核结论"),
                FieldKind.CHOICE,
                choices=REVIEW_OUTCOMES,
                help_text=_("原办理意见是维持、变更还是撤销（撤销即原答复作废、重新办理）。"),
            ),
        )
    return fields


#: What issuing a reply, a review opinion or a re-review opinion checks (第十七条, 第十九条).
_REPLY_GUARDS = (
    _DRAFT_APPROVED,
    _draft_has_no_instructions,
    _no_future_dates,
    _reply_not_before_received,
)


def _request_fields(date_label: StrOrPromise, text_label: StrOrPromise) -> tuple[FieldSpec, ...]:
    """A petitioner's request for review or re-review: when it came and what it asks."""
    return (
        FieldSpec("requested_on", date_label, FieldKind.DATE, default_today=True),
        FieldSpec("request", text_label, FieldKind.TEXT),
    )


REPLY_METHODS = (
    ("letter", _("书面答复函")),
    ("in_person", _("当面送达")),
    ("original_channel", _("通过原渠道反馈")),
    ("sms", _("短信")),
)
_REPLY_STAGES = REPLY_STAGE_STATES


DECLINE_REASONS = (
    ("statutory_route", _("依法应通过诉讼、仲裁、行政复议等法定途径解决")),
    ("duplicate", _("同一信访事项已经受理或正在办理")),
    ("after_re_review", _("复核后仍以同一事实和理由投诉")),
    ("other", _("其他")),
)

#: What a petitioner declined after a re-review is told (第十九条第三款).
RE_REVIEW_FINAL_ROUTE = _(
    "复核意见为本局对该信访事项的最终处理意见；对复核意见不服，仍以同一事实和理由投诉的，"
    "不再受理（第十九条第三款）。"
)
EARLIER_CASE_HELP = _("同一信访事项已经受理或正在办理的案件的编号，如 JLPXF-2026-000001。")

RETENTION_PERIODS = (("10y", _("10年")), ("30y", _("30年")), ("permanent", _("永久")))

#: How a verification was made (核查方式, 第六条).
VERIFICATION_METHODS = (
    ("on_site", _("现场检查")),
    ("monitoring", _("监测")),
    ("documents", _("查阅资料")),
    ("phone", _("电话核实")),
)
#: What the verification found (第六条): the demand was reasonable and is solved, or it was not
#: and the petitioner has had it explained. The values are Verification.Conclusion's.
VERIFICATION_CONCLUSIONS = (
    ("resolved", _("诉求合理，解决到位")),
    ("explained", _("诉求无理，教育到位")),
)
EVIDENCE_HELP = _("照片（JPEG、PNG）或 PDF，每个 10 MB 以内，可选多个；只有办理本案的人员能下载。")

_DETACHMENT = frozenset({Role.DETACHMENT})
#: A review or re-review request is registered by the detachment, or made online by the
#: petitioner (X.1, petitions.intake.public_requests); the petitioner may take no other step.
_DETACHMENT_OR_PETITIONER = frozenset({Role.DETACHMENT, Role.PETITIONER})
OPEN_STATES_FOR_REPORT = frozenset(OPEN_STATES) | {State.CLOSED}
_HANDLING = frozenset({Role.HANDLER, Role.DEPARTMENT_HEAD, Role.DETACHMENT})
#: Staff who may act on a case at all (recusal, attachments): not the office or discipline
#: inspection, who only read, nor the administrators, who see no case.
_STAFF = frozenset(Role) - NON_STAFF_ROLES - {Role.OFFICE, Role.DISCIPLINE, Role.ADMINISTRATOR}
#: No draft is on its way through the approval: the lead department may still change.
_NO_DRAFT_IN_REVIEW = _draft_is(
    None,
    DraftStatus.RETURNED,
    DraftStatus.ISSUED,
    message=_("答复稿正在审核中，不能改变牵头科室；请待审核人退回后再指定（第十六条、第十七条）。"),
)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "register",
            _("登记"),
            frozenset({State.RECEIVED}),
            State.REGISTERED,
            frozenset({Role.DETACHMENT, Role.DUTY}),
            "第十三条",
            (
                FieldSpec("kind", _("信访类型"), FieldKind.KIND),
                FieldSpec("categories", _("问题类别"), FieldKind.CATEGORIES),
                COMMENT,
            ),
            description=_("分类、登记，进入台账。"),
        ),
        Transition(
            "accept",
            _("受理"),
            frozenset({State.REGISTERED}),
            State.ACCEPTED,
            _DETACHMENT,
            "第十四条、第十五条",
            (
                FieldSpec("accepted_on", _("受理日期"), FieldKind.DATE, default_today=True),
                FieldSpec(
                    "notice_method",
                    _("受理告知方式"),
                    FieldKind.CHOICE,
                    choices=(
                        ("on_the_spot", _("当场出具受理告知书")),
                        ("written", _("书面告知")),
                        ("phone", _("电话告知")),
                        ("sms", _("短信告知")),
                    ),
                ),
                COMMENT,
            ),
            guards=(_no_future_dates,),
        ),
        Transition(
            "decline",
            _("不予受理"),
            frozenset({State.REGISTERED}),
            State.NOT_ACCEPTED,
            _DETACHMENT,
            "第十四条",
            (
                FieldSpec(
                    "reason_kind", _("不予受理的理由"), FieldKind.CHOICE, choices=DECLINE_REASONS
                ),
                FieldSpec(
                    "earlier_case",
                    _("先前案件编号"),
                    FieldKind.LINE,
                    required=False,
                    help_text=_(
                        "以同一信访事项或复核后再次投诉为由不予受理的，须填写先前案件的编号。"
                    ),
                ),
                FieldSpec("reason", _("具体说明"), FieldKind.TEXT),
                FieldSpec(
                    "legal_route",
                    _("引导途径"),
                    FieldKind.LINE,
                    required=False,
                    help_text=_(
                        "例如：向有管辖权的人民法院提起行政诉讼。复核后再次投诉的，留空即写入第十九条第三款。"
                    ),
                ),
            ),
            guards=(_statutory_route_needs_route, _decline_cites_earlier),
        ),
        Transition(
            "link_duplicate",
            _("并入在办案件"),
            frozenset({State.RECEIVED, State.REGISTERED}),
            State.NOT_ACCEPTED,
            _DETACHMENT,
            "第十四条",
            (
                FieldSpec(
                    "earlier_case", _("在办案件编号"), FieldKind.LINE, help_text=EARLIER_CASE_HELP
                ),
                FieldSpec("reason", _("具体说明"), FieldKind.TEXT, required=False),
            ),
            guards=(_link_target_open,),
            description=_(
                "同一信访事项已经受理或正在办理的，本件不另行受理、不另计期限：信访人加入在办案件，"
                "由在办案件一并办理、答复，两件案件的办理过程都记下此事。"
            ),
        ),
        Transition(
            "refer",
            _("引导至有权机关"),
            frozenset({State.REGISTERED}),
            State.REFERRED,
            _DETACHMENT,
            "第十四条",
            (
                FieldSpec(
                    "referral_entry",
                    _("受理指南条目"),
                    FieldKind.REFERRAL,
                    required=False,
                    help_text=_("从《环境污染投诉受理指南》选择；选择后机关和联系方式可以留空。"),
                ),
                FieldSpec("competent_agency", _("有权处理的机关"), FieldKind.LINE, required=False),
                FieldSpec("agency_contact", _("联系方式"), FieldKind.LINE, required=False),
                FieldSpec("guidance", _("引导内容"), FieldKind.TEXT),
            ),
            guards=(_agency_named,),
            description=_("与生态环境保护有关但不属于本局职能的事项。"),
        ),
        Transition(
            "object",
            _("提出异议"),
            frozenset({State.REGISTERED}),
            State.OBJECTED,
            _DETACHMENT,
            "第十五条第二款",
            (FieldSpec("objection_reasons", _("异议理由"), FieldKind.TEXT),),
            guards=(_superior_assigned_only,),
            applies=lambda facts: facts.is_superior_assigned,
            description=_("上级交办、转办的事项不属于职权范围的，5个工作日内提出异议。"),
        ),
        Transition(
            "overrule_objection",
            _("异议未获同意"),
            frozenset({State.OBJECTED}),
            State.REGISTERED,
            _DETACHMENT,
            "第十五条第二款",
            (FieldSpec("comment", _("交办机关的意见"), FieldKind.TEXT),),
        ),
        Transition(
            "return_materials",
            _("退回材料"),
            frozenset({State.OBJECTED}),
            State.RETURNED,
            _DETACHMENT,
            "第十五条第二款",
            (
                FieldSpec("approval", _("交办机关同意异议的依据"), FieldKind.LINE),
                FieldSpec("returned_on", _("退回日期"), FieldKind.DATE, default_today=True),
            ),
            guards=(_no_future_dates,),
        ),
        Transition(
            "dispatch",
            _("交办"),
            frozenset({State.ACCEPTED}),
            State.DISPATCHED,
            _DETACHMENT,
            "第十六条",
            (
                FieldSpec("host_department", _("承办科室"), FieldKind.DEPARTMENT),
                FieldSpec("co_departments", _("协办科室"), FieldKind.DEPARTMENTS, required=False),
                FieldSpec("handler", _("经办人"), FieldKind.HANDLER, required=False),
                FieldSpec(
                    "basis",
                    _("交办依据"),
                    FieldKind.CHOICE,
                    choices=(
                        ("responsibility_table", _("信访职责分工方案")),
                        ("leader_instruction", _("领导批示")),
                    ),
                ),
                FieldSpec("leader_instruction", _("领导批示内容"), FieldKind.TEXT, required=False),
            ),
            guards=(_leader_instruction_needs_text, _assignee_not_recused),
        ),
        Transition(
            "transfer",
            _("转交其他部门"),
            frozenset({State.ACCEPTED, State.DISPATCHED}),
            None,
            _DETACHMENT,
            "第十四条、第十六条第二款",
            (
                FieldSpec("agency", _("转交部门"), FieldKind.LINE),
                FieldSpec("content", _("转交事项"), FieldKind.TEXT),
                FieldSpec("transferred_on", _("转交日期"), FieldKind.DATE, default_today=True),
            ),
            guards=(_no_future_dates,),
            description=_("涉及其他部门职能、需共同办理的，先行受理并转交，记录在案。"),
        ),
        Transition(
            "reply",
            _("发出答复"),
            frozenset({State.DISPATCHED}),
            State.REPLIED,
            _HANDLING,
            "第十七条",
            _reply_fields(_("答复内容")),
            guards=_REPLY_GUARDS,
        ),
        Transition(
            "request_review",
            _("登记复查请求"),
            frozenset({State.REPLIED}),
            State.REVIEW_REQUESTED,
            _DETACHMENT_OR_PETITIONER,
            "第十九条第一款",
            _request_fields(_("收到复查请求日期"), _("复查请求内容")),
            guards=(_no_future_dates, _within_review_window),
        ),
        Transition(
            "reply_review",
            _("发出复查意见"),
            frozenset({State.REVIEW_REQUESTED}),
            State.REVIEW_REPLIED,
            _HANDLING,
            "第十九条第一款",
            _reply_fields(_("复查意见"), outcome=True),
            guards=_REPLY_GUARDS,
        ),
        Transition(
            "request_re_review",
            _("登记复核请求"),
            frozenset({State.REVIEW_REPLIED}),
            State.RE_REVIEW_REQUESTED,
            _DETACHMENT_OR_PETITIONER,
            "第十九条第二款",
            _request_fields(_("收到复核请求日期"), _("复核请求内容")),
            guards=(_no_future_dates, _within_re_review_window),
        ),
        Transition(
            "reply_re_review",
            _("发出复核意见"),
            frozenset({State.RE_REVIEW_REQUESTED}),
            State.RE_REVIEW_REPLIED,
            _HANDLING,
            "第十九条第二款",
            _reply_fields(_("复核意见"), outcome=True),
            guards=_REPLY_GUARDS,
        ),
        Transition(
            "close",
            _("办结"),
            frozenset({State.REPLIED, State.REVIEW_REPLIED, State.RE_REVIEW_REPLIED}),
            State.CLOSED,
            frozenset({Role.DETACHMENT, Role.SYSTEM}),
            "第二十条",
            (COMMENT,),
            guards=(_objection_window_passed,),
        ),
        Transition(
            "draft_reply",
            _("提交答复稿"),
            _REPLY_STAGES,
            None,
            _HANDLING,
            "第十七条",
            (
                FieldSpec("reply_text", _("答复内容"), FieldKind.TEXT),
                FieldSpec("method", _("答复方式"), FieldKind.CHOICE, choices=REPLY_METHODS),
            ),
            guards=(
                _NO_OPEN_DRAFT,
                _lead_named,
                _contributions_in,
                _verified,
                _no_template_instructions,
            ),
            relations=frozenset({"host_member", "detachment"}),
            description=_(
                "由牵头（承办）科室起草，经科室负责人和分管领导审核后发出（第十六条、第十七条）。"
            ),
        ),
        Transition(
            "approve_reply_head",
            _("科室负责人审核通过"),
            _REPLY_STAGES,
            None,
            frozenset({Role.DEPARTMENT_HEAD}),
            "第十七条",
            (COMMENT,),
            guards=(_DRAFT_SUBMITTED, _not_own_draft, _draft_has_no_instructions),
            relations=frozenset({"host_head"}),
        ),
        Transition(
            "return_reply_head",
            _("科室负责人退回"),
            _REPLY_STAGES,
            None,
            frozenset({Role.DEPARTMENT_HEAD}),
            "第十七条",
            (FieldSpec("comment", _("退回意见"), FieldKind.TEXT),),
            guards=(_DRAFT_SUBMITTED,),
            relations=frozenset({"host_head"}),
        ),
        Transition(
            "approve_reply_leader",
            _("分管领导审核通过"),
            _REPLY_STAGES,
            None,
            frozenset({Role.SUPERVISING_LEADER}),
            "第十七条",
            (COMMENT,),
            guards=(_DRAFT_HEAD_APPROVED, _not_own_draft, _draft_has_no_instructions),
            relations=frozenset({"supervising_leader"}),
        ),
        Transition(
            "return_reply_leader",
            _("分管领导退回"),
            _REPLY_STAGES,
            None,
            frozenset({Role.SUPERVISING_LEADER}),
            "第十七条",
            (FieldSpec("comment", _("退回意见"), FieldKind.TEXT),),
            guards=(_DRAFT_HEAD_APPROVED,),
            relations=frozenset({"supervising_leader"}),
        ),
        Transition(
            "record_contact",
            _("补录联系方式"),
            frozenset(OPEN_STATES),
            None,
            frozenset({Role.DETACHMENT, Role.DUTY}),
            "第十五条",
            (
                FieldSpec(
                    "name",
                    _("信访人姓名"),
                    FieldKind.LINE,
                    required=False,
                    identity="name",
                    help_text=_("登记时姓名已有的可以不填。"),
                ),
                FieldSpec("phone", _("联系电话"), FieldKind.PHONE, identity="phone"),
                FieldSpec(
                    "known_on",
                    _("取得联系方式的日期"),
                    FieldKind.DATE,
                    help_text=_("尚未作出受理决定的，3个工作日的受理告知时限自此日起算。"),
                ),
                COMMENT,
            ),
            guards=(_contact_unclear_only, _no_future_dates, _contact_not_before_receipt),
            applies=lambda facts: facts.contact_unclear,
            description=_(
                "信访人联系方式不清的，受理告知时限不计；取得联系方式后在此录入，受理告知时限从取得之日起算。"
            ),
        ),
        Transition(
            "designate_lead",
            _("指定牵头科室"),
            _REPLY_STAGES,
            None,
            frozenset({Role.SUPERVISING_LEADER, Role.BUREAU_HEAD}),
            "第十六条",
            (
                FieldSpec(
                    "lead_department",
                    _("牵头科室"),
                    FieldKind.DEPARTMENT,
                    help_text=_("支队交办时提出的承办科室已预先选中；牵头科室归口答复。"),
                ),
                FieldSpec("comment", _("指定意见"), FieldKind.TEXT, required=False),
            ),
            guards=(_NO_DRAFT_IN_REVIEW, _lead_among_departments),
            relations=frozenset({"petition_leader"}),
            applies=lambda facts: facts.has_co_departments,
            description=_(
                "涉及多个科室的，由分管信访工作的领导指定牵头科室；协办科室提出会办意见，牵头科室归口答复。"
            ),
        ),
        Transition(
            "record_contribution",
            _("录入会办意见"),
            _REPLY_STAGES,
            None,
            _HANDLING,
            "第十六条",
            (
                FieldSpec("department", _("协办科室"), FieldKind.DEPARTMENT),
                FieldSpec("opinion", _("会办意见"), FieldKind.TEXT),
            ),
            guards=(_contribution_from_own_department,),
            relations=frozenset({"co_member"}),
            applies=lambda facts: facts.has_co_departments,
            description=_("协办科室就本科室职责范围内的情况提出会办意见，供牵头科室起草答复。"),
        ),
        Transition(
            "record_verification",
            _("记录核查"),
            _REPLY_STAGES,
            None,
            _HANDLING,
            "第六条",
            (
                FieldSpec("subject", _("核查事项"), FieldKind.LINE, help_text=_("核查了什么。")),
                FieldSpec("checked_on", _("核查日期"), FieldKind.DATE),
                FieldSpec("place", _("核查地点"), FieldKind.LINE),
                FieldSpec(
                    "checked_by", _("核查人员"), FieldKind.LINE, help_text=_("参加核查的人员姓名。")
                ),
                FieldSpec(
                    "methods", _("核查方式"), FieldKind.CHOICES, choices=VERIFICATION_METHODS
                ),
                FieldSpec("findings", _("核查发现的情况"), FieldKind.TEXT),
                FieldSpec(
                    "conclusion",
                    _("核查结论"),
                    FieldKind.CHOICE,
                    choices=VERIFICATION_CONCLUSIONS,
                    help_text=_("诉求合理的解决问题到位，诉求无理的思想教育到位（第六条）。"),
                ),
                FieldSpec(
                    "evidence",
                    _("证据材料"),
                    FieldKind.FILES,
                    required=False,
                    help_text=EVIDENCE_HELP,
                ),
            ),
            guards=(_no_future_dates,),
            relations=frozenset({"host_member", "co_member", "detachment"}),
            relation_refusal=_("“%(step)s”须由承办科室、协办科室的人员或支队进行（第六条）。"),
            description=_(
                "办理人员应当认真核查（第六条）。每次核查记录一次；答复稿提交审核前至少要有一次核查，"
                "答复稿的“核查情况”由核查记录生成。"
            ),
        ),
        Transition(
            "add_attachment",
            _("添加附件"),
            frozenset(State) - FINAL_STATES,
            None,
            _STAFF,
            "第六条",
            (
                FieldSpec("files", _("附件"), FieldKind.FILES, help_text=EVIDENCE_HELP),
                FieldSpec("note", _("说明"), FieldKind.LINE, required=False),
            ),
            description=_(
                "办理中取得的材料（照片、监测报告、笔录等）随时可以加入案卷；附件与登记时的附件一样检查、保密保存。"
            ),
        ),
        Transition(
            "record_recusal",
            _("回避"),
            frozenset(State) - FINAL_STATES,
            None,
            frozenset(Role) - NON_STAFF_ROLES - {Role.OFFICE, Role.DISCIPLINE},
            "第六条",
            (
                FieldSpec("person", _("回避人员"), FieldKind.STAFF),
                FieldSpec("reason", _("回避理由（与信访事项或信访人的利害关系）"), FieldKind.TEXT),
            ),
            guards=(_recusal_for_self_unless_recorder,),
            description=_(
                "与信访事项或者信访人有直接利害关系的，应当回避。回避后不能被指派、审核答复或查看信访人身份。"
            ),
        ),
        Transition(
            "record_impact_report",
            _("记录向区政府、区信访办报告"),
            frozenset(OPEN_STATES_FOR_REPORT),
            None,
            frozenset({Role.DETACHMENT, Role.BUREAU_HEAD, Role.SUPERVISING_LEADER}),
            "第十条",
            (
                FieldSpec("reported_to", _("报告对象"), FieldKind.LINE),
                FieldSpec("reported_on", _("报告日期"), FieldKind.DATE, default_today=True),
                FieldSpec("report_content", _("报告内容"), FieldKind.TEXT),
            ),
            guards=(_no_future_dates, _social_impact_only),
            applies=lambda facts: facts.social_impact,
            description=_("对可能造成重大社会影响的信访事项，应当及时报告区政府、区信访办。"),
        ),
        Transition(
            "archive",
            _("归档"),
            frozenset({State.CLOSED, State.NOT_ACCEPTED, State.REFERRED, State.RETURNED}),
            State.ARCHIVED,
            _DETACHMENT,
            "第二十条第二款",
            (
                FieldSpec("archive_number", _("档案号"), FieldKind.LINE),
                FieldSpec(
                    "retention_period", _("保管期限"), FieldKind.CHOICE, choices=RETENTION_PERIODS
                ),
            ),
            description=_("归档后案件不能再修改。"),
        ),
        Transition(
            "void",
            _("作废"),
            frozenset({State.RECEIVED, State.REGISTERED}),
            State.VOIDED,
            _DETACHMENT,
            "第二十四条",
            (FieldSpec("reason", _("作废原因（误登记）"), FieldKind.TEXT),),
            danger=True,
            description=_("仅用于误登记；案件仍保留在台账中，不会删除。"),
        ),
    ]
}


def get_transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise TransitionRefused(_g("没有名为“%(name)s”的办理步骤。") % {"name": name}) from None


RELATION_REFUSALS = {
    "host_head": _("“%(step)s”须由承办科室的负责人进行（第十七条）。"),
    "supervising_leader": _("“%(step)s”须由承办科室的分管领导进行（第十七条）。"),
    "detachment": _(
        "“%(step)s”须由牵头（承办）科室人员或支队进行：只有牵头科室归口回复（第十六条）。"
    ),
    "co_member": _("“%(step)s”须由本案协办科室的人员进行（第十六条）。"),
    "petition_leader": _(
        "“%(step)s”须由分管信访工作的领导进行（第十六条）；请在 设置 › 局领导 中指定该领导。"
    ),
}


def _role_labels(roles: Iterable[Role]) -> str:
    return "、".join(str(r.label) for r in sorted(roles))


def refusal(
    transition: Transition,
    facts: CaseFacts,
    roles: Iterable[Role],
    data: Mapping,
    *,
    check_data: bool = True,
) -> str | None:
    """Why `transition` may not be taken now, or None when it may.

    With check_data=False, guards about the data typed into the step's form are skipped: the
    page asks whether the step is possible at all before anyone has filled the form in.
    """
    roles = frozenset(roles)
    if facts.state not in transition.sources:
        allowed = "、".join(str(s.label) for s in sorted(transition.sources))
        return _g(
            "案件当前状态为“%(state)s”，不能进行“%(step)s”：只有处于“%(allowed)s”状态的案件才能%(step)s"
            "（%(basis)s）。"
        ) % {
            "state": facts.state.label,
            "step": transition.label,
            "allowed": allowed,
            "basis": transition.basis,
        }
    if not roles & transition.roles:
        return _g("“%(step)s”须由%(roles)s进行，您没有该角色。") % {
            "step": transition.label,
            "roles": _role_labels(transition.roles),
        }
    if "recused" in facts.actor_relations and transition.name != "record_recusal":
        return _g("您已回避本案（第六条），不能办理。")
    if transition.relations and not transition.relations & facts.actor_relations:
        if transition.relation_refusal:
            return str(transition.relation_refusal) % {"step": transition.label}
        return RELATION_REFUSALS.get(
            next(iter(sorted(transition.relations))), _g("您不是本案的办理人员。")
        ) % {"step": transition.label}
    for guard in transition.guards:
        if not check_data and guard in DATA_GUARDS:
            continue
        if message := guard(facts, data):
            return str(message)
    return None


def missing_fields(transition: Transition, data: Mapping) -> dict[str, str]:
    return {
        f.name: _g("请填写“%(label)s”。") % {"label": f.label}
        for f in transition.fields
        if f.required and data.get(f.name) in (None, "", [], ())
    }


def check_transition(
    transition: Transition, facts: CaseFacts, roles: Iterable[Role], data: Mapping
) -> None:
    """Raise TransitionRefused unless the step is allowed now with this data."""
    if errors := missing_fields(transition, data):
        raise TransitionRefused(_g("请补全办理所需的信息。"), errors)
    if message := refusal(transition, facts, roles, data):
        raise TransitionRefused(message)


def available_transitions(
    facts: CaseFacts, roles: Iterable[Role]
) -> list[tuple[Transition, str | None]]:
    """The steps this user could take from the case's state, each with its refusal (None if open).

    Only steps the user's roles allow are listed; a step whose guard fails now is listed with the
    reason, so the page can say why it is not possible yet.
    """
    roles = frozenset(roles)
    result = []
    for transition in TRANSITIONS.values():
        if transition.applies is not None and not transition.applies(facts):
            continue
        if facts.state in transition.sources and roles & transition.roles:
            result.append((transition, refusal(transition, facts, roles, {}, check_data=False)))
    return result
