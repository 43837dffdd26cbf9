"""Working-day calendar (工作日历) of the PRC, with adjusted working days (调休).

Pure logic: no Django, no database. For a date, in order of precedence:

1. a single-day correction entered by an administrator (更正);
2. the year's State Council notice (国务院办公厅节假日安排通知) entered by an administrator;
3. the ``chinese-calendar`` package, for the years it knows;
4. otherwise a *provisional* calendar: weekends plus the statutory holidays of
   《全国年节及纪念日放假办法》 (see :mod:`rules.holidays`), with no 调休. Every date of such
   a year is flagged ``provisional`` and a warning is logged once per year.

Each year is built once into precomputed tuples and cached; the corrections loader is
called at most once per year per cache lifetime.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import chinese_calendar

from rules.holidays import statutory_holidays

logger = logging.getLogger(__name__)

# Kinds of day
WORKDAY = "workday"
WEEKEND = "weekend"
HOLIDAY = "holiday"
ADJUSTED_WORKDAY = "adjusted_workday"

# Sources of a day's status
SOURCE_LIBRARY = "library"
SOURCE_NOTICE = "notice"
SOURCE_CORRECTION = "correction"
SOURCE_PROVISIONAL = "provisional"

UNIT_WORKING_DAYS = "working_days"
UNIT_DAYS = "days"
UNIT_MONTHS = "months"

REASON_WEEKEND = "周末"
REASON_ADJUSTED = "调休上班"

#: chinese-calendar's English holiday names -> Chinese names.
LIBRARY_HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

#: First and last year covered by chinese-calendar (read from its data, not hardcoded).
LIBRARY_FIRST_YEAR: int = min(d.year for d in chinese_calendar.holidays)
LIBRARY_LAST_YEAR: int = max(d.year for d in chinese_calendar.holidays)


def _library_by_year(data: dict[dt.date, str]) -> dict[int, dict[dt.date, str]]:
    by_year: dict[int, dict[dt.date, str]] = {}
    for date, name in data.items():
        by_year.setdefault(date.year, {})[date] = name
    return by_year


_LIBRARY_HOLIDAYS = _library_by_year(chinese_calendar.holidays)
_LIBRARY_WORKDAYS = _library_by_year(chinese_calendar.workdays)


# --- Administrator data -------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """One day entered by an administrator (e.g. name "春节" or "调休上班")."""

    date: dt.date
    is_working_day: bool
    name: str
    source: str  # e.g. "国办发明电〔2026〕X号"


@dataclass(frozen=True)
class YearNotice:
    """A whole year from the State Council notice (国务院办公厅节假日安排通知).

    ``days`` lists its holidays and adjusted working days; every other day follows the
    weekend rule (Saturday and Sunday off, weekdays working).
    """

    year: int
    source: str
    days: tuple[Correction, ...]


@dataclass(frozen=True)
class YearCorrections:
    """What an administrator entered for one year; single-day ``days`` win over everything."""

    notice: YearNotice | None
    days: tuple[Correction, ...]


CorrectionsLoader = Callable[[int], YearCorrections]

_EMPTY = YearCorrections(notice=None, days=())


def _default_loader(year: int) -> YearCorrections:
    return _EMPTY


# --- Days ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayInfo:
    """The status of one date, with the reason shown to users."""

    date: dt.date
    is_working_day: bool
    reason: str  # "" for an ordinary working day
    kind: str  # "workday" | "weekend" | "holiday" | "adjusted_workday"
    source: str  # "library" | "notice" | "correction" | "provisional"
    provisional: bool  # the year is known neither to chinese-calendar nor by a notice


@dataclass(frozen=True)
class _Year:
    """One year's calendar, precomputed."""

    year: int
    first: int  # ordinal of 1 January
    last: int  # ordinal of 31 December
    source: str
    provisional: bool
    infos: tuple[DayInfo, ...]  # indexed by ordinal - first
    working: tuple[int, ...]  # sorted ordinals of working days
    off: tuple[int, ...]  # sorted ordinals of non-working days
    off_infos: tuple[DayInfo, ...]  # DayInfo of each ordinal in ``off``


