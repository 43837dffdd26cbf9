"""Reporting periods: a quarter, a year, or any run of days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Period:
    """The days [start, end) of a report."""

    start: dt.date
    end: dt.date
    label: str = ""

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes: local midnights (Asia/Shanghai)."""
        tz = timezone.get_default_timezone()
        return (
            timezone.make_aware(dt.datetime.combine(self.start, dt.time.min), tz),
            timezone.make_aware(dt.datetime.combine(self.end, dt.time.min), tz),
        )

    def received_q(self, prefix: str = "") -> Q:
        start, end = self.bounds()
        return Q(**{f"{prefix}received_at__gte": start, f"{prefix}received_at__lt": end})

    def day_q(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.start, f"{name}__lt": self.end})

    def time_q(self, name: str) -> Q:
        start, end = self.bounds()
        return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def quarter_bounds(year: int, quarter: int) -> Period:
    """季度: quarter 1–4 of `year`."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1..4")
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return Period(start, end, str(_("%(year)s年第%(q)s季度") % {"year": year, "q": quarter}))


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def year_bounds(year: int) -> Period:
    return Period(
        dt.date(year, 1, 1), dt.date(year + 1, 1, 1), str(_("%(year)s年度") % {"year": year})
    )


def day_range(first: dt.date, last: dt.date) -> Period:
    """A period given by its first and last day (both included), as people write it."""
    return Period(first, last + dt.timedelta(days=1), f"{first.isoformat()} — {last.isoformat()}")
