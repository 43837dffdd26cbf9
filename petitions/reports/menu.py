"""TODO docstring."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy

from petitions.reports.models import SpotCheck, Talk
from petitions.reports.records import NoDeletePolicy, SpotCheckViewSet, TalkViewSet
from petitions.reports.views import (
    BulletinView,
    DashboardView,
    QuarterlyReportView,
    YearlyEvaluationView,
    may_see_reports,
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