_lock = threading.RLock()
_cache: dict[int, _Year] = {}
_built_at: dict[int, float] = {}
#: A built year is trusted this long. The process that saves a correction clears its cache at
#: once; every other process (other web workers, the task worker) picks it up within this time.
CACHE_SECONDS = 60.0
_loader: CorrectionsLoader = _default_loader


def set_corrections_loader(loader: CorrectionsLoader | None) -> None:
    """Install the function that returns a year's corrections (None: the empty default)."""
    global _loader
    with _lock:
        _loader = loader if loader is not None else _default_loader
        _cache.clear()


def get_corrections_loader() -> CorrectionsLoader:
    """The loader in use (the empty default unless one was installed)."""
    return _loader


def clear_cache() -> None:
    """Forget every built year (call after an administrator changes the calendar)."""
    with _lock:
        _cache.clear()


def _holiday_reason(name: str) -> str:
    return f"法定节假日：{name}" if name else "法定节假日"


def _adjusted_reason(name: str) -> str:
    if not name or name.startswith(REASON_ADJUSTED):
        return name or REASON_ADJUSTED
    return f"{REASON_ADJUSTED}：{name}"


def _correction_reason(c: Correction) -> str:
    label = c.name or ("工作日" if c.is_working_day else "休息日")
    return f"更正：{label}（{c.source}）" if c.source else f"更正：{label}"


def _check_dates(year: int, days: Iterable[Correction], what: str) -> None:
    for c in days:
        if c.date.year != year:
            raise ValueError(f"{what} for {year} contains a date of another year: {c.date}")


def _build_year(year: int, corrections: YearCorrections) -> _Year:
    notice = corrections.notice
    if notice is not None:
        if notice.year != year:
            raise ValueError(f"notice for year {notice.year} returned for year {year}")
        _check_dates(year, notice.days, "notice")
        source = SOURCE_NOTICE
    elif LIBRARY_FIRST_YEAR <= year <= LIBRARY_LAST_YEAR:
        source = SOURCE_LIBRARY
    else:
        source = SOURCE_PROVISIONAL
    _check_dates(year, corrections.days, "corrections")
    provisional = source == SOURCE_PROVISIONAL

    # Days that differ from the weekend rule: date -> (is_working_day, reason, kind)
    special: dict[dt.date, tuple[bool, str, str]] = {}
    if notice is not None:
        for c in notice.days:
            if c.is_working_day:
                special[c.date] = (True, _adjusted_reason(c.name), ADJUSTED_WORKDAY)
            else:
                special[c.date] = (False, _holiday_reason(c.name), HOLIDAY)
    elif source == SOURCE_LIBRARY:
        for date, name in _LIBRARY_HOLIDAYS.get(year, {}).items():
            special[date] = (False, _holiday_reason(LIBRARY_HOLIDAY_NAMES.get(name, name)), HOLIDAY)
        for date, name in _LIBRARY_WORKDAYS.get(year, {}).items():
            cn = LIBRARY_HOLIDAY_NAMES.get(name, name)
            special[date] = (True, _adjusted_reason(cn), ADJUSTED_WORKDAY)
    else:
        for date, name in statutory_holidays(year).items():
            special[date] = (False, _holiday_reason(name), HOLIDAY)

    overrides = {c.date: c for c in corrections.days}  # the last entry for a date wins

    first = dt.date(year, 1, 1).toordinal()
    last = dt.date(year, 12, 31).toordinal()
    infos: list[DayInfo] = []
    working: list[int] = []
    off: list[int] = []
    off_infos: list[DayInfo] = []
    for ordinal in range(first, last + 1):
        date = dt.date.fromordinal(ordinal)
        weekend = date.weekday() >= 5
        if (override := overrides.get(date)) is not None:
            is_working = override.is_working_day
            kind = (ADJUSTED_WORKDAY if weekend else WORKDAY) if is_working else HOLIDAY
            info = DayInfo(
                date, is_working, _correction_reason(override), kind, SOURCE_CORRECTION, provisional
            )
        elif (s := special.get(date)) is not None:
            info = DayInfo(date, s[0], s[1], s[2], source, provisional)
        elif weekend:
            info = DayInfo(date, False, REASON_WEEKEND, WEEKEND, source, provisional)
        else:
            info = DayInfo(date, True, "", WORKDAY, source, provisional)
        infos.append(info)
        if info.is_working_day:
            working.append(ordinal)
        else:
            off.append(ordinal)
            off_infos.append(info)

    if provisional:
        logger.warning(
            "%d 年的节假日安排尚未录入（chinese-calendar 仅覆盖 %d–%d 年）："
            "该年的期限按法定节假日暂定计算，未含调休，请管理员录入国务院办公厅通知。",
            year,
            LIBRARY_FIRST_YEAR,
            LIBRARY_LAST_YEAR,
        )
    return _Year(
        year=year,
        first=first,
        last=last,
        source=source,
        provisional=provisional,
        infos=tuple(infos),
        working=tuple(working),
        off=tuple(off),
        off_infos=tuple(off_infos),
    )


