"""统计报表 in the Wagtail admin: dashboards (A5.1, A24.2), the quarterly report (A5.2), the yearly
department evaluation (A21.1) and the bulletin (通报, A20.2); and the records of spot checks
(抽查) and talks (约谈) the evaluation counts.

The figures come from `petitions.reports.figures` and `.live`, limited to what the user may see. Reports show case
numbers and departments, never a petitioner's name, phone or address.

Who records what (A21.1): the office (办公室) carries out spot checks (第二条), so the office and
the detachment record them; discipline inspection (纪检监察组) holds the talks with staff
(第二十一条), so it and the detachment record talks. The bureau head reads both lists. A system
administrator sees no case (A6.2) and records neither. Nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from petitions.cases.deadlines import local_today
from petitions.reports import charts
from petitions.reports.figures import Report, department_rows, period_report
from petitions.reports.forms import PeriodForm, QuarterForm, ScopeForm, YearForm
from petitions.reports.live import due_cases, live_rows, responsible
from petitions.reports.periods import Period, day_range, quarter_bounds, quarter_of, year_bounds
from petitions.reports.scope import report_scope
from petitions.reports.workbooks import period_workbook, xlsx_response, yearly_workbook

#: A Wagtail hook: fn(request, report, start, end) -> a Component (or None) that another part
#: adds to a report ("dashboard" or "quarterly") covering the days [start, end). The working
#: systems add the monthly check of leaders' receptions (第七条).
REPORT_SECTIONS = "petitions_report_sections"


def may_see_reports(user) -> bool:
    return user.is_authenticated and user.has_perm("petitions.view_case")


def report_sections(request, report: str, start: dt.date, end: dt.date) -> list:
    return [
        section
        for fn in hooks.get_hooks(REPORT_SECTIONS)
        if (section := fn(request, report, start, end)) is not None
    ]


class ReportView(WagtailAdminTemplateMixin, TemplateView):
    """A report page: the form, then the figures; `?format=xlsx` or `?format=print`."""

    header_icon = "table"
    form_class: type[forms.Form] = YearForm
    print_template_name = ""

    def dispatch(self, request, *args, **kwargs):
        if not may_see_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [{"url": "", "label": _("统计报表")}, {"url": "", "label": self.page_title}]

    def initial(self, today: dt.date) -> dict:
        return {"year": today.year}

    def get(self, request, *args, **kwargs):
        today = local_today()
        data = request.GET if any(k in request.GET for k in self.form_class.base_fields) else None
        form = self.form_class(data or self.initial(today))
        context = self.get_context_data(form=form, today=today)
        if not form.is_valid():
            context["report"] = None
            return self.render_to_response(context)
        context.update(self.figures(form.cleaned_data, today))
        fmt = request.GET.get("format")
        if fmt == "xlsx":
            return self.xlsx(context)
        if fmt == "print":
            return TemplateResponse(request, self.print_template_name, context)
        context["query"] = request.GET.urlencode() or _encode(form.cleaned_data)
        return self.render_to_response(context)

    def figures(self, data: dict, today: dt.date) -> dict:
        raise NotImplementedError

    def xlsx(self, context) -> HttpResponse:
        raise NotImplementedError


def _encode(data: dict) -> str:

    return urlencode({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()})


def report_charts(report: Report) -> dict:
    c = report.counts
    rates = [
        (_g("受理按期率"), report.on_time.acceptance),
        (_g("答复按期率"), report.on_time.reply),
        (_g("复查复核意见按期率"), report.on_time.review),
    ]
    return {
        "chart_channel": charts.count_chart(c.by_channel, title=_g("按渠道")),
        "chart_category": charts.count_chart(c.by_category, title=_g("按问题类别")),
        "chart_department": charts.count_chart(c.by_department, title=_g("按承办科室")),
        "chart_outcome": charts.count_chart(c.by_outcome, title=_g("按办理结果（状态）")),
        "chart_rates": charts.rate_chart(rates, title=_g("按期率")),
    }


class QuarterlyReportView(ReportView):
    """季度汇报 (A5.2): the report to the Party group for any quarter."""

    template_name = "petitions/reports/quarterly.html"
    print_template_name = "petitions/reports/quarterly_print.html"
    page_title = _("季度汇报")
    form_class = QuarterForm

    def initial(self, today):
        year, quarter = quarter_of(today)
        return {"year": year, "quarter": quarter}

    def figures(self, data, today):
        period = quarter_bounds(data["year"], data["quarter"])
        scope = report_scope(self.request.user)
        report = period_report(scope, period, today)
        return {
            "report": report,
            "title": _g("季度汇报"),
            "sections": report_sections(self.request, "quarterly", period.start, period.end),
            **report_charts(report),
        }

    def xlsx(self, context):
        report = context["report"]
        name = f"quarterly-{report.period.start:%Y}-Q{(report.period.start.month - 1) // 3 + 1}"
        return xlsx_response(period_workbook(report), name)


class BulletinView(ReportView):
    """通报 (A20.2): the handling of a chosen period, to print and circulate in the bureau."""

    template_name = "petitions/reports/bulletin.html"
    print_template_name = "petitions/reports/bulletin_print.html"
    page_title = _("通报")
    form_class = PeriodForm

    def initial(self, today):
        return {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}

    def figures(self, data, today):
        period = day_range(data["start"], data["end"])
        scope = report_scope(self.request.user)
        report = period_report(scope, period, today)
        return {"report": report, "title": _g("信访工作通报"), **report_charts(report)}

    def xlsx(self, context):
        report = context["report"]
        return xlsx_response(period_workbook(report), f"bulletin-{report.period.start:%Y%m%d}")


class YearlyEvaluationView(ReportView):
    """年度科室考评 (A21.1): a row of figures per department for a year."""

    template_name = "petitions/reports/yearly.html"
    print_template_name = "petitions/reports/yearly_print.html"
    page_title = _("年度科室考评")
    form_class = YearForm

    def figures(self, data, today):
        period = year_bounds(data["year"])
        scope = report_scope(self.request.user)
        rows = department_rows(scope, period, today)
        return {
            "report": rows,
            "rows": rows,
            "period": period,
            "title": _g("年度科室考评"),
            "chart_volume": charts.bar_chart(
                [(r.name, r.volume) for r in rows], title=_g("各科室承办量")
            ),
            "chart_reply": charts.rate_chart(
                [(r.name, r.reply) for r in rows], title=_g("各科室答复按期率")
            ),
        }

    def xlsx(self, context):
        period = context["period"]
        return xlsx_response(yearly_workbook(context["rows"]), f"evaluation-{period.start:%Y}")


class DashboardView(ReportView):
    """科室、分管领导看板 (A5.1): open, due-soon, overdue and important cases now, with on-time
    rates this year; and every case overdue or due soon with who answers for it (A24.2)."""

    template_name = "petitions/reports/dashboard.html"
    page_title = _("科室与分管领导看板")
    header_icon = "view"
    form_class = ScopeForm

    def get(self, request, *args, **kwargs):
        today = local_today()
        form = ScopeForm(request.GET or None, user=request.user)
        chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
        scope = report_scope(
            request.user, department=chosen.get("department"), leader=chosen.get("leader")
        )
        year = Period(dt.date(today.year, 1, 1), today + dt.timedelta(days=1))
        by_department = live_rows(scope, today, by="department", rates=year)
        by_leader = live_rows(scope, today, by="leader", rates=year)
        due = [
            {"case": case, "who": responsible(case), "overdue": case.next_due_on < today}
            for case in due_cases(scope, today)
        ]
        context = self.get_context_data(
            form=form,
            today=today,
            by_department=by_department,
            by_leader=by_leader,
            due=due,
            sections=report_sections(
                request, "dashboard", today.replace(day=1), today + dt.timedelta(days=1)
            ),
            chart_open=charts.bar_chart(
                [(r.name, r.open) for r in by_department], title=_g("各科室在办案件")
            ),
            chart_overdue=charts.bar_chart(
                [(r.name, r.overdue) for r in by_department], title=_g("各科室逾期案件")
            ),
            chart_reply=charts.rate_chart(
                [(r.name, r.reply) for r in by_department], title=_g("各科室答复按期率（本年）")
            ),
        )
        return self.render_to_response(context)
