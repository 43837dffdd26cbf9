"""Taking a case through its steps (转办流程): the only code that changes a case's state.

Views, commands and the worker call these functions; they never set `Case.state` themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import transaction
from django.db.models import Model, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import get_active_log_context, log
from wagtail.models import ModelLogEntry

from petitions.cases.access import co_departments_of, handles, relations, user_roles
from petitions.cases.attachments import store_attachments
from petitions.cases.bulk_rows import insert_new
from petitions.cases.deadlines import (
    close_deadlines,
    local_today,
    open_deadline,
    refresh_next_due,
    reply_rule_key,
)
from petitions.cases.duplicates import (
    earlier_case,
    earlier_facts,
    index_case,
    join_petitioners,
)
from petitions.cases.models import (
    Alert,
    Case,
    Contribution,
    Deadline,
    LeadStatus,
    Petitioner,
    Recusal,
    Reply,
    ReplyDraft,
    Supervision,
    Transfer,
    Verification,
)
from petitions.cases.notices import (
    co_department_names,
    enqueue_petitioner_message,
    enqueue_petitioner_messages,
    reply_template_instructions,
)
from petitions.cases.people import display_name
from petitions.cases.privacy import mask_name, mask_phone
from petitions.cases.signals import staff_alert_requested
from rules.deadlines import DEFAULT_RULES, REPLY_RULES, RuleKey
from rules.roles import Role
from rules.states import State
from rules.transitions import (
    RE_REVIEW_FINAL_ROUTE,
    CaseFacts,
    Transition,
    TransitionRefused,
    check_transition,
    get_transition,
)
from snippets.models import BureauLeadership, Department
from snippets.responsibility import propose_for_case

STAGE_OF_STATE = {
    State.DISPATCHED: "reply",
    State.REVIEW_REQUESTED: "review",
    State.RE_REVIEW_REQUESTED: "re_review",
}


def _draft_in_review(case: Case) -> ReplyDraft:
    """The draft a review or issue step acts on; the table's guards ensure there is one."""
    draft = current_draft(case)
    if draft is None:
        raise TransitionRefused(_("没有待审核的答复稿。"))
    return draft


def current_draft(case: Case) -> ReplyDraft | None:
    stage = STAGE_OF_STATE.get(State(case.state))
    if stage is None:
        return None
    return case.reply_drafts.filter(stage=stage).order_by("-id").first()


def _in_review(draft: ReplyDraft | None) -> bool:
    return draft is not None and draft.status in {
        ReplyDraft.Status.SUBMITTED,
        ReplyDraft.Status.HEAD_APPROVED,
        ReplyDraft.Status.APPROVED,
    }


def missing_contributions(case: Case) -> list[Department]:
    """The co-handling departments (协办科室) that have not yet given their 会办意见."""
    given = set(case.contributions.values_list("department_id", flat=True))
    return [
        d
        for d in case.co_departments.order_by("sort_order", "name")
        if d.pk not in given and d.pk != case.host_department_id
    ]


def case_facts(case: Case, today: dt.date, user=None) -> CaseFacts:

    draft = current_draft(case)
    in_review = draft if _in_review(draft) else None
    stage = STAGE_OF_STATE.get(State(case.state))
    instructions = reply_template_instructions() if stage else ()
    co_ids = frozenset(case.co_departments.values_list("pk", flat=True)) - {case.host_department_id}
    windows = {
        d.rule: d.due_on
        for d in case.deadlines.all()
        if d.is_window and d.status in {Deadline.Status.OPEN, Deadline.Status.LAPSED}
    }
    return CaseFacts(
        state=State(case.state),
        today=today,
        is_superior_assigned=case.channel.is_superior_assigned,
        review_window_due=windows.get(RuleKey.REVIEW_REQUEST_WINDOW),
        re_review_window_due=windows.get(RuleKey.RE_REVIEW_REQUEST_WINDOW),
        objection_window_due=windows.get(RuleKey.OBJECTION_WINDOW),
        has_host_department=case.host_department_id is not None,
        draft_status=draft.status if draft else None,
        actor_id=getattr(user, "pk", None),
        actor_roles=user_roles(user),
        actor_relations=relations(user, case) if user is not None else frozenset(),
        recused_user_ids=frozenset(case.recusals.values_list("user_id", flat=True)),
        social_impact=case.important_social_impact,
        contact_unclear=case.contact_unclear,
        received_on=case.received_on,
        verifications=case.verifications.filter(stage=stage).count() if stage else 0,
        template_instructions=instructions,
        draft_author_id=in_review.author_id if in_review else None,
        draft_instructions_left=(
            tuple(i for i in instructions if i in in_review.text) if in_review else ()
        ),
        department_ids=co_ids | ({case.host_department_id} if case.host_department_id else set()),
        has_co_departments=bool(co_ids),
        lead_named=case.lead_status == LeadStatus.NAMED,
        missing_contributions=tuple(d.name for d in missing_contributions(case)) if co_ids else (),
        actor_co_department_ids=co_departments_of(user, case) if co_ids else frozenset(),
    )


