"""What the petitioner asks for online, without an account (X.1): 复查, 复核 and 满意度评价.

The petitioner proves who they are with the case number and the query code
(`petitions.intake.find_case_for_lookup`, rate limited by the caller); a page that already
checked them carries the proof on as a signed token that lasts 30 minutes (`proof_token`,
`case_from_proof`), never the query code itself. The functions below take a case whose proof
the caller has checked.

Functions for the views and the JSON API (keep these names and signatures):

- ``request_option(case) -> RequestOption``: whether a review or re-review may be asked now,
  until when; or why not and what route remains.
- ``request_review_online(case, *, request_text: str) -> Case``: 复查 (第十九条第一款, A19.1).
- ``request_re_review_online(case, *, request_text: str) -> Case``: 复核 (第十九条第二款, A19.2).
- ``request_online(case, *, request_text: str) -> Case``: whichever of the two is open now.
- ``feedback_option(case) -> FeedbackOption``: the reply that may be rated now, or why none.
- ``record_feedback(case, *, rating: int, comment: str = "") -> Feedback``: 满意度评价 of the
  latest reply, once per reply (X.1, A21.1).

Each raises ``PublicRequestRefused(message, route, field=None)`` when the rules say no: ``message``
is the reason to show the petitioner, ``route`` what they can still do, ``field`` the form field
at fault when the step is possible but the input is not. A refused call changes nothing.

A request is a step of the transition table taken by `perform_transition(..., petitioner=True)`:
atomic, in the audit log as the petitioner's (not a staff member's), with the opinion's deadline
opened and the petitioner's message queued. After a re-review nothing more is accepted (A19.3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _g
from wagtail.log_actions import log

from petitions.cases.models import Case, Deadline, Feedback, Reply
from petitions.cases.transitions import case_facts, perform_transition
from rules.roles import Role
from rules.states import State
from rules.transitions import TRANSITIONS, TransitionRefused, refusal

#: How long the proof from a status lookup lasts on the following pages.
PROOF_MAX_AGE = 30 * 60
_PROOF_SALT = "petitions.public_requests.proof"

REQUEST_TEXT_MAX = 5000
COMMENT_MAX = 2000


class PublicRequestRefused(Exception):
    """The petitioner may not do this now: why not (`message`) and what remains (`route`)."""

    def __init__(self, message: str, route: str = "", *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.route = route
        self.field = field


# --- the proof carried from the status lookup ---------------------------------------------------


def proof_token(case: Case) -> str:
    """A signed token naming the case, for a page that has just checked number and code."""
    return signing.TimestampSigner(salt=_PROOF_SALT).sign(str(case.pk))


def case_from_proof(token: str) -> Case | None:
    """The case of a token no older than PROOF_MAX_AGE, or None (forged, expired or empty)."""
    try:
        pk = signing.TimestampSigner(salt=_PROOF_SALT).unsign(
            (token or "")[:200], max_age=PROOF_MAX_AGE
        )
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return (
        Case.objects.filter(pk=int(pk))
        .filter(Q(public_submission__isnull=False) | Q(query_code__isnull=False))
        .first()
    )


# --- review and re-review (复查、复核) ------------------------------------------------------------


class RequestKind(StrEnum):
    REVIEW = "review"
    RE_REVIEW = "re_review"

    @property
    def label(self) -> str:
        return _g("复查") if self == RequestKind.REVIEW else _g("复核")

    @property
    def transition(self) -> str:
        return f"request_{self.value}"

    @property
    def window_rule(self) -> str:
        return f"{self.value}_request_window"

    @property
    def opinion_rule(self) -> str:
        return f"{self.value}_opinion"


_KIND_OF_STATE = {State.REPLIED: RequestKind.REVIEW, State.REVIEW_REPLIED: RequestKind.RE_REVIEW}


@dataclass(frozen=True)
class RequestOption:
    """What the petitioner can ask now: `kind` until `due_on`, or nothing, with `reason`/`route`."""

    kind: RequestKind | None = None
    due_on: dt.date | None = None
    reason: str = ""
    route: str = ""

    @property
    def possible(self) -> bool:
        return self.kind is not None


def _day(value: dt.date) -> str:
    """The date in the visitor's language: 2026年11月29日 in Chinese (Django's zh_Hans format)."""
    return date_format(value, "DATE_FORMAT")


def _statutory_route() -> str:
    return _g(
        "依法应当通过行政复议、行政诉讼等法定途径解决的，请依照《行政复议法》《行政诉讼法》"
        "的规定提出（申请行政复议一般自知道该行政行为之日起60日内，"
        "提起行政诉讼一般自知道之日起6个月内）。"
    )


def _lapsed_route() -> str:
    return _g("如有新的事实和理由，可以作为新的信访事项重新提出。") + _statutory_route()


def _window_due(case: Case, kind: RequestKind) -> dt.date | None:
    window = (
        (case.deadlines.filter(rule=kind.window_rule).exclude(status=Deadline.Status.CANCELLED))
        .order_by("-id")
        .first()
    )
    return window.due_on if window else None


def _lapsed(case: Case, kind: RequestKind) -> RequestOption:
    """The window for `kind` has passed: the reply (or review opinion) is final (第二十条)."""
    due = _window_due(case, kind)
    if kind == RequestKind.REVIEW:
        reason = _g(
            "复查请求期限已过：信访人应自收到书面答复之日起30日内请求复查（第十九条第一款）"
        )
        final = _g("逾期未请求复查的，答复意见即为最终处理意见，本事项视为办结（第二十条）。")
    else:
        reason = _g(
            "复核请求期限已过：信访人应自收到复查意见之日起30日内请求复核（第十九条第二款）"
        )
        final = _g("逾期未请求复核的，复查意见即为最终处理意见，本事项视为办结（第二十条）。")
    if due is not None:
        reason += _g("，本事项的期限至%(due)s") % {"due": _day(due)}
    return RequestOption(reason=f"{reason}。{final}", route=_lapsed_route())


def _after_re_review() -> RequestOption:
    return RequestOption(
        reason=_g(
            "本事项已经复核，复核意见为最终处理意见。对复核意见不服，仍然以同一事实和理由投诉的，"
            "不再受理（第十九条第三款），本事项的信访程序已经终结。"
        ),
        route=_g("如有新的事实和理由，可以作为新的信访事项重新提出。") + _statutory_route(),
    )


def _pending(case: Case, kind: RequestKind) -> RequestOption:
    opinion = case.deadlines.filter(rule=kind.opinion_rule, status=Deadline.Status.OPEN).first()
    if kind == RequestKind.REVIEW:
        reason = _g("您的复查请求已经收到，正在办理，不需要再次提出。")
        due = _g("复查意见将于%(due)s前书面答复您（第十九条第一款）。")
        route = _g("收到复查意见后，如仍不服，可以自收到之日起30日内请求复核（第十九条第二款）。")
    else:
        reason = _g("您的复核请求已经收到，正在办理，不需要再次提出。")
        due = _g("复核意见将于%(due)s前书面答复您（第十九条第二款）。")
        route = _g(
            "复核意见为最终处理意见；对复核意见不服，仍然以同一事实和理由投诉的，"
            "不再受理（第十九条第三款）。"
        )
    if opinion is not None:
        reason += due % {"due": _day(opinion.due_on)}
    return RequestOption(reason=reason, route=route)


def _closed_without_reply(case: Case) -> RequestOption:
    """Not accepted, referred or returned (also once archived): no reply to review."""
    decision = case.decision or {}
    if decision.get("competent_agency"):
        reason = _g(
            "本事项不属于本局职权，已引导您向有权处理的机关反映，本局不作答复，不能请求复查。"
        )
        if decision.get("agency_contact"):
            route = _g("请向%(agency)s反映（联系方式：%(contact)s）。")
        else:
            route = _g("请向%(agency)s反映。")
        route %= {"agency": decision["competent_agency"], "contact": decision.get("agency_contact")}
        return RequestOption(reason=reason, route=route)
    if decision.get("reason_kind"):
        return RequestOption(
            reason=_g("本事项不予受理，没有可以请求复查的答复意见（第十四条）。"),
            route=decision.get("legal_route") or _statutory_route(),
        )
    if decision.get("returned_on") or case.state == State.RETURNED:
        return RequestOption(
            reason=_g("本事项不属于本局职权，材料已退回交办机关，本局不作答复，不能请求复查。"),
            route=_g("请向原交办机关了解办理情况。"),
        )
    return RequestOption(
        reason=_g("本事项没有书面答复，不能请求复查。"),
        route=_g("如需反映问题，可以重新提出信访事项。"),
    )


def request_option(case: Case, *, today: dt.date | None = None) -> RequestOption:
    """Whether the petitioner may ask for a review or re-review now, and if not why not."""
    today = today or timezone.localdate()
    state = State(case.state)
    if (kind := _KIND_OF_STATE.get(state)) is not None:
        facts = case_facts(case, today)
        refused = refusal(
            TRANSITIONS[kind.transition],
            facts,
            {Role.PETITIONER},
            {"requested_on": today, "request": "-"},
        )
        due = facts.review_window_due if kind == RequestKind.REVIEW else facts.re_review_window_due
        if refused is None:
            return RequestOption(kind=kind, due_on=due)
        if due is not None and today > due:
            return _lapsed(case, kind)
        return RequestOption(reason=refused, route=_lapsed_route())
    if state in (State.REVIEW_REQUESTED, State.RE_REVIEW_REQUESTED):
        return _pending(
            case,
            RequestKind.REVIEW if state == State.REVIEW_REQUESTED else RequestKind.RE_REVIEW,
        )
    if state == State.VOIDED:
        return RequestOption(
            reason=_g("本编号为误登记，已经作废。"),
            route=_g("如需反映问题，请重新提出信访事项。"),
        )
    stages = set(case.replies.values_list("stage", flat=True))
    if state == State.RE_REVIEW_REPLIED or Reply.Stage.RE_REVIEW in stages:
        return _after_re_review()
    if state in (State.CLOSED, State.ARCHIVED):
        if Reply.Stage.REVIEW in stages:
            return _lapsed(case, RequestKind.RE_REVIEW)
        if Reply.Stage.REPLY in stages:
            return _lapsed(case, RequestKind.REVIEW)
        return _closed_without_reply(case)
    if state in (State.NOT_ACCEPTED, State.REFERRED, State.RETURNED):
        return _closed_without_reply(case)
    # Received, registered, accepted, objected, dispatched: no reply yet.
    return RequestOption(
        reason=_g("本事项尚未作出书面答复，现在还不能请求复查。"),
        route=_g(
            "收到书面答复后，对答复不服的，可以自收到之日起30日内在本网站请求复查"
            "（第十九条第一款）。"
        ),
    )


def _clean_text(text: str, *, kind: RequestKind) -> str:
    text = (text or "").strip()
    if not text:
        raise PublicRequestRefused(
            _g("请填写请求%(kind)s的事实和理由。") % {"kind": kind.label}, field="request_text"
        )
    if len(text) > REQUEST_TEXT_MAX:
        raise PublicRequestRefused(
            _g("请求内容不能超过%(n)d个字。") % {"n": REQUEST_TEXT_MAX}, field="request_text"
        )
    return text


def _request(case: Case, kind: RequestKind | None, request_text: str) -> Case:
    today = timezone.localdate()
    option = request_option(case, today=today)
    if not option.possible:
        raise PublicRequestRefused(option.reason, option.route)
    if kind is not None and option.kind != kind:
        raise PublicRequestRefused(
            _g("本事项现在可以请求%(possible)s，不能请求%(asked)s。")
            % {"possible": option.kind.label, "asked": kind.label},
            _g("请在%(due)s前请求%(possible)s。")
            % {"due": _day(option.due_on), "possible": option.kind.label}
            if option.due_on
            else "",
        )
    text = _clean_text(request_text, kind=option.kind)
    try:
        return perform_transition(
            case,
            option.kind.transition,
            petitioner=True,
            data={"requested_on": today, "request": text},
            today=today,
        )
    except TransitionRefused as refused:
        # Someone acted on the case in between: say where it stands now.
        case.refresh_from_db()
        now = request_option(case, today=today)
        raise PublicRequestRefused(now.reason or refused.message, now.route) from None


def request_review_online(case: Case, *, request_text: str) -> Case:
    """复查: ask for a review of the written reply, within 30 days of receiving it (A19.1)."""
    return _request(case, RequestKind.REVIEW, request_text)


def request_re_review_online(case: Case, *, request_text: str) -> Case:
    """复核: ask for a re-review of the review opinion, within 30 days of receiving it (A19.2)."""
    return _request(case, RequestKind.RE_REVIEW, request_text)


def request_online(case: Case, *, request_text: str) -> Case:
    """The review or the re-review, whichever the case allows now."""
    return _request(case, None, request_text)


# --- satisfaction feedback (满意度评价) -------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackOption:
    """The reply the petitioner may rate now, or why none; `given` is the latest one's rating."""

    reply: Reply | None = None
    given: Feedback | None = None
    reason: str = ""

    @property
    def possible(self) -> bool:
        return self.reply is not None