def _year(year: int) -> _Year:
    cal = _cache.get(year)
    if cal is not None and time.monotonic() - _built_at.get(year, 0.0) < CACHE_SECONDS:
        return cal
    with _lock:
        cal = _cache.get(year)
        if cal is None or time.monotonic() - _built_at.get(year, 0.0) >= CACHE_SECONDS:
            cal = _build_year(year, _loader(year))
            _cache[year] = cal
            _built_at[year] = time.monotonic()
        return cal


def day_info(d: dt.date) -> DayInfo:
    """The status of date ``d``."""
    cal = _year(d.year)
    return cal.infos[d.toordinal() - cal.first]


def is_working_day(d: dt.date) -> bool:
    """Whether ``d`` is a working day (工作日)."""
    cal = _year(d.year)
    return cal.infos[d.toordinal() - cal.first].is_working_day


def year_source(year: int) -> str:
    """ "notice", "library" or "provisional": where ``year``'s calendar comes from."""
    return _year(year).source


def is_provisional(d: dt.date) -> bool:
    """Whether ``d`` lies in a year whose holidays are not known yet (暂定)."""
    return _year(d.year).provisional


# --- Calculations -------------------------------------------------------------------------


@dataclass(frozen=True)
class Calculation:
    """A due-date calculation with the non-working days it passed over."""

    start: dt.date
    length: int
    unit: str  # "working_days" | "days"
    result: dt.date
    skipped: tuple[DayInfo, ...]
    provisional: bool  # some day examined rests on the provisional calendar


def _add_working_ordinal(ordinal: int, year: int, n: int) -> int:
    """Ordinal of the n-th working day after (n > 0) or before (n < 0) ``ordinal``."""
    if n > 0:
        remaining = n
        while True:
            cal = _year(year)
            i = bisect_right(cal.working, ordinal)
            available = len(cal.working) - i
            if remaining <= available:
                return cal.working[i + remaining - 1]
            remaining -= available
            year += 1
    remaining = -n
    while True:
        cal = _year(year)
        i = bisect_left(cal.working, ordinal)
        if remaining <= i:
            return cal.working[i - remaining]
        remaining -= i
        year -= 1


def add_working_days(d: dt.date, n: int) -> dt.date:
    """The n-th working day after ``d`` (``d`` not counted); negative n counts back; 0 gives d."""
    if n == 0:
        return d
    return dt.date.fromordinal(_add_working_ordinal(d.toordinal(), d.year, n))


def add_days(d: dt.date, n: int) -> dt.date:
    """``d`` plus n natural days; ``d`` itself is not counted (民法典第二百零一条)."""
    return d + dt.timedelta(days=n)


