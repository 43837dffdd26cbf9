"""A saved correction is in force at once: drop the cached calendar years."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from rules import calendar

from .models import CalendarCorrection, HolidayNotice, HolidayNoticeDay


@receiver([post_save, post_delete], sender=CalendarCorrection)
@receiver([post_save, post_delete], sender=HolidayNotice)
@receiver([post_save, post_delete], sender=HolidayNoticeDay)
def clear_calendar_cache(**kwargs) -> None:
    calendar.clear_cache()