def _latest_reply(case: Case) -> Reply | None:
    return case.replies.order_by("-replied_on", "-id").first()


def feedback_option(case: Case) -> FeedbackOption:
    """Only the latest reply is rated: an earlier one has been superseded by it."""
    reply = _latest_reply(case)
    if reply is None:
        return FeedbackOption(reason=_g("本事项还没有书面答复，收到答复后可以评价。"))
    given = Feedback.objects.filter(reply=reply).first()
    if given is not None:
        return FeedbackOption(given=given, reason=_g("您已经评价过这份答复，每份答复只评价一次。"))
    if case.state == State.ARCHIVED:
        return FeedbackOption(reason=_g("本事项已经归档，不能再评价。"))
    return FeedbackOption(reply=reply)


def record_feedback(case: Case, *, rating: int, comment: str = "") -> Feedback:
    """Keep the petitioner's rating of the latest reply, once; logged on the case (X.1)."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if rating not in Feedback.Rating.values:
        raise PublicRequestRefused(_g("请选择满意程度。"), field="rating")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise PublicRequestRefused(
            _g("意见不能超过%(n)d个字。") % {"n": COMMENT_MAX}, field="comment"
        )
    try:
        with transaction.atomic():
            # Lock the case: two submissions at once give one rating.
            locked = Case.objects.select_for_update().get(pk=case.pk)
            option = feedback_option(locked)
            if not option.possible:
                raise PublicRequestRefused(option.reason)
            feedback = Feedback.objects.create(
                case=locked, reply=option.reply, rating=rating, comment=comment
            )
            log(
                instance=locked,
                action="petitions.feedback",
                user=None,
                data={
                    "petitioner": True,
                    "system": False,
                    "reply": option.reply.pk,
                    "stage": option.reply.stage,
                    "rating": rating,
                    "rating_label": str(Feedback.Rating(rating).label),
                    "fields": {"comment": comment},
                },
            )
    except IntegrityError:
        raise PublicRequestRefused(_g("您已经评价过这份答复，每份答复只评价一次。")) from None
    return feedback


__all__ = [
    "PROOF_MAX_AGE",
    "FeedbackOption",
    "PublicRequestRefused",
    "RequestKind",
    "RequestOption",
    "case_from_proof",
    "feedback_option",
    "proof_token",
    "record_feedback",
    "request_online",
    "request_option",
    "request_re_review_online",
    "request_review_online",
]


def public_actions(case: Case) -> dict:
    """What the status page offers after a lookup: the proof to carry on, and the two actions."""
    return {
        "proof": proof_token(case),
        "request_option": request_option(case),
        "feedback_option": feedback_option(case),
    }
