"""统计报表 in the Wagtail admin: dashboards (A5.1, A24.2), the quarterly report (A5.2), the yearly
department evaluation (A21.1) and the bulletin (通报, A20.2); and the records of spot checks
(抽查) and talks (约谈) the evaluation counts.

The figures come from `petitions.reports`, limited to what the user may see. Reports show case
numbers and departments, never a petitioner's name, phone or address.

Who records what (A21.1): the office (办公室) carries out spot checks (第二条), so the office and
the detachment record them; discipline inspection (纪检监察组) holds the talks with staff
(第二十一条), so it and the detachment record talks. The bureau head reads both lists. A system
administrator sees no case (A6.2) and records neither. Nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import io

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from rules.roles import Role
from snippets.models import Department

from . import charts, fields, reports
from .access import visible_cases
from .models import Case, SpotCheck, Talk
from .services import local_today

MIN_YEAR, MAX_YEAR = 2000, 2100


def may_see_reports(user) -> bool:
    return user.is_authenticated and user.has_perm("petitions.view_case")


# --- forms ---------------------------------------------------------------------------------


class QuarterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    quarter = forms.TypedChoiceField(
        label=_("季度"),
        coerce=int,
        choices=[(1, _("第一季度")), (2, _("第二季度")), (3, _("第三季度")), (4, _("第四季度"))],
    )


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _g("截止日期不能早于起始日期。"))
        if start and end and (end - start).days > 366:
            self.add_error("end", _g("通报期间最长一年。"))
        return data


class ScopeForm(forms.Form):
    """Narrow the dashboard to one department or one supervising leader (A5.1)."""

    department = fields.ModelChoiceField(
        queryset=Department.objects.none(), required=False, label=_("科室")
    )
    leader = fields.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label=_("分管领导")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.order_by("sort_order", "name")
        if not reports.sees_all(user):
            departments = departments.filter(pk__in=reports.own_departments(user).values("pk"))
        self.fields["department"].queryset = departments
        self.fields["leader"].queryset = (
            get_user_model()
            .objects.filter(supervised_departments__in=departments.values("pk"))
            .distinct()
            .order_by("username")
        )
        self.fields["leader"].label_from_instance = reports.person


# --- report pages --------------------------------------------------------------------------


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
    from urllib.parse import urlencode

    return urlencode({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()})


def report_charts(report: reports.Report) -> dict:
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
        year, quarter = reports.quarter_of(today)
        return {"year": year, "quarter": quarter}

    def figures(self, data, today):
        period = reports.quarter_bounds(data["year"], data["quarter"])
        scope = reports.report_scope(self.request.user)
        report = reports.period_report(scope, period, today)
        return {"report": report, "title": _g("季度汇报"), **report_charts(report)}

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
        period = reports.day_range(data["start"], data["end"])
        scope = reports.report_scope(self.request.user)
        report = reports.period_report(scope, period, today)
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
        period = reports.year_bounds(data["year"])
        scope = reports.report_scope(self.request.user)
        rows = reports.department_rows(scope, period, today)
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
        scope = reports.report_scope(
            request.user, department=chosen.get("department"), leader=chosen.get("leader")
        )
        year = reports.Period(dt.date(today.year, 1, 1), today + dt.timedelta(days=1))
        by_department = reports.live_rows(scope, today, by="department", rates=year)
        by_leader = reports.live_rows(scope, today, by="leader", rates=year)
        due = [
            {"case": case, "who": reports.responsible(case), "overdue": case.next_due_on < today}
            for case in reports.due_cases(scope, today)
        ]
        context = self.get_context_data(
            form=form,
            today=today,
            by_department=by_department,
            by_leader=by_leader,
            due=due,
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


# --- spreadsheets --------------------------------------------------------------------------


def _sheet(wb, title: str, headings: list[str], rows):
    ws = wb.create_sheet(title=title[:31])
    ws.append([str(h) for h in headings])
    for row in rows:
        ws.append([_cell(v) for v in row])
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                # Text is text: a name beginning with “=” is never read as a formula.
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    return ws


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, reports.Rate):
        return value.percent if value.percent is not None else ""
    if isinstance(value, (int, float, dt.date)):
        return value
    return str(value)


def _rows(rows):
    return [(row.label, row.count) for row in rows]


def period_workbook(report: reports.Report):
    """The quarterly report or bulletin as a workbook: one sheet per table."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    c, t = report.counts, report.on_time
    _sheet(
        wb,
        _g("概况"),
        [_g("项目"), _g("数值")],
        [
            (_g("期间"), report.period.label),
            (_g("收到信访事项"), c.total),
            (_g("重要信访案件"), c.important),
            (_g("期间受理"), report.handling.accepted),
            (_g("期间答复"), report.handling.replied),
            (_g("受理按期率（%）"), t.acceptance),
            (_g("答复按期率（%）"), t.reply),
            (_g("复查复核意见按期率（%）"), t.review),
            (_g("逾期案件"), t.overdue_cases),
            (_g("抽查"), report.spot_checks.total),
            (_g("约谈"), report.talks),
            (_g("满意度评价数"), report.satisfaction.count),
            (_g("平均满意度（1-5）"), report.satisfaction.average),
        ],
    )
    heading = [_g("项目"), _g("件数")]
    _sheet(wb, _g("按渠道"), heading, _rows(c.by_channel))
    _sheet(wb, _g("按类型"), heading, _rows(c.by_kind))
    _sheet(wb, _g("按类别"), heading, _rows(c.by_category))
    _sheet(wb, _g("按科室"), heading, _rows(c.by_department))
    _sheet(wb, _g("按结果"), heading, _rows(c.by_outcome))
    _sheet(
        wb,
        _g("按期率"),
        [_g("事项"), _g("按期"), _g("逾期"), _g("按期率（%）")],
        [
            (_g("受理告知"), t.acceptance.on_time, t.acceptance.late, t.acceptance),
            (_g("答复"), t.reply.on_time, t.reply.late, t.reply),
            (_g("复查复核意见"), t.review.on_time, t.review.late, t.review),
        ],
    )
    _sheet(
        wb,
        _g("逾期案件"),
        [_g("编号"), _g("承办科室"), _g("事项"), _g("期限"), _g("办理日期")],
        [
            (i.number, i.department, i.label, i.due_on, i.done_on or _g("未办"))
            for i in report.overdue
        ],
    )
    _sheet(
        wb,
        _g("重要案件"),
        [_g("编号"), _g("承办科室"), _g("收到日期"), _g("状态"), _g("重要情形")],
        [
            (i.number, i.department, i.received_on, i.state, "、".join(i.reasons))
            for i in report.important
        ],
    )
    r = report.reviews
    _sheet(
        wb,
        _g("复查复核"),
        [_g("事项"), _g("请求"), _g("已出具意见"), _g("其中变更或撤销"), _g("办理中")],
        [
            (
                _g("复查"),
                r.review_requested,
                r.review_replied,
                r.review_overturned,
                r.review_pending,
            ),
            (
                _g("复核"),
                r.re_review_requested,
                r.re_review_replied,
                r.re_review_overturned,
                r.re_review_pending,
            ),
        ],
    )
    _sheet(wb, _g("满意度"), [_g("评价"), _g("件数")], _rows(report.satisfaction.distribution))
    _sheet(wb, _g("抽查"), [_g("结论"), _g("件数")], _rows(report.spot_checks.by_finding))
    _sheet(wb, _g("科室"), *_department_table(report.departments))
    return wb


