"""Recompute open due dates after an administrator changes the working-day calendar (A26.1).

A holiday notice or a single-day correction changes the days of one year. Every open deadline
whose calculation examined a day of that year (its start, its due date or the days between)
is computed again with the rule key, start, length and unit it was opened with. When the due
date, the reminder date or the provisional flag changes, the row is updated, the case's next
due date follows, and the case's timeline records the recomputation (system entry).

A deadline given by the channel itself (``source_deadline``) keeps its due date; only its
reminder date and provisional flag, which rest on the calendar, are brought up to date.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import replace

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from petitions.cases.deadlines import refresh_next_due
from petitions.cases.models import Case, Deadline
from rules import calendar
from rules.deadlines import (
    DEFAULT_RULES,
    DeadlineRule,
    RuleKey,
    Unit,
    compute_due,
    reminder_date,
)
from snippets.bureau import Choices, bureau_rules

logger = logging.getLogger(__name__)

LOG_ACTION = "petitions.deadline_recomputed"

#: The columns a recomputation reads.
_FIELDS = (
    "id",
    "case",
    "rule",
    "label",
    "start_on",
    "length",
    "unit",
    "due_on",
    "remind_on",
    "provisional",
    "calculation",
    "reminded_at",
)


def _batch_size() -> int:
    return max(1, int(getattr(settings, "PETITIONS_SWEEP_BATCH", 500)))


def _year_ranges(years: Iterable[int]) -> list[tuple[int, int]]:
    """Contiguous runs of years: {2027, 2028, 2030} -> [(2027, 2028), (2030, 2030)]."""
    ranges: list[tuple[int, int]] = []
    for year in sorted(set(years)):
        if ranges and year == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], year)
        else:
            ranges.append((year, year))
    return ranges


def affected_filter(years: Iterable[int] | None) -> Q:
    """Open deadlines whose calculation may have examined a day of one of ``years``.

    The days a calculation examines lie between its start and its due date (the reminder date
    too lies there), so a deadline is affected when [start_on, due_on] meets the year.
    """
    q = Q(status=Deadline.Status.OPEN)
    if years is None:
        return q
    span = Q()
    for first, last in _year_ranges(years):
        span |= Q(start_on__lte=dt.date(last, 12, 31), due_on__gte=dt.date(first, 1, 1))
    if not span:
        return Q(pk__in=[])
    return q & span


def _choices_for(deadline: Deadline, choices: Choices | None) -> tuple[bool, int]:
    """(move off a day off, reminder lead time) to recompute `deadline` with.

    Given `choices` (the administrator asked to apply changed 本局办理选项 to open deadlines):
    those. Otherwise the ones the deadline was opened with, kept in its calculation, so a
    calendar correction does not bring in a choice made after the deadline was opened; a
    deadline from before the choices were kept follows the choices in force.
    """
    current = choices or bureau_rules()
    if choices is not None:
        return current.move_natural_due_off_holidays, current.reminder_working_days
    kept = deadline.calculation or {}
    move = kept.get("move_off_holiday", current.move_natural_due_off_holidays)
    lead = kept.get("reminder_working_days", current.reminder_working_days)
    return bool(move), int(lead)


def _recalculate(deadline: Deadline, choices: Choices | None = None) -> dict | None:
    """The new (due_on, remind_on, provisional, calculation), or None if it cannot be computed."""
    move_off_holiday, lead_days = _choices_for(deadline, choices)
    if deadline.rule == RuleKey.SOURCE_DEADLINE:
        # The channel gave the date; only what the calendar decides is recomputed.
        start = deadline.start_on
        remind_on = reminder_date(deadline.due_on, start, lead_days)
        calculation = dict(deadline.calculation or {})
        calculation["reminder_working_days"] = lead_days
        return {
            "due_on": deadline.due_on,
            "remind_on": remind_on,
            "provisional": calendar.is_provisional(deadline.due_on),
            "calculation": calculation,
        }
    base = DEFAULT_RULES.get(deadline.rule)
    if base is None or deadline.length is None or not deadline.unit:
        return None
    try:
        rule: DeadlineRule = replace(base, length=deadline.length, unit=Unit(deadline.unit))
    except ValueError:
        return None
    due = compute_due(
        rule,
        deadline.start_on,
        move_off_holiday=move_off_holiday,
        reminder_working_days=lead_days,
    )
    return {
        "due_on": due.due,
        "remind_on": due.remind_on,
        "provisional": due.provisional,
        "calculation": due.as_dict(),
    }


def _differs(deadline: Deadline, new: dict) -> bool:
    return (
        deadline.due_on != new["due_on"]
        or deadline.remind_on != new["remind_on"]
        or deadline.provisional != new["provisional"]
    )


def _message(deadline: Deadline, new: dict, source: str, *, choices_changed: bool = False) -> str:
    parts = {
        "label": deadline.label,
        "old": deadline.due_on.isoformat(),
        "new": new["due_on"].isoformat(),
        "source": source,
    }
    if choices_changed:
        if deadline.due_on != new["due_on"]:
            text = _("本局办理选项已修改，“%(label)s”期限由 %(old)s 改为 %(new)s") % parts
        else:
            text = _("本局办理选项已修改，“%(label)s”期限仍为 %(new)s") % parts
    elif deadline.due_on != new["due_on"]:
        text = _("工作日历已更正，“%(label)s”期限由 %(old)s 改为 %(new)s") % parts
    else:
        text = _("工作日历已更正，“%(label)s”期限仍为 %(new)s") % parts
    if source:
        text += _("（依据：%(source)s）") % parts
    if new["provisional"]:
        text += _("；该期限仍按暂定日历计算。")
    elif deadline.provisional:
        text += _("；不再是暂定期限。")
    else:
        text += "。"
    return text


def _apply(deadline_id: int, today: dt.date, source: str, choices: Choices | None = None) -> bool:
    """Recompute one deadline under its case's lock; True if it changed."""
    with transaction.atomic():
        case_id = (
            Deadline.objects.filter(pk=deadline_id, status=Deadline.Status.OPEN)
            .values_list("case_id", flat=True)
            .first()
        )
        if case_id is None:
            return False
        # The same lock order as every transition: the case first, then its deadlines.
        case = Case.objects.select_for_update().get(pk=case_id)
        deadline = (
            Deadline.objects.select_for_update()
            .filter(pk=deadline_id, status=Deadline.Status.OPEN)
            .only(*_FIELDS)
            .first()
        )
        if deadline is None:
            return False
        new = _recalculate(deadline, choices)
        if new is None:
            return False
        if not _differs(deadline, new):
            if deadline.calculation != new["calculation"]:
                deadline.calculation = new["calculation"]
                deadline.save(update_fields=["calculation"])
            return False

        old_due, old_remind, old_provisional = (
            deadline.due_on,
            deadline.remind_on,
            deadline.provisional,
        )
        message = _message(deadline, new, source, choices_changed=choices is not None)
        update_fields = ["due_on", "remind_on", "provisional", "calculation"]
        deadline.due_on = new["due_on"]
        deadline.remind_on = new["remind_on"]
        deadline.provisional = new["provisional"]
        deadline.calculation = new["calculation"]
        reminder_reset = False
        if deadline.reminded_at is not None and (
            deadline.remind_on >= today or (deadline.due_on != old_due and deadline.due_on >= today)
        ):
            # The reminder went out for the old date: send it again for the new one.
            deadline.reminded_at = None
            update_fields.append("reminded_at")
            reminder_reset = True
        deadline.save(update_fields=update_fields)

        refresh_next_due(case)
        case.save(update_fields=["next_due_on", "next_due_label", "updated_at"])
        log(
            instance=case,
            action=LOG_ACTION,
            data={
                "system": True,
                "deadline": deadline.pk,
                "rule": deadline.rule,
                "label": deadline.label,
                "from": old_due.isoformat(),
                "to": deadline.due_on.isoformat(),
                "old_due": old_due.isoformat(),
                "new_due": deadline.due_on.isoformat(),
                "old_remind_on": old_remind.isoformat(),
                "new_remind_on": deadline.remind_on.isoformat(),
                "old_provisional": old_provisional,
                "provisional": deadline.provisional,
                "reminder_reset": reminder_reset,
                "source": source,
                "fields": {"comment": message},
            },
        )
        return True


