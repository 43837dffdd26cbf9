"""What a petitioner may see of their case, and how often they may look (X.1, A13.1).

The website's status page and the JSON API show the same view of a case with the same limit.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _g

from petitions.cases.models import Case, Deadline
from petitions.intake import abuse
from petitions.intake.filing import WEBSITE_CHANNEL_CODE
from rules.deadlines import DEFAULT_RULES, RuleKey, resolve_rule
from rules.states import State
from rules.transitions import DECLINE_REASONS
from snippets.models import Channel

#: The time limits the public is told about, in the order a case meets them.
PUBLIC_RULE_KEYS = (
    RuleKey.ACCEPTANCE_DIRECT,
    RuleKey.REPLY,
    RuleKey.REPLY_IMPORTANT,
    RuleKey.REVIEW_REQUEST_WINDOW,
    RuleKey.REVIEW_OPINION,
    RuleKey.RE_REVIEW_REQUEST_WINDOW,
    RuleKey.RE_REVIEW_OPINION,
    RuleKey.OBJECTION_WINDOW,
)


def public_rules() -> list[dict]:
    """The time limits as the system enforces them for the website channel (same data)."""
    channel = Channel.objects.filter(code=WEBSITE_CHANNEL_CODE).first()
    overrides = channel.rule_overrides() if channel else {}
    rows = []
    for key in PUBLIC_RULE_KEYS:
        rule = resolve_rule(key, overrides) if key in DEFAULT_RULES else None
        if rule is not None:
            rows.append({"label": rule.label, "limit": rule.describe(), "basis": rule.basis})
    return rows


def lookup_limit() -> tuple[int, int]:
    """(lookups, seconds) per client address."""
    return (
        getattr(settings, "PUBLIC_STATUS_LOOKUPS", 10),
        getattr(settings, "PUBLIC_STATUS_WINDOW_SECONDS", 600),
    )


def lookup_refusal(request) -> str | None:
    """Count one lookup for this address; the message once it has used up its fixed window."""
    allowed, seconds = lookup_limit()
    key = f"public-status-lookups:{abuse.client_address(request)}"
    if abuse.hit(key, seconds) <= allowed:
        return None
    return _g("查询次数过多，请%(minutes)d分钟后再试。") % {"minutes": max(1, seconds // 60)}


def acceptance_due(case: Case) -> dt.date | None:
    """The day by which the petitioner hears whether the petition is accepted (第十五条)."""
    acceptance = case.deadlines.filter(
        rule=RuleKey.ACCEPTANCE_DIRECT, status=Deadline.Status.OPEN
    ).first()
    return acceptance.due_on if acceptance else None


def deadline_label(deadline: Deadline) -> str:
    """The rule's own (translatable) name; the record keeps it in the bureau's language."""
    rule = DEFAULT_RULES.get(deadline.rule)
    return str(rule.label) if rule is not None else deadline.label


def public_view_of(case) -> dict:
    """What the petitioner may see of their case: never staff, internal notes or identity."""
    decision = case.decision or {}
    reasons = dict(DECLINE_REASONS)
    return {
        "number": case.number,
        "state_label": case.state_label,
        "received_on": case.received_on,
        "deadlines": [
            {"label": deadline_label(d), "due_on": d.due_on, "provisional": d.provisional}
            for d in case.deadlines.filter(status=Deadline.Status.OPEN, is_window=False)
        ],
        "windows": [
            {"label": deadline_label(d), "due_on": d.due_on}
            for d in case.deadlines.filter(status=Deadline.Status.OPEN, is_window=True)
        ],
        "replies": [
            {"stage": r.get_stage_display(), "replied_on": r.replied_on, "text": r.text}
            for r in case.replies.all()
        ],
        "not_accepted_reason": reasons.get(decision.get("reason_kind"))
        if case.state == State.NOT_ACCEPTED
        else None,
        "legal_route": decision.get("legal_route", "") if case.state == State.NOT_ACCEPTED else "",
        "competent_agency": decision.get("competent_agency", "")
        if case.state == State.REFERRED
        else "",
        "agency_contact": decision.get("agency_contact", "")
        if case.state == State.REFERRED
        else "",
    }