def _department_table(rows: list[reports.DepartmentRow]):
    headings = [
        _g("科室"),
        _g("承办量"),
        _g("重要案件"),
        _g("受理按期率（%）"),
        _g("答复按期率（%）"),
        _g("逾期案件"),
        _g("复查请求"),
        _g("复核请求"),
        _g("复查复核改变"),
        _g("抽查"),
        _g("抽查发现问题"),
        _g("满意度评价数"),
        _g("平均满意度"),
        _g("约谈"),
    ]
    body = [
        (
            r.name,
            r.volume,
            r.important,
            r.acceptance,
            r.reply,
            r.overdue_cases,
            r.review_requested,
            r.re_review_requested,
            r.overturned,
            r.spot_checks.total,
            r.spot_checks.with_problems,
            r.satisfaction.count,
            r.satisfaction.average,
            r.talks,
        )
        for r in rows
    ]
    return headings, body


def yearly_workbook(rows: list[reports.DepartmentRow]):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, _g("科室考评"), *_department_table(rows))
    return wb


def xlsx_response(wb, name: str) -> HttpResponse:
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# --- spot checks and talks -----------------------------------------------------------------


class NoDeletePolicy(ModelPermissionPolicy):
    """Records are never deleted (第二十四条 in spirit): mistakes are corrected by editing."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return action != "delete" and super().user_has_permission_for_instance(
            user, action, instance
        )


class CaseNumberMixin(WagtailAdminModelForm):
    """The case by its number (编号): a select of every case would not scale."""

    case_number = forms.CharField(label=_("案件编号"), max_length=40)
    case_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_number"].required = self.case_required
        if self.instance.case_id:
            self.initial["case_number"] = self.instance.case.number
        # Put the case first.
        self.order_fields(["case_number", *[f for f in self.fields if f != "case_number"]])

    def clean_case_number(self):
        number = self.cleaned_data.get("case_number", "").strip()
        if not number:
            self.case = None
            return number
        case = visible_cases(self.for_user, Case.objects.filter(number=number)).first()
        if case is None:
            raise forms.ValidationError(_g("没有编号为 %(number)s 的案件。") % {"number": number})
        self.case = case
        return number

    def save(self, commit=True):
        self.instance.case = self.case
        return super().save(commit)


class SpotCheckForm(CaseNumberMixin):
    class Meta:
        model = SpotCheck
        fields = ["department", "checked_on", "finding", "notes"]
        widgets = {"checked_on": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        data = super().clean()
        case = getattr(self, "case", None)
        # The department checked defaults to the case's host department (承办科室).
        if case is not None and not data.get("department"):
            if case.host_department_id is None:
                self.add_error("department", _g("该案件尚未交办，请选择被抽查科室。"))
            else:
                data["department"] = case.host_department
                self.instance.department = case.host_department
        return data


class TalkForm(CaseNumberMixin):
    case_required = False

    class Meta:
        model = Talk
        fields = ["staff", "department", "held_on", "reason", "outcome"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_number"].label = _("相关案件编号（可不填）")
        self.fields["staff"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
        self.fields["staff"].label_from_instance = reports.person

    def clean(self):
        data = super().clean()
        staff = data.get("staff")
        if staff is not None and not data.get("department"):
            # The department defaults to the one the person belongs to or heads.
            own = reports.own_departments(staff).order_by("sort_order").first()
            data["department"] = own
            self.instance.department = own
        return data


class RecordedByCreateView(generic.CreateView):
    recorded_by_field = "checked_by"

    def save_instance(self):
        setattr(self.form.instance, self.recorded_by_field, self.request.user)
        return super().save_instance()


class SpotCheckIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("case", "department", "checked_by")


class TalkIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("case", "department", "staff")


class SpotCheckCreateView(RecordedByCreateView):
    recorded_by_field = "checked_by"


class TalkCreateView(RecordedByCreateView):
    recorded_by_field = "recorded_by"


class SpotCheckViewSet(ModelViewSet):
    model = SpotCheck
    icon = "tasks"
    menu_label = _("抽查记录")
    add_to_admin_menu = False
    url_prefix = "spot-checks"
    name = "spot_checks"
    copy_view_enabled = False
    index_view_class = SpotCheckIndexView
    add_view_class = SpotCheckCreateView
    list_display = ["case", "department", "checked_on", "finding", "checked_by"]
    list_filter = ["finding", "department"]
    ordering = ["-checked_on", "-id"]

    def get_form_class(self, for_update=False):
        return SpotCheckForm


class TalkViewSet(ModelViewSet):
    model = Talk
    icon = "group"
    menu_label = _("约谈记录")
    add_to_admin_menu = False
    url_prefix = "talks"
    name = "talks"
    copy_view_enabled = False
    index_view_class = TalkIndexView
    add_view_class = TalkCreateView
    list_display = ["staff", "department", "held_on", "case", "recorded_by"]
    list_filter = ["department"]
    ordering = ["-held_on", "-id"]

    def get_form_class(self, for_update=False):
        return TalkForm


#: Who records what (see the module docstring); load_starter grants these to the groups.
RECORD_PERMISSIONS = {
    Role.OFFICE: ["add_spotcheck", "change_spotcheck", "view_spotcheck"],
    Role.DETACHMENT: [
        "add_spotcheck",
        "change_spotcheck",
        "view_spotcheck",
        "add_talk",
        "change_talk",
        "view_talk",
    ],
    Role.DISCIPLINE: ["add_talk", "change_talk", "view_talk"],
    Role.BUREAU_HEAD: ["view_spotcheck", "view_talk"],
}


def grant_record_permissions() -> None:
    """Give each role its spot-check and talk permissions (idempotent; load_starter calls it)."""
    from django.contrib.auth.models import Group, Permission

    from rules.roles import ROLE_GROUP_NAMES

    for role, codenames in RECORD_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="petitions", codename__in=codenames)
        )


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_reports(request.user)


class RecordMenuItem(MenuItem):
    def __init__(self, *args, model, **kwargs):
        self.model = model
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        name = self.model._meta.model_name
        return any(request.user.has_perm(f"petitions.{a}_{name}") for a in ("add", "view"))


def report_urls():
    return [
        path("reports/dashboard/", DashboardView.as_view(), name="petitions_report_dashboard"),
        path(
            "reports/quarterly/", QuarterlyReportView.as_view(), name="petitions_report_quarterly"
        ),
        path("reports/yearly/", YearlyEvaluationView.as_view(), name="petitions_report_yearly"),
        path("reports/bulletin/", BulletinView.as_view(), name="petitions_report_bulletin"),
    ]


def report_menu_item():
    """统计报表 in the admin menu, with the records the evaluation counts."""
    items = [
        ReportMenuItem(
            _("科室与分管领导看板"),
            reverse("petitions_report_dashboard"),
            icon_name="view",
            order=10,
        ),
        ReportMenuItem(
            _("季度汇报"), reverse("petitions_report_quarterly"), icon_name="table", order=20
        ),
        ReportMenuItem(
            _("年度科室考评"), reverse("petitions_report_yearly"), icon_name="table", order=30
        ),
        ReportMenuItem(
            _("通报"), reverse("petitions_report_bulletin"), icon_name="doc-full", order=40
        ),
        RecordMenuItem(
            _("抽查记录"),
            reverse("spot_checks:index"),
            icon_name="tasks",
            order=50,
            model=SpotCheck,
        ),
        RecordMenuItem(
            _("约谈记录"), reverse("talks:index"), icon_name="group", order=60, model=Talk
        ),
    ]
    return SubmenuMenuItem(_("统计报表"), Menu(items=items), icon_name="table", order=120)


def register_hooks() -> None:
    """Called once from wagtail_hooks: the report pages, the record viewsets and the menu."""
    register_permission_policy(SpotCheck, NoDeletePolicy(SpotCheck))
    register_permission_policy(Talk, NoDeletePolicy(Talk))
    hooks.register("register_admin_urls", report_urls)
    hooks.register("register_admin_viewset", lambda: [SpotCheckViewSet(), TalkViewSet()])
    hooks.register("register_admin_menu_item", report_menu_item)