def _jsonable(value):
    if isinstance(value, File):
        return value.name
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, (list, tuple, set)) or hasattr(value, "model"):
        return [_jsonable(v) for v in value]
    return value


def _accept(case: Case, data: Mapping, user) -> None:
    case.accepted_on = data["accepted_on"]
    close_deadlines(
        case, [RuleKey.ACCEPTANCE_DIRECT, RuleKey.ACCEPTANCE_ASSIGNED, RuleKey.OBJECTION_ASSIGNED]
    )
    case.decision = {**case.decision, "notice_method": data["notice_method"]}
    open_deadline(case, reply_rule_key(case), case.accepted_on)


def _decide(case: Case, data: Mapping, user, keys: Sequence[str]) -> None:
    close_deadlines(
        case, [RuleKey.ACCEPTANCE_DIRECT, RuleKey.ACCEPTANCE_ASSIGNED, RuleKey.OBJECTION_ASSIGNED]
    )
    case.decision = {**case.decision, **{k: _jsonable(data.get(k, "")) for k in keys}}


def _register(case: Case, data: Mapping, user) -> None:
    case.kind = data["kind"]
    case.save(update_fields=["kind"])
    case.categories.set(data["categories"])


def _earlier(case: Case, data: Mapping) -> Case:
    """The earlier case of a link or a decline, locked by perform_transition before the guards."""
    earlier = earlier_case(case, data["earlier_case"])
    if earlier is None:  # the guards refused already; kept for the type checker
        raise TransitionRefused(
            _("没有编号为 %(number)s 的案件。") % {"number": data["earlier_case"]}
        )
    return earlier


def _decline(case: Case, data: Mapping, user) -> None:
    data = dict(data)
    reason_kind = data.get("reason_kind")
    cites = reason_kind in ("duplicate", "after_re_review") and data.get("earlier_case")
    if cites:
        earlier = _earlier(case, data)
        data["earlier_case"] = earlier.number
        if reason_kind == "after_re_review" and not data.get("legal_route"):
            data["legal_route"] = str(RE_REVIEW_FINAL_ROUTE)
    else:
        data["earlier_case"] = ""
    _decide(case, data, user, ["reason_kind", "earlier_case", "reason", "legal_route"])
    if cites:
        # The earlier case's timeline says the matter was raised again and declined.
        log(
            instance=earlier,
            action="petitions.repeat_declined",
            user=user,
            data={"fields": {"later_case": case.number, "reason_kind": reason_kind}},
        )


def _link_duplicate(case: Case, data: Mapping, user) -> None:
    """第十四条: the same matter, already accepted or being handled, is not accepted again; the
    petitioners join the earlier case, which alone keeps the clock and gives the reply."""
    earlier = _earlier(case, data)
    added = join_petitioners(case, earlier)
    if added:
        index_case(earlier)
    data = {**data, "earlier_case": earlier.number, "reason_kind": "duplicate", "linked": True}
    _decide(case, data, user, ["reason_kind", "earlier_case", "reason", "linked"])
    log(
        instance=earlier,
        action="petitions.duplicate_joined",
        user=user,
        data={
            "fields": {
                "joined_case": case.number,
                "petitioners": "、".join(mask_name(p.name) or mask_phone(p.phone) for p in added),
            }
        },
    )


