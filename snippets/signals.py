"""A saved correction is in force at once: every process drops its cached calendar years (A26.1);
so is a saved 本局信息 or 本局办理选项 (snippets.bureau), and a saved channel, time limit of a
channel, category or message template (snippets.local_copies).

Recomputing the open due dates it moves is the cases' business: petitions.cases.calendar_changes.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from rules import calendar
from snippets import bureau, local_copies
from snippets.models import (
    BureauProfile,
    BureauRules,
    CalendarCorrection,
    Category,
    Channel,
    ChannelDeadline,
    HolidayNotice,
    HolidayNoticeDay,
    MessageTemplate,
)


@receiver([post_save, post_delete], sender=CalendarCorrection)
@receiver([post_save, post_delete], sender=HolidayNotice)
@receiver([post_save, post_delete], sender=HolidayNoticeDay)
def clear_calendar_cache(**kwargs) -> None:
    calendar.clear_cache()


@receiver([post_save, post_delete], sender=BureauProfile)
@receiver([post_save, post_delete], sender=BureauRules)
def clear_bureau_cache(**kwargs) -> None:
    bureau.clear_cache()


@receiver([post_save, post_delete], sender=Channel)
@receiver([post_save, post_delete], sender=ChannelDeadline)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=MessageTemplate)
def new_configuration_version(**kwargs) -> None:
    local_copies.configuration_changed()
