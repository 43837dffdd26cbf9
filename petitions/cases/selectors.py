"""What the screens show of cases: the case page, the timeline, the staff dashboard.

Views call these and render what they return; the rules of who sees what (masking, scope) are
applied here, once.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from petitions.cases.access import HANDLES_ALL, user_roles, visible_cases
from petitions.cases.hooks import reply_draft_paragraphs
from petitions.cases.log_actions import CaseLogFormatter
from petitions.cases.models import Alert, Case, CaseQuerySet, Deadline, ReplyDraft
from petitions.cases.notices import placeholder_values, template_text, verifications_text
from petitions.cases.people import display_name
from petitions.cases.privacy import mask_address, mask_id_number, mask_name, mask_phone
from petitions.cases.transitions import STAGE_OF_STATE, current_draft, missing_contributions
from rules import calendar
from rules.deadlines import DueStatus, Unit, due_status
from rules.roles import Role
from rules.states import ENDED_STATES, State, reply_standing
from snippets.bureau import bureau_rules
from snippets.models import OwnershipPlan, OwnershipPlanItem
from snippets.templating import render

#: How many cases of each kind the dashboard panel lists.
PANEL_ROWS = 10

# --- the case page -------------------------------------------------------------------------


def timeline_of(case: Case) -> list[ModelLogEntry]:
    """Every logged step of the case, oldest first, read through its registered formatter
    (petitions.cases.log_actions), as Wagtail's history views read it."""
    entries = list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk)
        )
        .select_related("user")
        .order_by("timestamp", "id")
    )
    for entry in entries:
        formatter = log_registry.get_formatter(entry)
        if isinstance(formatter, CaseLogFormatter):
            entry.title = formatter.message
            entry.actor = formatter.actor(entry)
            entry.details = formatter.details(entry)
            entry.state_change = formatter.state_change(entry)
        else:
            entry.title, entry.actor, entry.details, entry.state_change = entry.message, "", [], ""
    return entries


def owning_prefetch() -> Prefetch:
    """The leader items of ownership plans in force (领导包案, A8.1), in one query."""
    return Prefetch(
        "ownership_items",
        OwnershipPlanItem.objects.filter(plan__status=OwnershipPlan.Status.IN_FORCE).select_related(
            "leader", "plan"
        ),
        to_attr="owning_items",
    )


def owning_leaders(case: Case) -> str:
    return "、".join(display_name(item.leader) for item in getattr(case, "owning_items", []))


def ledger_due(case: Case, today: dt.date) -> DueStatus | None:
    """How the case's next due date stands today; None once handling has ended or none is due."""
    if case.next_due_on is None or case.state in ENDED_STATES:
        return None
    return due_status(case.next_due_on, today, bureau_rules().reminder_working_days)


def petitioners_as_seen(case: Case, *, revealed: bool) -> list[dict]:
    """The petitioners, masked (张*, 138****0000) unless this user revealed them (A6.1)."""
    return [
        {
            "name": p.name if revealed else mask_name(p.name),
            "phone": p.phone if revealed else mask_phone(p.phone),
            "id_number": p.id_number if revealed else mask_id_number(p.id_number),
            "address": p.address if revealed else mask_address(p.address),
            "is_representative": p.is_representative,
        }
        for p in case.petitioners.all()
    ]


@dataclass(frozen=True)
class DueExplanation:
    """What a due date says beside it: a natural-day date on a day off names the day (节假日,
    周末); a working-day count names the 调休上班 days it counted."""

    off_day: str = ""
    #: (date, the holiday it makes up for, if the calendar names one).
    adjusted_workdays: tuple[tuple[dt.date, str], ...] = ()


def explain_due(deadline: Deadline) -> DueExplanation:
    if deadline.calculation.get("given_by_channel"):
        return DueExplanation()
    try:
        if deadline.unit == Unit.WORKING_DAYS:
            adjusted = calendar.adjusted_workdays_between(
                deadline.start_on + dt.timedelta(days=1), deadline.due_on
            )
            return DueExplanation(
                adjusted_workdays=tuple(
                    (a.date, a.reason.removeprefix(calendar.REASON_ADJUSTED).lstrip("："))
                    for a in adjusted
                )
            )
        info = calendar.day_info(deadline.due_on)
    except (ValueError, NotImplementedError):
        # A calendar that cannot be built says so on the holiday calendar page.
        return DueExplanation()
    return DueExplanation(off_day="" if info.is_working_day else info.reason)