def _refer(case: Case, data: Mapping, user) -> None:
    entry = data.get("referral_entry")
    data = dict(data)
    if entry is not None:
        data["competent_agency"] = data.get("competent_agency") or entry.agency
        data["agency_contact"] = data.get("agency_contact") or entry.contact
        data["referral_entry"] = entry.pk
    _decide(case, data, user, ["competent_agency", "agency_contact", "guidance", "referral_entry"])


def _dispatch(case: Case, data: Mapping, user) -> None:

    host: Department = data["host_department"]
    proposal = propose_for_case(case)
    case.host_department = host
    case.supervising_leader = host.supervising_leader
    case.handler = data.get("handler")
    case.save(update_fields=["host_department", "supervising_leader", "handler"])
    co_departments = [d for d in data.get("co_departments") or [] if d.pk != host.pk]
    case.co_departments.set(co_departments)
    # 第十六条: for several departments the host is the detachment's proposal of the lead
    # department, which the leader supervising petition work names.
    case.lead_status = LeadStatus.PROPOSED if co_departments else ""
    case.lead_named_by = None
    if co_departments:
        leader = BureauLeadership.load().petition_leader
        _alert(
            case,
            [leader],
            Alert.Kind.LEAD_NEEDED,
            f"lead_needed:{case.pk}",
            _(
                "案件 %(number)s 涉及%(departments)s，支队建议由%(host)s牵头，请指定牵头科室（第十六条）。"
            )
            % {
                "number": case.number,
                "departments": "、".join(d.name for d in [host, *co_departments]),
                "host": host.name,
            },
            link=_step_url(case, "designate_lead"),
        )
    # Both the table's proposal and the choice made are kept (A16.1).
    case.decision = {
        **case.decision,
        "dispatch_basis": data["basis"],
        "leader_instruction": data.get("leader_instruction", ""),
        "proposed_department": proposal.department.name if proposal else "",
        "proposed_by_rule": proposal.pk if proposal else None,
        "followed_proposal": bool(proposal and proposal.department_id == host.pk),
    }


def _step_url(case: Case, name: str) -> str:
    return reverse("cases:transition", args=[case.pk, name])


def _alert(case: Case, recipients, kind: str, key: str, message: str, *, link: str = "") -> None:
    staff_alert_requested.send(
        sender=Case,
        case=case,
        recipients=[r for r in recipients if r is not None],
        kind=kind,
        key=key,
        message=message,
        link=link,
    )


def _designate_lead(case: Case, data: Mapping, user) -> None:
    """第十六条: the leader supervising petition work names the lead department; the proposed
    host becomes a co-handling department if another is named."""
    lead: Department = data["lead_department"]
    old = case.host_department
    if old is not None and old.pk != lead.pk:
        case.co_departments.remove(lead)
        case.co_departments.add(old)
        case.host_department = lead
        case.supervising_leader = lead.supervising_leader
        handler = case.handler
        if handler is not None and not (
            lead.head_id == handler.pk or lead.staff.filter(pk=handler.pk).exists()
        ):
            case.handler = None
    case.lead_status = LeadStatus.NAMED
    case.lead_named_by = user
    case.decision = {
        **case.decision,
        "lead_department": lead.name,
        "lead_named_by": display_name(user),
    }
    waiting = missing_contributions(case)
    _alert(
        case,
        [d.head for d in waiting],
        Alert.Kind.CONTRIBUTION_NEEDED,
        f"contribution:{case.pk}:{lead.pk}",
        _("案件 %(number)s 由%(lead)s牵头办理，请录入贵科室的会办意见（第十六条）。")
        % {"number": case.number, "lead": lead.name},
        link=_step_url(case, "record_contribution"),
    )


def _record_contribution(case: Case, data: Mapping, user) -> None:
    Contribution.objects.create(
        case=case,
        stage=STAGE_OF_STATE[State(case.state)],
        department=data["department"],
        opinion=data["opinion"],
        recorded_by=user,
    )


