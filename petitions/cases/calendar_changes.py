"""Recompute the open due dates a calendar change moves, once the change is committed (A26.1);
and every open one when an administrator changes 本局办理选项 and asks for it.

An administrator's holiday notice, one of its days, or a single-day correction (snippets) changes
the working days of a year; the open deadlines that rest on that year are computed again by
`petitions.cases.recompute`.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from petitions.cases.recompute import recompute_open_deadlines
from rules import calendar
from snippets import bureau
from snippets.events import bureau_rules_changed
from snippets.models import BureauRules, CalendarCorrection, HolidayNotice, HolidayNoticeDay

#: Marks the on_commit callback of this module, so a transaction gets at most one.
_MARK = "_holiday_recompute_pending"
#: Set on the callback once it has run (a test's captured callbacks stay in the list).
_DONE = "_holiday_recompute_done"


def _pending_callback():
    """This transaction's recompute callback, if one is already queued (None outside one)."""
    if not connection.in_atomic_block:
        return None
    for _savepoints, func, _robust in connection.run_on_commit:
        if getattr(func, _MARK, None) is not None and not getattr(func, _DONE, False):
            return func
    return None


def _make_callback():
    pending: dict[int, set[str]] = {}

    def recompute_after_calendar_change() -> None:
        setattr(recompute_after_calendar_change, _DONE, True)
        years = set(pending)
        sources = sorted({s for srcs in pending.values() for s in srcs if s})
        pending.clear()
        # Another request may have rebuilt a year from the data before this commit.
        calendar.clear_cache()
        recompute_open_deadlines(years, source="；".join(sources))

    setattr(recompute_after_calendar_change, _MARK, pending)
    return recompute_after_calendar_change


def schedule_recompute(years: set[int], source: str = "") -> None:
    """Recompute the open deadlines of ``years`` once the current transaction commits.

    All changes of one transaction (a notice and its inline days, saved by the snippet view in
    one atomic block) share a single callback, so the recomputation runs once, after the days.
    Outside a transaction it runs at once.
    """
    years = {y for y in years if y}
    if not years:
        return
    func = _pending_callback()
    queued = func is not None
    if not queued:
        func = _make_callback()
    pending = getattr(func, _MARK)
    for year in years:
        pending.setdefault(year, set()).add(source)
    if not queued:
        # Outside a transaction this runs at once, so the years are filled in first.
        transaction.on_commit(func, robust=True)


def _remember_old_year(instance, year_of) -> None:
    """Before an edit: the year the row had, which the edit may move away from."""
    instance._calendar_old_year = None
    if instance.pk is None:
        return
    try:
        old = type(instance)._base_manager.get(pk=instance.pk)
    except ObjectDoesNotExist:
        return
    instance._calendar_old_year = year_of(old)


def _notice_year(day: HolidayNoticeDay) -> int | None:
    try:
        return day.notice.year
    except ObjectDoesNotExist:
        return None


@receiver(pre_save, sender=HolidayNotice)
def remember_notice_year(instance: HolidayNotice, raw: bool = False, **kwargs) -> None:
    if not raw:
        _remember_old_year(instance, lambda n: n.year)


@receiver(pre_save, sender=CalendarCorrection)
def remember_correction_year(instance: CalendarCorrection, raw: bool = False, **kwargs) -> None:
    if not raw:
        _remember_old_year(instance, lambda c: c.date.year)


@receiver([post_save, post_delete], sender=HolidayNotice)
def recompute_after_notice(instance: HolidayNotice, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    schedule_recompute(
        {instance.year, getattr(instance, "_calendar_old_year", None)}, instance.source
    )


@receiver([post_save, post_delete], sender=HolidayNoticeDay)
def recompute_after_notice_day(instance: HolidayNoticeDay, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    notice_year = _notice_year(instance)
    source = ""
    if notice_year is not None:
        source = instance.notice.source
    schedule_recompute({instance.date.year if instance.date else None, notice_year}, source)


@receiver([post_save, post_delete], sender=CalendarCorrection)
def recompute_after_correction(instance: CalendarCorrection, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    schedule_recompute(
        {instance.date.year, getattr(instance, "_calendar_old_year", None)}, instance.source
    )


@receiver(bureau_rules_changed)
def recompute_after_choices(instance: BureauRules, user=None, **kwargs) -> None:
    """本局办理选项 saved with "recompute open deadlines": every open deadline follows them."""
    bureau.clear_cache()
    recompute_open_deadlines(
        None, source=str(BureauRules._meta.verbose_name), choices=bureau.bureau_rules()
    )