def case_page(case: Case, *, revealed: bool, may_reveal: bool, today: dt.date) -> dict:
    """Everything the case page shows besides its steps (a case loaded with the page's
    prefetches: petitioners, deadlines, owning items)."""
    deadlines = sorted(case.deadlines.all(), key=lambda d: (d.due_on, d.id))
    for d in deadlines:
        d.explained = explain_due(d)  # type: ignore[attr-defined]  # read by the template
    overdue = {
        d.pk
        for d in deadlines
        if d.status == Deadline.Status.OPEN and not d.is_window and d.due_on < today
    }
    return {
        "petitioners": petitioners_as_seen(case, revealed=revealed),
        "revealed": revealed,
        "can_reveal": may_reveal and not revealed and bool(case.petitioners.all()),
        # Attachments follow the identity rule: only those handling the case download them.
        "may_download": may_reveal,
        "leader_name": display_name(case.leader),
        "handler_name": display_name(case.handler),
        "lead_named_by": display_name(case.lead_named_by),
        "owning": [
            {"leader": display_name(i.leader), "plan": i.plan, "reason": i.get_reason_display()}
            for i in getattr(case, "owning_items", [])
        ],
        "recusals": case.recusals.select_related("user"),
        "reply_standing": reply_standing_of(case),
        "verifications": [
            {"record": v, "evidence": list(v.evidence.all())}
            for v in case.verifications.select_related("recorded_by").prefetch_related("evidence")
        ],
        "contributions": case.contributions.select_related("department", "recorded_by"),
        "missing_contributions": missing_contributions(case) if case.lead_status else [],
        "reply_drafts": case.reply_drafts.select_related(
            "author", "head_approved_by", "leader_approved_by"
        ),
        "bureau_head_name": display_name(case.bureau_head),
        "deadlines": deadlines,
        "overdue_deadline_ids": overdue,
        "timeline": timeline_of(case),
        "provisional": any(d.provisional for d in deadlines if d.status == Deadline.Status.OPEN),
    }


def reply_standing_of(case: Case) -> str:
    """Where the reply of the case's stage stands (起草中, 待科室负责人审核, 已退回, …); ""
    outside a reply stage."""
    draft = current_draft(case)
    label = reply_standing(case.state, draft.status if draft else None)
    return str(label) if label else ""


def reply_draft_start(case: Case) -> dict:
    """Where a new reply draft starts (第十七条): from the draft that was sent back, else from
    the bureau's reply template filled in for this case, its 核查情况 from the verifications
    of this stage (第六条)."""
    returned = current_draft(case)
    if returned is not None and returned.status == ReplyDraft.Status.RETURNED:
        return {"reply_text": returned.text, "method": returned.method}
    _title, body = template_text("reply_draft")
    values = placeholder_values(case)
    values["核查情况"] = verifications_text(case, STAGE_OF_STATE.get(State(case.state)))
    # What the bureau's other systems add (a mediation's outcome, 第十一条) follows the template.
    text = "\n\n".join([render(body, values), *reply_draft_paragraphs(case)])
    return {"reply_text": text}


@dataclass(frozen=True)
class TextChange:
    """A run of a draft's text: kept as it was, deleted, or inserted since the last return."""

    kind: str  # "same", "deleted" or "inserted"
    text: str


def text_changes(before: str, after: str) -> list[TextChange]:
    """What changed from `before` to `after`, character by character (Chinese has no spaces
    to split words at)."""
    changes = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            changes.append(TextChange("same", after[b1:b2]))
            continue
        if a2 > a1:
            changes.append(TextChange("deleted", before[a1:a2]))
        if b2 > b1:
            changes.append(TextChange("inserted", after[b1:b2]))
    return changes


