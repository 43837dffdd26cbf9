"""Working-day calendar (A26.1) and the 3/5-working-day acceptance examples (A15.1, A15.2).

Pure tests: no database. The loader is reset to the empty default around every test, so
the project's real (database) loader never runs here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import chinese_calendar
import pytest
from lunar_python import Lunar

from rules import calendar as cal
from rules.calendar import (
    Correction,
    YearCorrections,
    YearNotice,
    add_days,
    add_working_days,
    day_info,
    explain_days,
    explain_working_days,
    is_provisional,
    is_working_day,
    next_working_day,
    working_days_between,
    year_source,
)
from rules.holidays import qingming, statutory_holidays

D = dt.date

Setter = Callable[[cal.CorrectionsLoader | None], None]


pytestmark = pytest.mark.usefixtures("pure_calendar")


@pytest.fixture
def set_loader() -> Iterator[Setter]:
    """Install a loader for one test; the default is restored afterwards."""
    yield cal.set_corrections_loader
    cal.set_corrections_loader(None)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


# --- A26.1: sources and coverage ----------------------------------------------------------


def test_a26_1_library_years_read_from_chinese_calendar() -> None:
    assert min(chinese_calendar.holidays).year == cal.LIBRARY_FIRST_YEAR
    assert max(chinese_calendar.holidays).year == cal.LIBRARY_LAST_YEAR
    assert cal.LIBRARY_LAST_YEAR >= 2026
    assert year_source(2026) == "library"
    assert year_source(cal.LIBRARY_FIRST_YEAR) == "library"
    assert year_source(cal.LIBRARY_LAST_YEAR + 1) == "provisional"
    assert year_source(cal.LIBRARY_FIRST_YEAR - 1) == "provisional"


def test_a26_1_agrees_with_chinese_calendar_for_every_day_it_knows() -> None:
    for year in range(cal.LIBRARY_FIRST_YEAR, cal.LIBRARY_LAST_YEAR + 1):
        for d in _days(D(year, 1, 1), D(year, 12, 31)):
            assert is_working_day(d) == chinese_calendar.is_workday(d), d


def test_a26_1_day_info_kinds_and_reasons() -> None:
    assert day_info(D(2026, 10, 1)) == cal.DayInfo(
        D(2026, 10, 1), False, "法定节假日：国庆节", "holiday", "library", False
    )
    sat = day_info(D(2026, 10, 10))
    assert (sat.is_working_day, sat.kind, sat.source) == (True, "adjusted_workday", "library")
    assert sat.reason.startswith("调休上班")
    assert day_info(D(2026, 10, 17)).reason == "周末"
    assert day_info(D(2026, 10, 17)).kind == "weekend"
    ordinary = day_info(D(2026, 10, 12))
    assert (ordinary.is_working_day, ordinary.reason, ordinary.kind) == (True, "", "workday")
    assert day_info(D(2026, 2, 17)).reason == "法定节假日：春节"
    assert day_info(D(2026, 4, 5)).reason == "法定节假日：清明节"
    assert day_info(D(2015, 9, 3)).reason == "法定节假日：抗战胜利70周年纪念日"


# --- A26.1: 2025 --------------------------------------------------------------------------


def test_a26_1_2025_national_day() -> None:
    for d in _days(D(2025, 10, 1), D(2025, 10, 8)):
        assert not is_working_day(d), d
    assert is_working_day(D(2025, 9, 28))  # Sunday, 调休上班
    assert is_working_day(D(2025, 10, 11))  # Saturday, 调休上班
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 11)
    assert add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)


def test_a26_1_2025_spring_festival() -> None:
    for d in _days(D(2025, 1, 28), D(2025, 2, 4)):
        assert not is_working_day(d), d
    assert is_working_day(D(2025, 1, 26))  # Sunday
    assert is_working_day(D(2025, 2, 8))  # Saturday
    assert add_working_days(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert add_working_days(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert add_working_days(D(2025, 1, 27), 3) == D(2025, 2, 7)
    assert add_working_days(D(2025, 1, 27), 4) == D(2025, 2, 8)


def test_a26_1_2025_labour_day() -> None:
    for d in _days(D(2025, 5, 1), D(2025, 5, 5)):
        assert not is_working_day(d), d
    assert is_working_day(D(2025, 4, 27))  # Sunday
    assert add_working_days(D(2025, 4, 25), 1) == D(2025, 4, 27)
    assert add_working_days(D(2025, 4, 30), 1) == D(2025, 5, 6)


# --- A26.1: 2026 (domain-china.md §4) -----------------------------------------------------


def test_a26_1_2026_holidays_and_adjusted_working_days() -> None:
    for start, end in [
        (D(2026, 1, 1), D(2026, 1, 3)),
        (D(2026, 2, 15), D(2026, 2, 23)),
        (D(2026, 4, 4), D(2026, 4, 6)),
        (D(2026, 5, 1), D(2026, 5, 5)),
        (D(2026, 6, 19), D(2026, 6, 21)),
        (D(2026, 9, 25), D(2026, 9, 27)),
        (D(2026, 10, 1), D(2026, 10, 7)),
    ]:
        for d in _days(start, end):
            assert not is_working_day(d), d
    for d in [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20)]:
        assert is_working_day(d), d
        assert d.weekday() >= 5
    assert is_working_day(D(2026, 10, 10))
    assert not is_provisional(D(2026, 12, 31))


def test_a26_1_2026_single_working_day_steps() -> None:
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)  # Saturday 调休
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 27), 1) == D(2026, 2, 28)  # Saturday 调休
    assert add_working_days(D(2026, 4, 30), 1) == D(2026, 5, 6)
    assert add_working_days(D(2026, 5, 8), 1) == D(2026, 5, 9)  # Saturday 调休
    assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)  # Sunday 调休
    assert add_working_days(D(2026, 9, 24), 1) == D(2026, 9, 28)  # over 中秋
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)  # Saturday 调休


def test_a15_1_three_working_days_around_2026_holidays() -> None:
    # 春节: received just before the holiday
    assert add_working_days(D(2026, 2, 12), 3) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 13), 3) == D(2026, 2, 25)
    # 劳动节
    assert add_working_days(D(2026, 4, 29), 3) == D(2026, 5, 7)
    assert add_working_days(D(2026, 4, 30), 3) == D(2026, 5, 8)
    # 国庆
    assert add_working_days(D(2026, 9, 29), 3) == D(2026, 10, 9)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)


def test_a15_2_five_working_days_around_2026_holidays() -> None:
    assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
    assert add_working_days(D(2026, 2, 13), 5) == D(2026, 2, 27)
    assert add_working_days(D(2026, 2, 14), 5) == D(2026, 2, 28)  # ends on the Saturday 调休
    assert add_working_days(D(2026, 4, 29), 5) == D(2026, 5, 9)  # ends on the Saturday 调休
    assert add_working_days(D(2026, 4, 30), 5) == D(2026, 5, 11)
    assert add_working_days(D(2026, 9, 29), 5) == D(2026, 10, 12)
    assert add_working_days(D(2026, 9, 30), 5) == D(2026, 10, 13)


def test_a26_1_negative_working_days_for_reminders_across_holidays() -> None:
    assert add_working_days(D(2026, 2, 25), -3) == D(2026, 2, 13)
    assert add_working_days(D(2026, 5, 7), -3) == D(2026, 4, 29)
    assert add_working_days(D(2026, 5, 11), -3) == D(2026, 5, 7)  # 05-09 Saturday counts
    assert add_working_days(D(2026, 10, 9), -3) == D(2026, 9, 29)
    assert add_working_days(D(2026, 10, 12), -3) == D(2026, 10, 8)  # 10-10 Saturday counts
    # going back over a year boundary into the library's years
    assert add_working_days(D(2026, 1, 5), -2) == D(2025, 12, 31)


def test_a26_1_zero_and_round_trip() -> None:
    assert add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)
    for start in _days(D(2026, 9, 1), D(2026, 10, 31)):
        if is_working_day(start):
            for n in (1, 3, 5, 10):
                assert add_working_days(add_working_days(start, n), -n) == start


def test_a26_1_explain_working_days_lists_skipped_days() -> None:
    calc = explain_working_days(D(2026, 9, 30), 3)
    assert calc.result == D(2026, 10, 10)
    assert (calc.start, calc.length, calc.unit) == (D(2026, 9, 30), 3, "working_days")
    assert [d.date for d in calc.skipped] == _days(D(2026, 10, 1), D(2026, 10, 7))
    assert all(d.reason == "法定节假日：国庆节" for d in calc.skipped)
    assert calc.provisional is False

    back = explain_working_days(D(2026, 10, 9), -3)
    assert back.result == D(2026, 9, 29)
    assert [d.date for d in back.skipped] == _days(D(2026, 10, 1), D(2026, 10, 7))


def test_a26_1_working_days_between() -> None:
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3
    assert working_days_between(D(2026, 10, 1), D(2026, 10, 1)) == 0
    assert working_days_between(D(2025, 12, 30), D(2026, 1, 5)) == 3  # 12-31, 01-04, 01-05
    for start in (D(2026, 2, 12), D(2026, 9, 29), D(2026, 12, 20)):
        for n in (1, 3, 5, 30):
            assert working_days_between(start, add_working_days(start, n)) == n


def test_a26_1_next_working_day() -> None:
    assert next_working_day(D(2026, 10, 9)) == D(2026, 10, 9)
    assert next_working_day(D(2026, 10, 10)) == D(2026, 10, 10)  # Saturday 调休
    assert next_working_day(D(2026, 10, 1)) == D(2026, 10, 8)
    assert next_working_day(D(2026, 10, 11)) == D(2026, 10, 12)


# --- A26.1: natural days ------------------------------------------------------------------


def test_a26_1_add_days_does_not_count_the_start_day() -> None:
    assert add_days(D(2026, 9, 30), 1) == D(2026, 10, 1)
    assert add_days(D(2026, 3, 1), 30) == D(2026, 3, 31)
    assert add_days(D(2026, 3, 31), -30) == D(2026, 3, 1)


def test_a26_1_explain_days_moves_off_holiday_only_when_asked() -> None:
    plain = explain_days(D(2026, 9, 30), 1)
    assert (plain.result, plain.skipped, plain.provisional) == (D(2026, 10, 1), (), False)
    assert plain.unit == "days"

    moved = explain_days(D(2026, 9, 30), 1, move_off_holiday=True)
    assert moved.result == D(2026, 10, 8)
    assert len(moved.skipped) == 7
    assert [d.date for d in moved.skipped] == _days(D(2026, 10, 1), D(2026, 10, 7))
    assert moved.provisional is False

    on_working_day = explain_days(D(2026, 9, 8), 30, move_off_holiday=True)
    assert (on_working_day.result, on_working_day.skipped) == (D(2026, 10, 8), ())
    saturday_workday = explain_days(D(2026, 9, 30), 10, move_off_holiday=True)
    assert (saturday_workday.result, saturday_workday.skipped) == (D(2026, 10, 10), ())
    weekend = explain_days(D(2026, 10, 1), 10, move_off_holiday=True)  # 10-11 Sunday
    assert weekend.result == D(2026, 10, 12)
    assert [d.reason for d in weekend.skipped] == ["周末"]


# --- A26.1: provisional years -------------------------------------------------------------


def test_a26_1_2027_statutory_holidays_from_lunar_calendar() -> None:
    new_year = Lunar.fromYmd(2027, 1, 1).getSolar()
    assert new_year.toYmd() == "2027-02-06"
    assert Lunar.fromYmd(2027, 5, 5).getSolar().toYmd() == "2027-06-09"
    assert Lunar.fromYmd(2027, 8, 15).getSolar().toYmd() == "2027-09-15"
    assert qingming(2027) == D(2027, 4, 5)

    h = statutory_holidays(2027)
    assert len(h) == 13
    assert h[D(2027, 1, 1)] == "元旦"
    assert [d for d, name in h.items() if name == "春节"] == _days(D(2027, 2, 5), D(2027, 2, 8))
    assert h[D(2027, 4, 5)] == "清明节"
    assert [d for d, name in h.items() if name == "劳动节"] == [D(2027, 5, 1), D(2027, 5, 2)]
    assert h[D(2027, 6, 9)] == "端午节"
    assert h[D(2027, 9, 15)] == "中秋节"
    assert [d for d, name in h.items() if name == "国庆节"] == _days(D(2027, 10, 1), D(2027, 10, 3))


def test_a26_1_statutory_holidays_match_library_core_days() -> None:
    # In a year the library knows, every statutory holiday of the 2024 rules is off.
    for d in statutory_holidays(2026):
        assert not chinese_calendar.is_workday(d), d
    # 2028: 中秋 falls on 10-03 and shares the day with 国庆.
    h = statutory_holidays(2028)
    assert h[D(2028, 10, 3)] == "中秋节、国庆节"
    assert len(h) == 12


def test_a26_1_2027_is_provisional() -> None:
    assert year_source(2027) == "provisional"
    assert is_provisional(D(2027, 3, 1))
    info = day_info(D(2027, 2, 5))
    assert (info.is_working_day, info.kind, info.source, info.provisional) == (
        False,
        "holiday",
        "provisional",
        True,
    )
    assert info.reason == "法定节假日：春节"
    assert day_info(D(2027, 3, 1)).provisional  # an ordinary day of such a year too
    assert not is_working_day(D(2027, 4, 5))
    assert not is_working_day(D(2027, 6, 9))
    assert not is_working_day(D(2027, 9, 15))
    assert is_working_day(D(2027, 10, 4))  # no guessed 调休 or 补假
    assert not is_working_day(D(2027, 10, 9))  # Saturday: no guessed 调休 either
    assert not is_working_day(D(2027, 10, 10))  # Sunday


def test_a26_1_2027_working_days_are_provisional() -> None:
    calc = explain_working_days(D(2027, 2, 4), 1)
    assert calc.result == D(2027, 2, 9)
    assert calc.provisional is True
    assert [d.date for d in calc.skipped] == _days(D(2027, 2, 5), D(2027, 2, 8))


def test_a26_1_year_boundary_into_provisional_year() -> None:
    calc = explain_working_days(D(2026, 12, 28), 5)
    # 12-29, 12-30, 12-31, then 2027-01-01 元旦 and a weekend, 01-04, 01-05
    assert calc.result == D(2027, 1, 5)
    assert calc.provisional is True
    assert [d.date for d in calc.skipped] == _days(D(2027, 1, 1), D(2027, 1, 3))
    inside_2026 = explain_working_days(D(2026, 12, 21), 5)
    assert inside_2026.result == D(2026, 12, 28)
    assert inside_2026.provisional is False
    # counting back out of the provisional year into the library's
    assert add_working_days(D(2027, 1, 4), -1) == D(2026, 12, 31)
    assert explain_working_days(D(2027, 1, 4), -1).provisional is True  # 01-01..01-03 examined


def test_a26_1_provisional_year_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="rules.calendar"):
        is_working_day(D(2029, 3, 1))
        is_working_day(D(2029, 3, 2))
    messages = [r.getMessage() for r in caplog.records if "2029" in r.getMessage()]
    assert len(messages) == 1
    assert "暂定" in messages[0]


# --- A26.1: administrator corrections -----------------------------------------------------

NOTICE_2027 = YearNotice(
    year=2027,
    source="测试通知（非真实安排）",
    days=tuple(
        Correction(d, False, "春节", "测试通知") for d in _days(D(2027, 2, 5), D(2027, 2, 11))
    )
    + (Correction(D(2027, 2, 13), True, "调休上班", "测试通知"),),
)


def test_a26_1_year_notice_makes_year_non_provisional(set_loader: Setter) -> None:
    set_loader(lambda y: YearCorrections(NOTICE_2027 if y == 2027 else None, ()))
    assert year_source(2027) == "notice"
    assert not is_provisional(D(2027, 6, 1))
    assert add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 12)
    assert add_working_days(D(2027, 2, 4), 2) == D(2027, 2, 13)  # Saturday 调休
    sat = day_info(D(2027, 2, 13))
    assert (sat.kind, sat.source, sat.reason) == ("adjusted_workday", "notice", "调休上班")
    assert day_info(D(2027, 2, 10)).reason == "法定节假日：春节"
    # days the notice does not list follow the weekend rule only
    assert is_working_day(D(2027, 4, 5))
    calc = explain_working_days(D(2026, 12, 28), 5)
    assert calc.result == D(2027, 1, 4)  # 2027-01-01 is an ordinary Friday in this test notice
    assert calc.provisional is False


def test_a26_1_notice_wins_over_library(set_loader: Setter) -> None:
    empty_2026 = YearNotice(2026, "测试", ())
    set_loader(lambda y: YearCorrections(empty_2026 if y == 2026 else None, ()))
    assert year_source(2026) == "notice"
    assert is_working_day(D(2026, 10, 1))
    assert not is_working_day(D(2026, 10, 10))


def test_a26_1_single_day_correction_overrides_library(set_loader: Setter) -> None:
    source = "国办发明电〔2026〕99号（测试）"
    fixes = (
        Correction(D(2026, 12, 31), False, "元旦前加休", source),
        Correction(D(2026, 10, 1), True, "值班", source),
    )
    set_loader(lambda y: YearCorrections(None, fixes if y == 2026 else ()))
    assert year_source(2026) == "library"
    info = day_info(D(2026, 12, 31))
    assert (info.is_working_day, info.kind, info.source) == (False, "holiday", "correction")
    assert info.reason == f"更正：元旦前加休（{source}）"
    assert is_working_day(D(2026, 10, 1))

    calc = explain_working_days(D(2026, 12, 30), 1)
    assert calc.result == D(2027, 1, 4)
    assert calc.skipped[0].date == D(2026, 12, 31)
    assert source in calc.skipped[0].reason
    assert calc.provisional is True

    back = explain_working_days(D(2027, 1, 4), -1)
    assert back.result == D(2026, 12, 30)


def test_a26_1_correction_wins_over_notice(set_loader: Setter) -> None:
    fix = Correction(D(2027, 2, 13), False, "取消调休", "更正通知")
    set_loader(lambda y: YearCorrections(NOTICE_2027, (fix,)) if y == 2027 else cal._EMPTY)
    info = day_info(D(2027, 2, 13))
    assert (info.is_working_day, info.source) == (False, "correction")
    assert info.reason == "更正：取消调休（更正通知）"
    assert info.provisional is False


def test_a26_1_loader_called_once_per_year_until_cache_cleared(set_loader: Setter) -> None:
    calls: list[int] = []

    def loader(year: int) -> YearCorrections:
        calls.append(year)
        return YearCorrections(None, ())

    set_loader(loader)
    for _ in range(3):
        add_working_days(D(2026, 12, 28), 5)
        is_working_day(D(2026, 1, 5))
    assert sorted(calls) == [2026, 2027]
    cal.clear_cache()
    is_working_day(D(2026, 1, 5))
    assert sorted(calls) == [2026, 2026, 2027]


def test_a26_1_loader_data_for_wrong_year_is_rejected(set_loader: Setter) -> None:
    set_loader(lambda y: YearCorrections(NOTICE_2027, ()))
    with pytest.raises(ValueError):
        is_working_day(D(2026, 5, 1))
    set_loader(lambda y: YearCorrections(None, (Correction(D(2027, 1, 1), True, "x", "y"),)))
    with pytest.raises(ValueError):
        is_working_day(D(2026, 5, 1))


def test_a26_1_set_loader_none_restores_default(set_loader: Setter) -> None:
    set_loader(lambda y: YearCorrections(NOTICE_2027 if y == 2027 else None, ()))
    assert year_source(2027) == "notice"
    set_loader(None)
    assert year_source(2027) == "provisional"
