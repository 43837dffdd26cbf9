"""Deadline rules as data (办理时限), and the calculation of a due date from one of them.

The defaults restate the bureau's regulation; a channel may override any of them (第十七条第三款).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rules import calendar

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    DAYS = "days"
    MONTHS = "months"

    @property
    def label(self) -> StrOrPromise:
        return {
            Unit.WORKING_DAYS: _("个工作日"),
            Unit.DAYS: _("日（自然日）"),
            Unit.MONTHS: _("个月"),
        }[self]


class RuleKey(StrEnum):
    """The stable keys of the time limits: channels override a rule by its key, and every
    deadline of a case records the key it was opened with."""

    ACCEPTANCE_DIRECT = "acceptance_direct"
    ACCEPTANCE_ASSIGNED = "acceptance_assigned"
    OBJECTION_ASSIGNED = "objection_assigned"
    REPLY = "reply"
    REPLY_IMPORTANT = "reply_important"
    REVIEW_REQUEST_WINDOW = "review_request_window"
    REVIEW_OPINION = "review_opinion"
    RE_REVIEW_REQUEST_WINDOW = "re_review_request_window"
    RE_REVIEW_OPINION = "re_review_opinion"
    OBJECTION_WINDOW = "objection_window"
    #: The due date a superior channel sets itself (来源渠道办理期限): not computed here.
    SOURCE_DEADLINE = "source_deadline"
    #: 区领导公开接访: the host department's completion report to the district petition office.
    DISTRICT_RECEPTION_REPORT = "district_reception_report"


#: The limits on deciding whether to accept (第十五条).
ACCEPTANCE_RULES = (RuleKey.ACCEPTANCE_DIRECT, RuleKey.ACCEPTANCE_ASSIGNED)
#: The reply limits (第十七条): 30 days, or 15 for an important case.
REPLY_RULES = (RuleKey.REPLY, RuleKey.REPLY_IMPORTANT)


class StartEvent(StrEnum):
    """The event a time limit counts from."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    REPLY_RECEIVED = "reply_received"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_REPLY_RECEIVED = "review_reply_received"
    RE_REVIEW_REQUESTED = "re_review_requested"
    DISTRICT_RECEPTION = "district_reception"

    @property
    def label(self) -> StrOrPromise:
        return {
            StartEvent.RECEIVED: _("收到信访事项之日"),
            StartEvent.ACCEPTED: _("受理之日"),
            StartEvent.REPLY_RECEIVED: _("信访人收到书面答复之日"),
            StartEvent.REVIEW_REQUESTED: _("收到复查请求之日"),
            StartEvent.REVIEW_REPLY_RECEIVED: _("信访人收到复查意见之日"),
            StartEvent.RE_REVIEW_REQUESTED: _("收到复核请求之日"),
            StartEvent.DISTRICT_RECEPTION: _("区领导公开接访之日"),
        }[self]


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    label: StrOrPromise
    start_event: StartEvent
    length: int
    unit: Unit
    basis: str  # the article of the regulation it comes from
    #: A petitioner's window (复查、复核、异议期), not a limit on staff: never "overdue".
    window: bool = False

    def describe(self) -> str:
        """One format string ("受理之日起20日（自然日）"), so a translation can reorder it."""
        # The English unit labels start with their own space (" working days").
        return gettext("%(start)s起%(length)d%(unit)s") % {
            "start": self.start_event.label,
            "length": self.length,
            "unit": self.unit.label,
        }


def _rule(key, label, start, length, unit, basis, window=False) -> DeadlineRule:
    return DeadlineRule(key, label, start, length, unit, basis, window)


#: The regulation's time limits. Keys are stable: channels override them by key.
DEFAULT_RULES: dict[str, DeadlineRule] = {
    r.key: r
    for r in [
        _rule(
            RuleKey.ACCEPTANCE_DIRECT,
            _("受理告知（直接信访）"),
            StartEvent.RECEIVED,
            3,
            Unit.WORKING_DAYS,
            "第十五条第一款",
        ),
        _rule(
            RuleKey.ACCEPTANCE_ASSIGNED,
            _("书面受理告知（上级交办、转办）"),
            StartEvent.RECEIVED,
            5,
            Unit.WORKING_DAYS,
            "第十五条第二款",
        ),
        _rule(
            RuleKey.OBJECTION_ASSIGNED,
            _("提出异议（上级交办、不属职权范围）"),
            StartEvent.RECEIVED,
            5,
            Unit.WORKING_DAYS,
            "第十五条第二款",
        ),
        _rule(
            RuleKey.REPLY_IMPORTANT,
            _("答复（重要信访案件）"),
            StartEvent.ACCEPTED,
            15,
            Unit.DAYS,
            "第十七条第二款",
        ),
        _rule(RuleKey.REPLY, _("答复"), StartEvent.ACCEPTED, 30, Unit.DAYS, "第十七条第二款"),
        _rule(
            RuleKey.REVIEW_REQUEST_WINDOW,
            _("请求复查期限"),
            StartEvent.REPLY_RECEIVED,
            30,
            Unit.DAYS,
            "第十九条第一款",
            window=True,
        ),
        _rule(
            RuleKey.REVIEW_OPINION,
            _("复查意见"),
            StartEvent.REVIEW_REQUESTED,
            30,
            Unit.DAYS,
            "第十九条第一款",
        ),
        _rule(
            RuleKey.RE_REVIEW_REQUEST_WINDOW,
            _("请求复核期限"),
            StartEvent.REVIEW_REPLY_RECEIVED,
            30,
            Unit.DAYS,
            "第十九条第二款",
            window=True,
        ),
        _rule(
            RuleKey.RE_REVIEW_OPINION,
            _("复核意见"),
            StartEvent.RE_REVIEW_REQUESTED,
            30,
            Unit.DAYS,
            "第十九条第二款",
        ),
        _rule(
            RuleKey.OBJECTION_WINDOW,
            _("异议期（期满视为办结）"),
            StartEvent.REPLY_RECEIVED,
            30,
            Unit.DAYS,
            "第二十条",
            window=True,
        ),
        _rule(
            RuleKey.DISTRICT_RECEPTION_REPORT,
            _("办结情况报告（区领导公开接访）"),
            StartEvent.DISTRICT_RECEPTION,
            1,
            Unit.MONTHS,
            "第七条第二款",
        ),
    ]
}