def draft_under_review(case: Case) -> dict | None:
    """The draft an approval or the issue acts on (第十七条), in full, with the last draft that
    was sent back, its comment, and the changes made since."""
    draft = current_draft(case)
    if draft is None or draft.status not in {
        ReplyDraft.Status.SUBMITTED,
        ReplyDraft.Status.HEAD_APPROVED,
        ReplyDraft.Status.APPROVED,
    }:
        return None
    returned = (
        case.reply_drafts.filter(
            stage=draft.stage, status=ReplyDraft.Status.RETURNED, pk__lt=draft.pk
        )
        .select_related("returned_by")
        .order_by("-pk")
        .first()
    )
    return {
        "draft": draft,
        "author": display_name(draft.author),
        "head": display_name(draft.head_approved_by),
        "leader": display_name(draft.leader_approved_by),
        "returned": returned,
        "returned_by": display_name(returned.returned_by) if returned else "",
        "changes": text_changes(returned.text, draft.text) if returned else [],
        "changed": returned is not None and returned.text != draft.text,
    }


def returned_draft(case: Case) -> dict | None:
    """The draft that was sent back, for the redraft form: its comment, who, when."""
    draft = current_draft(case)
    if draft is None or draft.status != ReplyDraft.Status.RETURNED:
        return None
    return {"draft": draft, "returned_by": display_name(draft.returned_by)}


# --- the staff dashboard (A24.2) -----------------------------------------------------------


def my_open_cases(user) -> CaseQuerySet:
    """The open cases a user answers for: all of them for the detachment and the bureau head."""
    cases = Case.objects.open()
    if user.is_superuser or user_roles(user) & HANDLES_ALL:
        return cases
    return cases.filter(
        Q(handler=user)
        | Q(host_department__head=user)
        | Q(supervising_leader=user)
        | Q(host_department__supervising_leader=user)
    )


#: Who records a contact once it is known (第十五条): they see every case waiting for one.
_RECORDS_CONTACT = frozenset({Role.DETACHMENT, Role.DUTY})


def awaiting_contact(user, today: dt.date) -> list[dict]:
    """Every open case this user may see whose petitioner's contact is unclear (第十五条,
    A15.1), longest waiting first, with the days it has waited: no acceptance clock runs for
    them, so nothing else would bring them up."""
    cases = (
        visible_cases(user, Case.objects.open())
        .filter(contact_unclear=True)
        .order_by("received_at", "id")
    )
    return [{"case": c, "waited_days": (today - c.received_on).days} for c in cases]


def dashboard_of(user, today: dt.date) -> dict:
    """What a member of staff sees first: their overdue and due-soon cases, their unread
    alerts about important cases and replies sent back, how many alerts are unread, and the
    cases waiting for a petitioner's contact."""
    cases = my_open_cases(user).select_related("host_department").order_by("next_due_on")
    overdue = cases.overdue(today)
    soon = cases.due_soon(today)
    unread = Alert.objects.filter(recipient=user, read_at__isnull=True)
    important = (
        unread.filter(kind__in=[Alert.Kind.IMPORTANT, Alert.Kind.SEVERE, Alert.Kind.SOCIAL_IMPACT])
        .select_related("case")
        .order_by("-created_at")
    )
    to_act = (
        unread.filter(
            kind__in=[
                Alert.Kind.REPLY_RETURNED,
                Alert.Kind.LEAD_NEEDED,
                Alert.Kind.CONTRIBUTION_NEEDED,
                Alert.Kind.SPOT_CHECK,
            ]
        )
        .select_related("case")
        .order_by("-created_at")
    )
    waiting = awaiting_contact(user, today)
    return {
        "to_act": to_act[:PANEL_ROWS],
        "awaiting_contact": waiting,
        "shows_awaiting_contact": bool(waiting) or bool(user_roles(user) & _RECORDS_CONTACT),
        "today": today,
        "overdue": overdue[:PANEL_ROWS],
        "overdue_count": overdue.count(),
        "soon": soon[:PANEL_ROWS],
        "soon_count": soon.count(),
        "important": important[:PANEL_ROWS],
        "unread_count": unread.count(),
    }
