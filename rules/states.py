"""The states of a case (案件状态)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class State(StrEnum):
    RECEIVED = "received"
    REGISTERED = "registered"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    REFERRED = "referred"
    OBJECTED = "objected"
    RETURNED = "returned"
    DISPATCHED = "dispatched"
    REPLIED = "replied"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_REPLIED = "review_replied"
    RE_REVIEW_REQUESTED = "re_review_requested"
    RE_REVIEW_REPLIED = "re_review_replied"
    CLOSED = "closed"
    ARCHIVED = "archived"
    VOIDED = "voided"

    @property
    def label(self) -> StrOrPromise:
        return STATE_LABELS[self]


STATE_LABELS = {
    State.RECEIVED: _("待登记"),
    State.REGISTERED: _("已登记"),
    State.ACCEPTED: _("已受理"),
    State.NOT_ACCEPTED: _("不予受理"),
    State.REFERRED: _("已引导"),
    State.OBJECTED: _("已提出异议"),
    State.RETURNED: _("已退回"),
    State.DISPATCHED: _("已交办"),
    State.REPLIED: _("已答复"),
    State.REVIEW_REQUESTED: _("复查中"),
    State.REVIEW_REPLIED: _("已复查答复"),
    State.RE_REVIEW_REQUESTED: _("复核中"),
    State.RE_REVIEW_REPLIED: _("已复核答复"),
    State.CLOSED: _("已办结"),
    State.ARCHIVED: _("已归档"),
    State.VOIDED: _("已作废"),
}

#: No further handling: nothing can change these cases except archiving (A20.2).
FINAL_STATES = frozenset({State.ARCHIVED, State.VOIDED})
#: Handling has ended (办结、归档、作废): the case is no longer edited and has no due date to show.
ENDED_STATES = FINAL_STATES | {State.CLOSED}
#: States in which the case is still being decided or handled (open in the ledger).
OPEN_STATES = frozenset(
    {
        State.RECEIVED,
        State.REGISTERED,
        State.ACCEPTED,
        State.OBJECTED,
        State.DISPATCHED,
        State.REPLIED,
        State.REVIEW_REQUESTED,
        State.REVIEW_REPLIED,
        State.RE_REVIEW_REQUESTED,
        State.RE_REVIEW_REPLIED,
    }
)


class DraftStatus(StrEnum):
    """Where a reply draft stands in the two-level approval (第十七条, A17.1)."""

    SUBMITTED = "submitted"
    HEAD_APPROVED = "head_approved"
    APPROVED = "approved"
    RETURNED = "returned"
    ISSUED = "issued"

    @property
    def label(self) -> StrOrPromise:
        return DRAFT_STATUS_LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, StrOrPromise]]:
        return [(status.value, status.label) for status in cls]


DRAFT_STATUS_LABELS = {
    DraftStatus.SUBMITTED: _("待科室负责人审核"),
    DraftStatus.HEAD_APPROVED: _("待分管领导审核"),
    DraftStatus.APPROVED: _("审核通过，待答复"),
    DraftStatus.RETURNED: _("已退回修改"),
    DraftStatus.ISSUED: _("已答复"),
}


#: The states in which a reply, review opinion or re-review opinion is being prepared.
REPLY_STAGE_STATES = frozenset(
    {State.DISPATCHED, State.REVIEW_REQUESTED, State.RE_REVIEW_REQUESTED}
)

#: Where the reply stands, for the case's header (第十七条): the draft's status, or None while
#: no draft is in hand (起草中).
REPLY_STANDING_LABELS = {
    None: _("起草中"),
    DraftStatus.SUBMITTED: _("待科室负责人审核"),
    DraftStatus.RETURNED: _("已退回"),
    DraftStatus.HEAD_APPROVED: _("待分管领导审核"),
    DraftStatus.APPROVED: _("待发出"),
}


def reply_standing(state: str, draft_status: str | None) -> StrOrPromise | None:
    """Where the reply of the case's current stage stands; None outside a reply stage."""
    if state not in REPLY_STAGE_STATES:
        return None
    status = DraftStatus(draft_status) if draft_status else None
    # An issued draft belongs to a stage that has ended; a new stage starts with drafting.
    if status == DraftStatus.ISSUED:
        status = None
    return REPLY_STANDING_LABELS[status]