#: Reminders go out this many working days before every due date (第十八条). The bureau may
#: choose another lead time (本局办理选项); callers pass it in, the rules read no database.
REMINDER_WORKING_DAYS = 3
#: "Due soon" (即将到期) in the ledger, the dashboards and the reports: the reminder's span.
DUE_SOON_WORKING_DAYS = REMINDER_WORKING_DAYS


def due_soon_limit(today: dt.date, lead_days: int = DUE_SOON_WORKING_DAYS) -> dt.date:
    """The last day that is still "due soon": due dates with at most `lead_days` working days
    left (a date on a day off before the next working day counts too)."""
    return calendar.add_working_days(today, lead_days + 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class DueStatus:
    """How a due date stands today: working days left, overdue, or due soon."""

    days_left: int
    overdue: bool
    soon: bool

    @property
    def overdue_days(self) -> int:
        return -self.days_left


def due_status(due: dt.date, today: dt.date, lead_days: int = DUE_SOON_WORKING_DAYS) -> DueStatus:
    overdue = due < today
    return DueStatus(
        days_left=calendar.working_days_between(today, due),
        overdue=overdue,
        soon=not overdue and due <= due_soon_limit(today, lead_days),
    )


def reminder_date(due: dt.date, start: dt.date, lead_days: int = REMINDER_WORKING_DAYS) -> dt.date:
    """The day the reminder goes out: `lead_days` working days before `due`, not before `start`."""
    return max(start, calendar.add_working_days(due, -lead_days))


def resolve_rule(key: str, overrides: Mapping[str, tuple[int, str]] | None = None) -> DeadlineRule:
    """The rule in force: the default, or the channel's own length and unit for it."""
    rule = DEFAULT_RULES[key]
    if overrides and key in overrides:
        length, unit = overrides[key]
        rule = replace(rule, length=length, unit=Unit(unit))
    return rule


@dataclass(frozen=True)
class DueDate:
    """A due date with its whole calculation, so that anyone can check it."""

    rule: DeadlineRule
    start: dt.date
    due: dt.date
    remind_on: dt.date
    skipped: tuple[calendar.DayInfo, ...]
    provisional: bool
    moved_off_holiday: bool
    #: The bureau's choices it was computed with (本局办理选项), kept so that a later calendar
    #: correction recomputes it under the same choices.
    move_off_holiday: bool = False
    reminder_working_days: int = REMINDER_WORKING_DAYS

    def as_dict(self) -> dict:
        return {
            "rule": self.rule.key,
            "label": str(self.rule.label),
            "basis": self.rule.basis,
            "start": self.start.isoformat(),
            "length": self.rule.length,
            "unit": self.rule.unit.value,
            "due": self.due.isoformat(),
            "remind_on": self.remind_on.isoformat(),
            "provisional": self.provisional,
            "moved_off_holiday": self.moved_off_holiday,
            "move_off_holiday": self.move_off_holiday,
            "reminder_working_days": self.reminder_working_days,
            "skipped": [[d.date.isoformat(), d.reason] for d in self.skipped],
        }


def compute_due(
    rule: DeadlineRule,
    start: dt.date,
    *,
    move_off_holiday: bool = False,
    reminder_working_days: int = REMINDER_WORKING_DAYS,
) -> DueDate:
    """The due date of `rule` counted from `start` (the start day itself is not counted).

    `move_off_holiday`: a natural-day limit ending on a non-working day moves to the next
    working day; `reminder_working_days`: the reminder's lead time. Both are the bureau's
    choices (本局办理选项), passed in by the caller.
    """
    if rule.unit == Unit.WORKING_DAYS:
        calc = calendar.explain_working_days(start, rule.length)
        moved = False
    elif rule.unit == Unit.MONTHS:
        calc = calendar.explain_months(start, rule.length, move_off_holiday=move_off_holiday)
        moved = calc.result != calendar.add_months(start, rule.length)
    else:
        calc = calendar.explain_days(start, rule.length, move_off_holiday=move_off_holiday)
        moved = calc.result != calendar.add_days(start, rule.length)
    remind_on = reminder_date(calc.result, start, reminder_working_days)
    return DueDate(
        rule=rule,
        start=start,
        due=calc.result,
        remind_on=remind_on,
        skipped=calc.skipped,
        provisional=calc.provisional or calendar.is_provisional(remind_on),
        moved_off_holiday=moved,
        move_off_holiday=move_off_holiday,
        reminder_working_days=reminder_working_days,
    )
