"""Statutory public holidays (法定节假日) computed from the rules, for years no calendar covers.

Source: 《全国年节及纪念日放假办法》 (2024 revision), 13 days a year. Only the holidays
themselves: no guessed 调休 (adjusted working days) and no 补假 (a day off in lieu of a
holiday on a weekend); those come only from the State Council's yearly notice.
The 2024 rules are applied to every year, including years before the revision.
"""

from __future__ import annotations

import datetime as dt

from lunar_python import Lunar

NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"


def _lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a day in lunar year ``year`` (ordinary, not leap, month)."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def qingming(year: int) -> dt.date:
    """The day of the 清明 solar term (Beijing time) in Gregorian ``year``."""
    solar = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """Date -> Chinese holiday name for the statutory holidays of ``year``, sorted by date.

    春节 runs from 除夕 (the day before lunar 1/1) to lunar 1/3. When two holidays share
    a day (中秋 can fall on 10/1–10/3), the names are joined with "、".
    """
    lunar_new_year = _lunar_to_solar(year, 1, 1)
    days: list[tuple[dt.date, str]] = [(dt.date(year, 1, 1), NEW_YEAR)]
    days += [
        (lunar_new_year + dt.timedelta(days=offset), SPRING_FESTIVAL) for offset in range(-1, 3)
    ]
    days.append((qingming(year), QINGMING))
    days += [(dt.date(year, 5, 1), LABOUR_DAY), (dt.date(year, 5, 2), LABOUR_DAY)]
    days.append((_lunar_to_solar(year, 5, 5), DRAGON_BOAT))
    days.append((_lunar_to_solar(year, 8, 15), MID_AUTUMN))
    days += [(dt.date(year, 10, d), NATIONAL_DAY) for d in (1, 2, 3)]

    result: dict[dt.date, str] = {}
    for date, name in sorted(days, key=lambda item: item[0]):
        if date.year != year:  # cannot happen (除夕 is never before 1/20), kept as a guard
            continue
        result[date] = f"{result[date]}、{name}" if date in result else name
    return result
