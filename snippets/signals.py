"""A saved correction is in force at once: every process drops its cached calendar years (A26.1).

Recomputing the open due dates it moves is the cases' business: petitions.cases.calendar_changes.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from rules import calendar
from snippets.models import CalendarCorrection, HolidayNotice, HolidayNoticeDay


@receiver([post_save, post_delete], sender=CalendarCorrection)
@receiver([post_save, post_delete], sender=HolidayNotice)
@receiver([post_save, post_delete], sender=HolidayNoticeDay)
def clear_calendar_cache(**kwargs) -> None:
    calendar.clear_cache()
