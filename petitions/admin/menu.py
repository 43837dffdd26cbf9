"""The admin menu items of the case work: each shown only to those who may use it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from petitions.admin.holiday_calendar import may_view as may_view_holiday_calendar
from petitions.reports.models import SpotCheck, Talk
from petitions.reports.spot_checks import may_draw
from petitions.reports.views import may_see_reports
from petitions.transfer.importing import may_import


class RecusalMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("petitions.add_recusal")


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_import(request.user)


class HolidayCalendarMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return may_view_holiday_calendar(request.user)


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


class SpotCheckDrawMenuItem(MenuItem):
    def is_shown(self, request):
        return may_draw(request.user)


def report_menu() -> SubmenuMenuItem:
    """统计报表, with the records the evaluation counts."""
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
        SpotCheckDrawMenuItem(
            _("抽查抽样"), reverse("spot_checks:draws"), icon_name="tasks", order=55
        ),
        RecordMenuItem(
            _("约谈记录"), reverse("talks:index"), icon_name="group", order=60, model=Talk
        ),
    ]
    return SubmenuMenuItem(_("统计报表"), Menu(items=items), icon_name="table", order=120)
