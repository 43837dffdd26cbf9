"""compute_due as a table: rule, start day, and the due date the regulation gives (no database).

Rows cross the 2026 holidays and their 调休 working days, use each unit, and the provisional 2027
calendar, so a change to the calendar or to a rule shows up here as a changed date.
"""

from __future__ import annotations

import datetime as dt

import pytest

from rules.deadlines import DEFAULT_RULES, RuleKey, compute_due

pytestmark = pytest.mark.usefixtures("pure_calendar")

D = dt.date

# fmt: off
ROWS = [
    # (test id, rule, start, move off holidays, due, reminder, provisional)
    # 3 working days (第十五条): National Day 2026 is 10-01..10-07, Saturday 10-10 is worked.
    ("a15_1_direct_acceptance_over_national_day", RuleKey.ACCEPTANCE_DIRECT, D(2026, 9, 30), False, D(2026, 10, 10), D(2026, 9, 30), False),
    ("a15_1_direct_acceptance_plain_week", RuleKey.ACCEPTANCE_DIRECT, D(2026, 6, 1), False, D(2026, 6, 4), D(2026, 6, 1), False),
    # 5 working days for an assigned case (第十五条第二款).
    ("a15_2_assigned_acceptance_over_a_weekend", RuleKey.ACCEPTANCE_ASSIGNED, D(2026, 6, 5), False, D(2026, 6, 12), D(2026, 6, 9), False),
    # 30 calendar days to reply (第十七条), 15 for an important case.
    ("a17_2_reply_30_days", RuleKey.REPLY, D(2026, 6, 1), False, D(2026, 7, 1), D(2026, 6, 26), False),
    ("a17_2_important_reply_15_days", RuleKey.REPLY_IMPORTANT, D(2026, 6, 1), False, D(2026, 6, 16), D(2026, 6, 11), False),
    # A calendar-day limit ending on National Day stays there unless the bureau moves it.
    ("a17_2_natural_days_stay_on_a_holiday", RuleKey.REPLY_IMPORTANT, D(2026, 9, 16), False, D(2026, 10, 1), D(2026, 9, 28), False),
    ("a17_2_natural_days_moved_off_a_holiday", RuleKey.REPLY_IMPORTANT, D(2026, 9, 16), True, D(2026, 10, 8), D(2026, 9, 28), False),
    # The petitioner's 30-day windows (第十九条).
    ("a19_1_review_window_30_days", RuleKey.REVIEW_REQUEST_WINDOW, D(2026, 3, 2), False, D(2026, 4, 1), D(2026, 3, 27), False),
    # The district reception's completion report (第七条第二款): one calendar month; a day the
    # month lacks is its last day (01-31 → 02-28, a 调休 working Saturday, so it stays).
    ("a7_3_district_report_one_month", RuleKey.DISTRICT_RECEPTION_REPORT, D(2026, 10, 15), False, D(2026, 11, 15), D(2026, 11, 11), False),
    ("a7_3_district_report_month_end", RuleKey.DISTRICT_RECEPTION_REPORT, D(2026, 1, 31), False, D(2026, 2, 28), D(2026, 2, 25), False),
    ("a7_3_district_report_moved_off_national_day", RuleKey.DISTRICT_RECEPTION_REPORT, D(2026, 9, 1), True, D(2026, 10, 8), D(2026, 9, 28), False),
    ("a7_3_district_report_into_2027_is_provisional", RuleKey.DISTRICT_RECEPTION_REPORT, D(2026, 12, 31), False, D(2027, 1, 31), D(2027, 1, 27), True),
    # 2027 has no State Council notice yet: the due date is provisional (暂定).
    ("a26_1_2027_is_provisional", RuleKey.ACCEPTANCE_DIRECT, D(2027, 3, 1), False, D(2027, 3, 4), D(2027, 3, 1), True),
]
# fmt: on


@pytest.mark.parametrize(
    ("rule", "start", "move", "due", "remind_on", "provisional"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_a17_2_compute_due_table(rule, start, move, due, remind_on, provisional) -> None:
    result = compute_due(DEFAULT_RULES[rule], start, move_off_holiday=move)
    assert (result.due, result.remind_on, result.provisional) == (due, remind_on, provisional)
    assert result.as_dict()["due"] == due.isoformat()
