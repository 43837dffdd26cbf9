"""``manage.py duedate``: compute a due date with the working-day calendar."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rules import calendar

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: str) -> dt.date:
    """A strict YYYY-MM-DD date, or CommandError with a message in Chinese."""
    if not _DATE_RE.fullmatch(value.strip()):
        raise CommandError(f"日期格式应为 YYYY-MM-DD，收到：{value!r}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"日期不存在：{value}（格式应为 YYYY-MM-DD）") from None


class Command(BaseCommand):
    help = (
        "计算期限：从 START 起加 N 个工作日（--working-days）或 N 个自然日（--days），"
        "START 当日不计入。结果为暂定时在日期后输出 provisional。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("start", metavar="START", help="起算日期，YYYY-MM-DD")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument(
            "--working-days", type=int, metavar="N", help="工作日数（负数为向前倒数）"
        )
        group.add_argument("--days", type=int, metavar="N", help="自然日数")
        parser.add_argument("--explain", action="store_true", help="逐行列出跳过的非工作日及原因")
        parser.add_argument(
            "--move-off-holiday",
            action="store_true",
            help="（仅用于 --days）期限末日为休息日时顺延至下一个工作日",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start = parse_date(options["start"])
        if options["working_days"] is not None:
            if options["move_off_holiday"]:
                raise CommandError("--move-off-holiday 只能与 --days 一起使用")
            calc = calendar.explain_working_days(start, options["working_days"])
        else:
            calc = calendar.explain_days(
                start, options["days"], move_off_holiday=options["move_off_holiday"]
            )
        line = calc.result.strftime("%Y-%m-%d")
        if calc.provisional:
            line += " provisional"
        self.stdout.write(line)
        if options["explain"]:
            for day in calc.skipped:
                self.stdout.write(f"{day.date:%Y-%m-%d}  {day.reason}")
        if calc.provisional:
            self.stderr.write(
                "注意：计算涉及尚未录入国务院节假日安排的年份，结果为暂定日期（未含调休）。"
            )
