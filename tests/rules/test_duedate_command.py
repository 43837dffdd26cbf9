"""``manage.py duedate`` (A26.1, A15.1, A15.2)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rules import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    calendar.clear_cache()


def run(*args: str, **options: object) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("duedate", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_a15_1_duedate_three_working_days_over_national_day() -> None:
    out, err = run("2026-09-30", "--working-days", "3")
    assert out == "2026-10-10\n"
    assert err == ""


@pytest.mark.django_db
def test_a15_2_duedate_five_working_days_over_spring_festival() -> None:
    out, _ = run("2026-02-13", "--working-days", "5")
    assert out == "2026-02-27\n"


@pytest.mark.django_db
def test_a26_1_duedate_explain_lists_skipped_days() -> None:
    out, _ = run("2026-09-30", "--working-days", "3", "--explain")
    lines = out.splitlines()
    assert lines[0] == "2026-10-10"
    assert lines[1:] == [f"2026-10-0{d}  法定节假日：国庆节" for d in range(1, 8)]


@pytest.mark.django_db
def test_a26_1_duedate_negative_working_days() -> None:
    out, _ = run("2026-10-09", "--working-days", "-3")
    assert out == "2026-09-29\n"
    out, _ = run("2026-10-09", working_days=-3)
    assert out == "2026-09-29\n"


@pytest.mark.django_db
def test_a26_1_duedate_natural_days() -> None:
    out, _ = run("2026-09-30", "--days", "1")
    assert out == "2026-10-01\n"
    out, _ = run("2026-09-30", "--days", "1", "--move-off-holiday", "--explain")
    lines = out.splitlines()
    assert lines[0] == "2026-10-08"
    assert len(lines) == 8
    assert lines[1] == "2026-10-01  法定节假日：国庆节"


@pytest.mark.django_db
def test_a26_1_duedate_provisional_year_is_flagged() -> None:
    out, err = run("2026-12-28", "--working-days", "5", "--explain")
    lines = out.splitlines()
    assert lines[0] == "2027-01-05 provisional"
    assert lines[1:] == ["2027-01-01  法定节假日：元旦", "2027-01-02  周末", "2027-01-03  周末"]
    assert "暂定" in err


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["2026/09/30", "30-09-2026", "2026-9-30", "tomorrow"])
def test_a26_1_duedate_bad_date_format(bad: str) -> None:
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        run(bad, "--days", "1")


@pytest.mark.django_db
def test_a26_1_duedate_nonexistent_date() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("2026-02-30", "--days", "1")


@pytest.mark.django_db
def test_a26_1_duedate_needs_exactly_one_unit() -> None:
    with pytest.raises(CommandError):
        run("2026-09-30")
    with pytest.raises(CommandError):
        run("2026-09-30", "--days", "1", "--working-days", "1")
    with pytest.raises(CommandError, match="--move-off-holiday"):
        run("2026-09-30", "--working-days", "1", "--move-off-holiday")
