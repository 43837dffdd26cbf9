"""The holiday-calendar coverage page (节假日日历, A26.1).

For each year it shows where the working-day calendar comes from: the State Council notice an
administrator entered, the chinese-calendar library, or nothing yet (暂定, shown loudly: every
due date in such a year is provisional until the notice is entered), with the year's holidays,
adjusted working days, single-day corrections and open deadlines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import HeaderButton

from petitions.cases.models import Deadline
from rules import calendar
from rules.deadlines import Unit
from rules.holidays import statutory_holidays
from snippets.bureau import bureau_rules
from snippets.models import CalendarCorrection, HolidayNotice

VIEW_PERMISSION = "snippets.view_holidaynotice"

#: Years shown around the current one.
YEARS_BEFORE = 2
YEARS_AFTER = 2


def may_view(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm(VIEW_PERMISSION))
    )


@dataclass
class YearRow:
    year: int
    source: str  # calendar.SOURCE_NOTICE | SOURCE_LIBRARY | SOURCE_PROVISIONAL | "error"
    notice: HolidayNotice | None = None
    notice_url: str = ""
    holidays: int = 0
    adjusted_workdays: int = 0
    corrections: list[dict] = field(default_factory=list)
    open_deadlines: int = 0
    provisional_deadlines: int = 0
    error: str = ""
    #: Statutory holidays (《全国年节及纪念日放假办法》) the year's notice does not list.
    missing_holidays: list[str] = field(default_factory=list)

    @property
    def is_notice(self) -> bool:
        return self.source == calendar.SOURCE_NOTICE

    @property
    def is_library(self) -> bool:
        return self.source == calendar.SOURCE_LIBRARY

    @property
    def is_provisional(self) -> bool:
        return self.source == calendar.SOURCE_PROVISIONAL


def _day_counts(year: int) -> tuple[int, int]:
    """Holidays and adjusted working days of ``year`` in the calendar in force."""
    holidays = adjusted = 0
    day = dt.date(year, 1, 1)
    one = dt.timedelta(days=1)
    while day.year == year:
        kind = calendar.day_info(day).kind
        if kind == calendar.HOLIDAY:
            holidays += 1
        elif kind == calendar.ADJUSTED_WORKDAY:
            adjusted += 1
        day += one
    return holidays, adjusted


class DueDateCalculatorForm(forms.Form):
    """期限计算器: a start date, a count and a unit give the due date with its explanation, on
    the calendar in force (an administrator sees a correction's effect at once)."""

    start = forms.DateField(label=_("起算日期（当日不计入）"), widget=AdminDateInput)
    count = forms.IntegerField(label=_("期限长度"), min_value=1, max_value=3650)
    unit = forms.ChoiceField(label=_("单位"), choices=[(u.value, u.label) for u in Unit])
    move_off_holiday = forms.BooleanField(
        label=_("自然日期限届满日遇节假日顺延"),
        required=False,
        help_text=_("默认按本局办理选项；只对自然日期限有效。"),
    )


@dataclass
class DueDateResult:
    calculation: calendar.Calculation
    due_info: calendar.DayInfo
    moved: bool
    summary: str


def calculate(form: DueDateCalculatorForm) -> DueDateResult:
    data = form.cleaned_data
    start, count, unit = data["start"], data["count"], data["unit"]
    if unit == Unit.WORKING_DAYS:
        calc = calendar.explain_working_days(start, count)
        moved = False
    else:
        calc = calendar.explain_days(start, count, move_off_holiday=data["move_off_holiday"])
        moved = calc.result != calendar.add_days(start, count)
    summary = _g("自 %(start)s 起（当日不计入）%(count)d%(unit)s，期限届满日为 %(due)s。") % {
        "start": start.isoformat(),
        "count": count,
        "unit": Unit(unit).label,
        "due": calc.result.isoformat(),
    }
    return DueDateResult(
        calculation=calc, due_info=calendar.day_info(calc.result), moved=moved, summary=summary
    )


def _snippet_url(model, action: str, *args) -> str:
    return reverse(model.snippet_viewset.get_url_name(action), args=args)


class HolidayCalendarView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "snippets/holiday_calendar.html"
    forbidden_template_name = "snippets/holiday_calendar_forbidden.html"
    page_title = _("节假日日历")
    header_icon = "date"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        if not may_view(request.user):
            return TemplateResponse(
                request,
                self.forbidden_template_name,
                {
                    "page_title": self.page_title,
                    "header_title": self.page_title,
                    "header_icon": self.header_icon,
                    "breadcrumbs_items": self.get_breadcrumbs_items(),
                },
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)

    def can_add_notice(self) -> bool:
        user = self.request.user
        return user.is_superuser or user.has_perm("snippets.add_holidaynotice")

    def can_add_correction(self) -> bool:
        user = self.request.user
        return user.is_superuser or user.has_perm("snippets.add_calendarcorrection")

    def get_header_buttons(self):
        buttons = []
        if self.can_add_notice():
            buttons.append(
                HeaderButton(
                    _("录入年度节假日安排"),
                    _snippet_url(HolidayNotice, "add"),
                    icon_name="plus",
                )
            )
        if self.can_add_correction():
            buttons.append(
                HeaderButton(
                    _("录入单日更正"),
                    _snippet_url(CalendarCorrection, "add"),
                    icon_name="plus",
                )
            )
        return buttons

    def show_all(self) -> bool:
        return self.request.GET.get("all") == "1"

    def get_years(self, today: dt.date, extra: set[int]) -> list[int]:
        first = today.year - YEARS_BEFORE
        if self.show_all():
            first = min(first, calendar.LIBRARY_FIRST_YEAR)
        years = set(range(first, today.year + YEARS_AFTER + 1))
        # A year with entered data or open deadlines is always shown, however far it is.
        return sorted(years | extra)

    def build_rows(self, today: dt.date) -> list[YearRow]:
        notices = {n.year: n for n in HolidayNotice.objects.prefetch_related("days")}
        corrections: dict[int, list[CalendarCorrection]] = {}
        for c in CalendarCorrection.objects.order_by("date"):
            corrections.setdefault(c.date.year, []).append(c)
        deadline_counts = {
            row["year"]: row
            for row in (
                _open_deadlines()
                .annotate(year=ExtractYear("due_on"))
                .values("year")
                .order_by("year")
                .annotate(
                    total=Count("id"),
                    provisional=Count("id", filter=Q(provisional=True)),
                )
            )
        }
        rows = []
        for year in self.get_years(today, set(notices) | set(corrections) | set(deadline_counts)):
            row = YearRow(year=year, source=calendar.SOURCE_PROVISIONAL)
            notice = notices.get(year)
            if notice is not None:
                row.notice = notice
                row.notice_url = _snippet_url(HolidayNotice, "edit", notice.pk)
                listed = {
                    day for d in notice.days.all() if not d.is_working_day for day in d.dates()
                }
                row.missing_holidays = sorted(
                    {name for day, name in statutory_holidays(year).items() if day not in listed}
                )
            try:
                row.source = calendar.year_source(year)
                row.holidays, row.adjusted_workdays = _day_counts(year)
            except ValueError as exc:
                row.source = "error"
                row.error = str(exc)
            row.corrections = [
                {
                    "date": c.date,
                    "name": c.name,
                    "is_working_day": c.is_working_day,
                    "source": c.source,
                    "url": _snippet_url(CalendarCorrection, "edit", c.pk),
                }
                for c in corrections.get(year, [])
            ]
            counts = deadline_counts.get(year)
            if counts:
                row.open_deadlines = counts["total"]
                row.provisional_deadlines = counts["provisional"]
            rows.append(row)
        return rows

    def calculator(self, today: dt.date) -> tuple[DueDateCalculatorForm, DueDateResult | None]:
        if "start" not in self.request.GET:
            form = DueDateCalculatorForm(
                initial={
                    "start": today,
                    "count": 3,
                    "unit": Unit.WORKING_DAYS.value,
                    "move_off_holiday": bureau_rules().move_natural_due_off_holidays,
                }
            )
            return form, None
        form = DueDateCalculatorForm(self.request.GET)
        if not form.is_valid():
            return form, None
        try:
            return form, calculate(form)
        except (ValueError, OverflowError) as exc:
            form.add_error(None, str(exc))
            return form, None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        rows = self.build_rows(today)
        calculator_form, calculation = self.calculator(today)
        context.update(
            rows=rows,
            today=today,
            provisional_years=[
                r.year
                for r in rows
                if r.is_provisional and (r.year >= today.year or r.open_deadlines)
            ],
            add_notice_url=_snippet_url(HolidayNotice, "add") if self.can_add_notice() else "",
            library_first_year=calendar.LIBRARY_FIRST_YEAR,
            library_last_year=calendar.LIBRARY_LAST_YEAR,
            show_all=self.show_all(),
            this_url=reverse("holiday_calendar"),
            calculator_form=calculator_form,
            calculation=calculation,
        )
        return context


def _open_deadlines():
    return Deadline.objects.filter(status=Deadline.Status.OPEN)
