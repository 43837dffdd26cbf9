"""A case's deadlines (办理期限): opened from the rules with the channel's own limits, closed by
the steps that meet them, and the nearest one kept on the case for the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from wagtail.log_actions import log

from petitions.cases.models import (
    Case,
    Deadline,
    Supervision,
)
from rules.deadlines import REPLY_RULES, DueDate, RuleKey, compute_due, resolve_rule
from rules.states import State
from snippets.bureau import bureau_rules


def local_today() -> dt.date:
    return timezone.localdate()


def open_deadline(case: Case, rule_key: str, start: dt.date) -> Deadline:
    """Open the case's deadline for `rule_key` from `start`, with the channel's own limits.

    The bureau's choices in force now (本局办理选项: moving a natural-day limit off a day off,
    the reminder's lead time) apply, and are kept in its calculation.
    """
    rule = resolve_rule(rule_key, case.channel.rule_overrides())
    choices = bureau_rules()
    due: DueDate = compute_due(
        rule,
        start,
        move_off_holiday=choices.move_natural_due_off_holidays,
        reminder_working_days=choices.reminder_working_days,
    )
    return Deadline.objects.create(
        case=case,
        rule=rule.key,
        label=str(rule.label),
        is_window=rule.window,
        start_on=start,
        length=rule.length,
        unit=rule.unit.value,
        due_on=due.due,
        remind_on=due.remind_on,
        provisional=due.provisional,
        calculation=due.as_dict(),
    )


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