def _record_verification(case: Case, data: Mapping, user) -> None:
    verification = Verification.objects.create(
        case=case,
        stage=STAGE_OF_STATE[State(case.state)],
        subject=data["subject"],
        checked_on=data["checked_on"],
        place=data["place"],
        checked_by=data["checked_by"],
        methods=list(data["methods"]),
        findings=data["findings"],
        conclusion=data["conclusion"],
        recorded_by=user,
    )
    store_attachments(
        case,
        data.get("evidence") or [],
        user=user,
        verification=verification,
        note=_("核查证据：%(subject)s") % {"subject": data["subject"]},
    )


def _add_attachment(case: Case, data: Mapping, user) -> None:
    store_attachments(case, data["files"], user=user, note=data.get("note") or "")


def _record_contact(case: Case, data: Mapping, user) -> None:
    """第十五条: the contact is known; a direct petition not yet decided gets its clock now."""
    petitioner = case.petitioners.order_by("id").first()
    if petitioner is None:
        petitioner = Petitioner(case=case)
    petitioner.phone = data["phone"]
    if data.get("name"):
        petitioner.name = data["name"]
    petitioner.save()
    index_case(case)
    case.contact_unclear = False
    case.decision = {**case.decision, "contact_known_on": data["known_on"].isoformat()}
    undecided = case.state in {State.RECEIVED, State.REGISTERED}
    if undecided and not case.channel.is_superior_assigned:
        open_deadline(case, RuleKey.ACCEPTANCE_DIRECT, data["known_on"])


def _transfer(case: Case, data: Mapping, user) -> None:
    Transfer.objects.create(
        case=case,
        agency=data["agency"],
        content=data["content"],
        transferred_on=data["transferred_on"],
        recorded_by=user,
    )


def _replier(stage: str, met: Sequence[str], opens: Sequence[str]):
    def apply(case: Case, data: Mapping, user) -> None:
        draft = _draft_in_review(case)
        Reply.objects.create(
            case=case,
            stage=stage,
            text=draft.text,
            replied_on=data["replied_on"],
            received_on=data["received_on"],
            method=draft.method,
            # Only review and re-review opinions carry one (A21.1); a first reply stays blank.
            outcome=(data.get("outcome") or "") if stage != "reply" else "",
            author=draft.author,
            department=case.host_department,
            jointly_with=co_department_names(case),
        )
        draft.status = ReplyDraft.Status.ISSUED
        draft.save(update_fields=["status", "updated_at"])
        close_deadlines(case, met)
        for key in opens:
            open_deadline(case, key, data["received_on"])

    return apply


def _requester(windows: Sequence[str], opinion: str):
    def apply(case: Case, data: Mapping, user) -> None:
        close_deadlines(case, windows)
        open_deadline(case, opinion, data["requested_on"])

    return apply


def _draft_reply(case: Case, data: Mapping, user) -> None:
    ReplyDraft.objects.create(
        case=case,
        stage=STAGE_OF_STATE[State(case.state)],
        text=data["reply_text"],
        method=data["method"],
        status=ReplyDraft.Status.SUBMITTED,
        author=user,
    )


def _review_draft(status: str, approver_field: str | None = None):
    def apply(case: Case, data: Mapping, user) -> None:
        draft = _draft_in_review(case)
        draft.status = status
        fields = ["status", "updated_at"]
        if approver_field:
            setattr(draft, approver_field, user)
            fields.append(approver_field)
        draft.save(update_fields=fields)

    return apply


def _return_draft(case: Case, data: Mapping, user) -> None:
    """Sent back with a comment (第十七条): the drafter is told at once and redrafts from it."""
    draft = _draft_in_review(case)
    draft.status = ReplyDraft.Status.RETURNED
    draft.returned_by = user
    draft.returned_at = timezone.now()
    draft.return_comment = data["comment"]
    draft.save(
        update_fields=["status", "returned_by", "returned_at", "return_comment", "updated_at"]
    )
    _alert(
        case,
        [draft.author, case.handler],
        Alert.Kind.REPLY_RETURNED,
        f"reply_returned:{draft.pk}",
        _("案件 %(number)s 的答复稿被%(who)s退回：%(comment)s")
        % {"number": case.number, "who": display_name(user), "comment": data["comment"]},
        link=_step_url(case, "draft_reply"),
    )