def _off_between(lo: dt.date, hi: dt.date) -> tuple[tuple[DayInfo, ...], bool]:
    """Non-working days in [lo, hi] in date order, and whether any day there is provisional."""
    skipped: list[DayInfo] = []
    provisional = False
    lo_ord, hi_ord = lo.toordinal(), hi.toordinal()
    for year in range(lo.year, hi.year + 1):
        cal = _year(year)
        provisional = provisional or cal.provisional
        i = bisect_left(cal.off, lo_ord)
        j = bisect_right(cal.off, hi_ord)
        if i < j:
            skipped.extend(cal.off_infos[i:j])
    return tuple(skipped), provisional


_ONE_DAY = dt.timedelta(days=1)


def explain_working_days(d: dt.date, n: int) -> Calculation:
    """Like :func:`add_working_days`, listing every non-working day between start and result."""
    result = add_working_days(d, n)
    if n > 0:
        skipped, provisional = _off_between(d + _ONE_DAY, result)
    elif n < 0:
        skipped, provisional = _off_between(result, d - _ONE_DAY)
    else:
        skipped, provisional = (), _year(d.year).provisional
    return Calculation(d, n, UNIT_WORKING_DAYS, result, skipped, provisional)


def explain_days(d: dt.date, n: int, *, move_off_holiday: bool = False) -> Calculation:
    """Natural days; with ``move_off_holiday`` a result on a non-working day moves forward.

    The moved-over days are listed in ``skipped`` (民法典第二百零三条: a period whose last day
    is a holiday ends on the day after the holiday). Without moving no calendar day is
    examined, so the calculation is never provisional.
    """
    result = add_days(d, n)
    if not move_off_holiday:
        return Calculation(d, n, UNIT_DAYS, result, (), False)
    moved = next_working_day(result)
    skipped, provisional = _off_between(result, moved)
    return Calculation(d, n, UNIT_DAYS, moved, skipped, provisional)


def add_months(d: dt.date, n: int) -> dt.date:
    """The same day ``n`` months later; a day the month lacks is its last day (1-31 + 1 → 2-28).

    民法典第二百零一条: a period of months ends on the corresponding day of the last month, or
    the month's last day when it has no such day.
    """
    month0 = d.month - 1 + n
    year, month = d.year + month0 // 12, month0 % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - _ONE_DAY).day
    return dt.date(year, month, min(d.day, last))


def explain_months(d: dt.date, n: int, *, move_off_holiday: bool = False) -> Calculation:
    """Calendar months, like :func:`explain_days` for natural days."""
    result = add_months(d, n)
    if not move_off_holiday:
        return Calculation(d, n, UNIT_MONTHS, result, (), False)
    moved = next_working_day(result)
    skipped, provisional = _off_between(result, moved)
    return Calculation(d, n, UNIT_MONTHS, moved, skipped, provisional)


def adjusted_workdays_between(lo: dt.date, hi: dt.date) -> tuple[DayInfo, ...]:
    """The 调休上班 days in [lo, hi]: weekend days a working-day count counts as working days,
    which its explanation names (A26.1)."""
    days = []
    day = lo
    while day <= hi:
        info = day_info(day)
        if info.kind == ADJUSTED_WORKDAY:
            days.append(info)
        day += _ONE_DAY
    return tuple(days)


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Number of working days in (a, b]; negative if b < a (used for "working days left")."""
    if b < a:
        return -working_days_between(b, a)
    a_ord, b_ord = a.toordinal(), b.toordinal()
    count = 0
    for year in range(a.year, b.year + 1):
        working = _year(year).working
        count += bisect_right(working, b_ord) - bisect_right(working, a_ord)
    return count


def next_working_day(d: dt.date) -> dt.date:
    """``d`` itself if it is a working day, else the first working day after it."""
    return d if is_working_day(d) else add_working_days(d, 1)
