"""A case's deadlines (办理期限): opened from the rules with the channel's own limits, closed by
the steps that meet them, and the nearest one kept on the case for the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone
from wagtail.log_actions import log

from petitions.cases.models import (
    Case,
    Deadline,
    Supervision,
)
from rules.deadlines import REPLY_RULES, DueDate, RuleKey, compute_due, resolve_rule
from rules.states import State
from snippets.bureau import Choices, bureau_rules


def local_today() -> dt.date:
    return timezone.localdate()


def build_deadline(
    case: Case,
    rule_key: str,
    start: dt.date,
    *,
    overrides: Mapping[str, tuple[int, str]] | None = None,
    choices: Choices | None = None,
) -> Deadline:
    """The case's deadline for `rule_key` from `start`, computed but not saved.

    `overrides` are the channel's own limits and `choices` the bureau's (本局办理选项); a caller
    filing many cases passes them in, read once, so nothing is looked up per deadline.
    """
    if overrides is None:
        overrides = case.channel.rule_overrides()
    return Deadline(case=case, **deadline_values(rule_key, start, overrides, choices))


def deadline_values(
    rule_key: str,
    start: dt.date,
    overrides: Mapping[str, tuple[int, str]],
    choices: Choices | None = None,
) -> dict[str, Any]:
    """What `build_deadline` sets on the deadline for `rule_key` from `start`, by field name
    (the rest of its fields keep their defaults)."""
    rule = resolve_rule(rule_key, overrides)
    choices = choices or bureau_rules()
    due: DueDate = compute_due(
        rule,
        start,
        move_off_holiday=choices.move_natural_due_off_holidays,
        reminder_working_days=choices.reminder_working_days,
    )
    return {
        "rule": rule.key,
        "label": str(rule.label),
        "is_window": rule.window,
        "start_on": start,
        "length": rule.length,
        "unit": rule.unit.value,
        "due_on": due.due,
        "remind_on": due.remind_on,
        "provisional": due.provisional,
        "calculation": due.as_dict(),
    }


def open_deadline(case: Case, rule_key: str, start: dt.date) -> Deadline:
    """Open the case's deadline for `rule_key` from `start`, with the channel's own limits.

    The bureau's choices in force now (本局办理选项: moving a natural-day limit off a day off,
    the reminder's lead time) apply, and are kept in its calculation.
    """
    deadline = build_deadline(case, rule_key, start)
    deadline.save(force_insert=True)
    return deadline


def nearest_due(deadlines: Iterable[Deadline]) -> Deadline | None:
    """The nearest open staff deadline among `deadlines` (in the order they were made): what
    `refresh_next_due` finds in the database, for deadlines not saved yet."""
    candidates = [
        (d.due_on, n, d)
        for n, d in enumerate(deadlines)
        if d.status == Deadline.Status.OPEN and not d.is_window
    ]
    return min(candidates, key=lambda t: (t[0], t[1]))[2] if candidates else None


def close_deadlines(case: Case, rules: Iterable[str], status: str = Deadline.Status.MET) -> None:
    rules = list(rules)
    now = timezone.now()
    Deadline.objects.filter(case=case, rule__in=rules, status=Deadline.Status.OPEN).update(
        status=status, met_at=now
    )
    Supervision.objects.filter(
        case=case, deadline__rule__in=rules, resolved_at__isnull=True
    ).update(resolved_at=now)


def refresh_next_due(case: Case) -> None:
    """Keep the nearest open staff deadline on the case, for the ledger."""
    nearest = (
        Deadline.objects.filter(case=case, status=Deadline.Status.OPEN, is_window=False)
        .order_by("due_on", "id")
        .first()
    )
    case.next_due_on = nearest.due_on if nearest else None
    case.next_due_label = nearest.label if nearest else ""


def reply_rule_key(case: Case) -> str:
    return RuleKey.REPLY_IMPORTANT if case.is_important else RuleKey.REPLY


def sync_reply_deadline(case: Case, *, user=None) -> None:
    """An important flag set or cleared after acceptance changes the reply limit (15 or 30 days)."""
    if case.accepted_on is None or case.state not in {State.ACCEPTED, State.DISPATCHED}:
        return
    wanted = reply_rule_key(case)
    current = Deadline.objects.filter(
        case=case, rule__in=REPLY_RULES, status=Deadline.Status.OPEN
    ).first()
    if current and current.rule == wanted:
        return
    if current:
        current.status = Deadline.Status.CANCELLED
        current.save(update_fields=["status"])
    new = open_deadline(case, wanted, case.accepted_on)
    refresh_next_due(case)
    case.save(update_fields=["next_due_on", "next_due_label", "updated_at"])
    log(
        instance=case,
        action="petitions.deadline_recomputed",
        user=user,
        data={"rule": new.rule, "label": new.label, "due": new.due_on.isoformat()},
    )