def _record_recusal(case: Case, data: Mapping, user) -> None:
    Recusal.objects.create(case=case, user=data["person"], reason=data["reason"], recorded_by=user)
    if case.handler_id == data["person"].pk:
        case.handler = None


def record_recusal_as_administrator(*, case: Case, person, reason: str, recorded_by) -> Recusal:
    """回避 recorded by a system administrator, who handles no case and sees none (A6.2)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if Recusal.objects.filter(case=locked, user=person).exists():
            raise TransitionRefused(_("该人员已回避本案。"))
        recusal = Recusal.objects.create(
            case=locked, user=person, reason=reason, recorded_by=recorded_by
        )
        if locked.handler_id == person.pk:
            locked.handler = None
            locked.save(update_fields=["handler", "updated_at"])
        log(
            instance=locked,
            action="petitions.record_recusal",
            user=recorded_by,
            data={"fields": {"person": str(person), "reason": reason}},
        )
    return recusal


def _close(case: Case, data: Mapping, user) -> None:
    close_deadlines(
        case,
        [RuleKey.REVIEW_REQUEST_WINDOW, RuleKey.RE_REVIEW_REQUEST_WINDOW, RuleKey.OBJECTION_WINDOW],
        status=Deadline.Status.LAPSED,
    )


def _archive(case: Case, data: Mapping, user) -> None:
    case.archive_number = data["archive_number"]
    case.retention_period = data["retention_period"]


def _void(case: Case, data: Mapping, user) -> None:
    close_deadlines(
        case, DEFAULT_RULES.keys() | {RuleKey.SOURCE_DEADLINE}, Deadline.Status.CANCELLED
    )
    case.decision = {**case.decision, "void_reason": data["reason"]}


EFFECTS = {
    "register": _register,
    "accept": _accept,
    "decline": _decline,
    "link_duplicate": _link_duplicate,
    "refer": _refer,
    "object": lambda c, d, u: _decide(c, d, u, ["objection_reasons"]),
    "overrule_objection": lambda c, d, u: None,
    "return_materials": lambda c, d, u: _decide(c, d, u, ["approval", "returned_on"]),
    "dispatch": _dispatch,
    "transfer": _transfer,
    "reply": _replier(
        "reply",
        [*REPLY_RULES, RuleKey.SOURCE_DEADLINE],
        [RuleKey.REVIEW_REQUEST_WINDOW, RuleKey.OBJECTION_WINDOW],
    ),
    "request_review": _requester(
        [RuleKey.REVIEW_REQUEST_WINDOW, RuleKey.OBJECTION_WINDOW], RuleKey.REVIEW_OPINION
    ),
    "reply_review": _replier(
        "review", [RuleKey.REVIEW_OPINION], [RuleKey.RE_REVIEW_REQUEST_WINDOW]
    ),
    "request_re_review": _requester([RuleKey.RE_REVIEW_REQUEST_WINDOW], RuleKey.RE_REVIEW_OPINION),
    "reply_re_review": _replier("re_review", [RuleKey.RE_REVIEW_OPINION], []),
    "close": _close,
    "archive": _archive,
    "void": _void,
    "draft_reply": _draft_reply,
    "approve_reply_head": _review_draft(ReplyDraft.Status.HEAD_APPROVED, "head_approved_by"),
    "return_reply_head": _return_draft,
    "approve_reply_leader": _review_draft(ReplyDraft.Status.APPROVED, "leader_approved_by"),
    "return_reply_leader": _return_draft,
    "record_recusal": _record_recusal,
    "record_contact": _record_contact,
    "designate_lead": _designate_lead,
    "record_contribution": _record_contribution,
    "record_verification": _record_verification,
    "add_attachment": _add_attachment,
    "record_impact_report": lambda c, d, u: _decide(
        c, d, u, ["reported_to", "reported_on", "report_content"]
    ),
}


def perform_transition(
    case: Case,
    name: str,
    *,
    user=None,
    data: Mapping | None = None,
    system: bool = False,
    petitioner: bool = False,
    today: dt.date | None = None,
) -> Case:
    """Take one step of the transition table, atomically, and log it; or refuse and change nothing.

    `system=True` acts as the rules themselves (the worker closing a case), with no user.
    `petitioner=True` acts as the petitioner on the public site (信访人（网上）), with no user:
    the caller has checked the case number and query code (petitions.intake.public_requests); the
    table lets this actor ask for a review or re-review and nothing else.
    Raises TransitionRefused with a message that names the rule.
    """
    if system and petitioner:
        raise ValueError("a step is taken by the system or by the petitioner, not both")
    transition = get_transition(name)
    data = dict(data or {})
    if system or petitioner:
        user = None
        roles = frozenset({Role.SYSTEM if system else Role.PETITIONER})
    else:
        roles = user_roles(user)
    today = today or local_today()
    with transaction.atomic():
        # Lock the case and re-read its state: two people acting at once cannot both succeed.
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("channel", "host_department")
            .prefetch_related("deadlines", "channel__deadline_overrides")
            .get(pk=case.pk)
        )
        facts = case_facts(locked, today, user)
        if data.get("earlier_case") and any(f.name == "earlier_case" for f in transition.fields):
            # 第十四条, 第十九条第三款: the earlier case is read (and held) for the guards.
            earlier = earlier_case(locked, data["earlier_case"], lock=True)
            facts = dataclasses.replace(facts, earlier=earlier_facts(locked, earlier))
        check_transition(transition, facts, roles, data)
        # Reading a case is not handling it: the office and discipline inspection only read.
        if not (system or petitioner) and not handles(user, locked):
            raise TransitionRefused(_("您无权办理此案件：它不在您所在科室或分管范围内。"))
        source = locked.state
        # A refusal above speaks the user's language; the records below the bureau's.
        with translation.override(settings.LANGUAGE_CODE):
            EFFECTS[name](locked, data, user)
            if transition.target is not None:
                locked.state = transition.target
            refresh_next_due(locked)
            locked.save()
            enqueue_petitioner_message(locked, name)
            log(
                instance=locked,
                action=transition.log_action,
                user=user,
                data={
                    "from": source,
                    "to": locked.state,
                    "system": system,
                    "petitioner": petitioner,
                    "fields": _logged_fields(transition, data),
                },
            )
    return locked


def close_set_wise(comments: Mapping[int, str], *, today: dt.date) -> tuple[list[int], list[int]]:
    """The system's closing (办结, 第二十条) of many cases at once: (closed ids, refused ids).

    Each case is checked by the same table and guards as `perform_transition(case, "close",
    system=True, data={"comment": …})` and gets the same effects: its windows lapsed, its
    supervisions resolved, its state and next due date, the petitioner's message and one audit
    entry in its timeline with the same data. What differs is the cost: a fixed number of
    statements for the whole set, in one transaction, instead of some seventeen per case.

    The facts read are the ones the closing's guards use (the state and the petitioner's
    windows): a guard added to "close" that reads other facts must be read here too.
    """
    transition = get_transition("close")
    roles = frozenset({Role.SYSTEM})
    closed: list[Case] = []
    refused: list[int] = []
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .filter(pk__in=list(comments))
            .order_by("pk")
        )
        windows: dict[int, dict[str, dt.date]] = {case.pk: {} for case in cases}
        for case_id, rule, due_on in Deadline.objects.filter(
            case__in=cases,
            is_window=True,
            status__in=[Deadline.Status.OPEN, Deadline.Status.LAPSED],
        ).values_list("case_id", "rule", "due_on"):
            windows[case_id][rule] = due_on
        for case in cases:
            found = windows[case.pk]
            facts = CaseFacts(
                state=State(case.state),
                today=today,
                review_window_due=found.get(RuleKey.REVIEW_REQUEST_WINDOW),
                re_review_window_due=found.get(RuleKey.RE_REVIEW_REQUEST_WINDOW),
                objection_window_due=found.get(RuleKey.OBJECTION_WINDOW),
            )
            try:
                check_transition(transition, facts, roles, {"comment": comments[case.pk]})
            except TransitionRefused:
                refused.append(case.pk)
                continue
            closed.append(case)
        if not closed:
            return [], refused
        ids = [case.pk for case in closed]
        now = timezone.now()
        with translation.override(settings.LANGUAGE_CODE):
            # _close, for the set.
            windows_closed = [
                RuleKey.REVIEW_REQUEST_WINDOW,
                RuleKey.RE_REVIEW_REQUEST_WINDOW,
                RuleKey.OBJECTION_WINDOW,
            ]
            Deadline.objects.filter(
                case_id__in=ids, rule__in=windows_closed, status=Deadline.Status.OPEN
            ).update(status=Deadline.Status.LAPSED, met_at=now)
            Supervision.objects.filter(
                case_id__in=ids, deadline__rule__in=windows_closed, resolved_at__isnull=True
            ).update(resolved_at=now)
            # refresh_next_due, for the set: the first open staff deadline of each case.
            nearest: dict[int, tuple[dt.date, str]] = {}
            for case_id, due_on, label in (
                Deadline.objects.filter(
                    case_id__in=ids, status=Deadline.Status.OPEN, is_window=False
                )
                .order_by("case_id", "due_on", "id")
                .values_list("case_id", "due_on", "label")
            ):
                nearest.setdefault(case_id, (due_on, label))
            sources = {}
            for case in closed:
                sources[case.pk] = case.state
                case.state = State.CLOSED  # the closing's target
                case.next_due_on, case.next_due_label = nearest.get(case.pk, (None, ""))
                case.updated_at = now
            # One UPDATE for the set (bulk_update's CASE per row cost more CPU than the
            # closing itself); the nearest open staff deadline as refresh_next_due finds it.
            first_open = Deadline.objects.filter(
                case_id=OuterRef("pk"), status=Deadline.Status.OPEN, is_window=False
            ).order_by("due_on", "id")
            Case.objects.filter(pk__in=ids).update(
                state=State.CLOSED,
                updated_at=now,
                next_due_on=Subquery(first_open.values("due_on")[:1]),
                next_due_label=Coalesce(Subquery(first_open.values("label")[:1]), Value("")),
            )
            enqueue_petitioner_messages(closed, "close")
            log_set_wise(
                [
                    (
                        case,
                        {
                            "from": sources[case.pk],
                            "to": case.state,
                            "system": True,
                            "petitioner": False,
                            "fields": _logged_fields(transition, {"comment": comments[case.pk]}),
                        },
                    )
                    for case in closed
                ],
                transition.log_action,
                timestamp=now,
            )
    return ids, refused


def log_set_wise(
    entries: Sequence[tuple[Case, dict]],
    action: str,
    *,
    timestamp: dt.datetime | None = None,
) -> None:
    """Audit entries, one per (case, data), in one INSERT: what `wagtail.log_actions.log(
    instance=case, action=…, data=…)` writes for each (the user and uuid of the active log
    context, the case's number as the label), without a statement per entry."""
    context = get_active_log_context()
    content_type = ContentType.objects.get_for_model(Case, for_concrete_model=False)
    timestamp = timestamp or timezone.now()
    user_id = context.user.pk if context.user is not None else None
    insert_new(
        ModelLogEntry,
        (
            {
                "content_type": content_type.pk,
                "label": str(case) or f"Case object ({case.pk})",
                "action": action,
                "timestamp": timestamp,
                "data": data,
                "object_id": str(case.pk),
                "user": user_id,
                "uuid": context.uuid,
            }
            for case, data in entries
        ),
    )


_MASKS = {"name": mask_name, "phone": mask_phone}


def _logged_fields(transition: Transition, data: Mapping) -> dict:
    """The step's data as the audit log keeps it: the petitioner's identity masked (A6.1)."""
    identity = {spec.name: spec.identity for spec in transition.fields if spec.identity}
    return {
        k: _MASKS[identity[k]](str(v)) if k in identity and v else _jsonable(v)
        for k, v in data.items()
    }
