"""Feeds the administrators' holiday corrections into the pure calendar in rules/."""

from django.db import connection

from rules.calendar import Correction, YearCorrections, YearNotice
from snippets.models import CalendarCorrection, HolidayNotice


def load_year_corrections(year: int) -> YearCorrections:
    """One year's corrections, in two queries; the calendar caches the result per year."""

    if HolidayNotice._meta.db_table not in connection.introspection.table_names():
        # Before the first migration (a management command run on an empty database).
        return YearCorrections(notice=None, days=())
    notice = HolidayNotice.objects.filter(year=year).prefetch_related("days").first()
    days = tuple(
        Correction(date=c.date, is_working_day=c.is_working_day, name=c.name, source=c.source)
        for c in CalendarCorrection.objects.filter(date__year=year)
    )
    year_notice = None
    if notice is not None:
        year_notice = YearNotice(
            year=notice.year,
            source=notice.source,
            days=tuple(
                Correction(
                    date=day, is_working_day=d.is_working_day, name=d.name, source=notice.source
                )
                for d in notice.days.all()
                for day in d.dates()  # a row may be a range (2月6日至12日)
            ),
        )
    return YearCorrections(notice=year_notice, days=days)