def recompute_open_deadlines(
    years: set[int] | None = None, *, source: str = "", choices: Choices | None = None
) -> int:
    """Recompute the open deadlines that rest on ``years`` (all open ones if None).

    ``source`` names the correction (the notice's number, the correction's basis) for the
    timeline. ``choices``: the bureau's changed choices (本局办理选项) to apply to every open
    deadline; without them each deadline keeps the choices it was opened with. Reads in
    batches by primary key; locks and writes only the deadlines that change. Returns how many
    deadlines changed.
    """
    calendar.clear_cache()
    today = timezone.localdate()
    batch = _batch_size()
    queryset = Deadline.objects.filter(affected_filter(years)).only(*_FIELDS).order_by("pk")
    changed = 0
    last_pk = 0
    while True:
        rows = list(queryset.filter(pk__gt=last_pk)[:batch])
        if not rows:
            break
        last_pk = rows[-1].pk
        for deadline in rows:
            try:
                new = _recalculate(deadline, choices)
            except ValueError:
                # A year whose entered days are inconsistent (e.g. a date of another year).
                logger.exception("期限 %s 无法按更正后的日历重新计算", deadline.pk)
                continue
            if new is None:
                continue
            moved = _differs(deadline, new) or deadline.calculation != new["calculation"]
            if moved and _apply(deadline.pk, today, source, choices):
                changed += 1
        if len(rows) < batch:
            break
    if changed:
        logger.info("工作日历更正后重新计算了 %d 个期限（年份：%s）", changed, years)
    return changed
