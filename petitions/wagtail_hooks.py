"""Everything the case work adds to the Wagtail admin: viewsets, pages, menus, panels,
permission policies, audit-log actions, and the configuration's preview of a template; and the
bureau's working systems (petitions.office): their screens, menu, panels and log actions."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from petitions.admin.dashboard import AlertListView, MyCasesPanel, mark_alert_read
from petitions.admin.export_jobs import ExportJobIndexView, ExportJobView, export_download
from petitions.admin.holiday_calendar import HolidayCalendarView
from petitions.admin.menu import (
    HolidayCalendarMenuItem,
    ImportMenuItem,
    RecusalMenuItem,
    report_menu,
)
from petitions.admin.permissions import case_permission_policy
from petitions.admin.recusals import RecusalCreateView
from petitions.admin.template_preview import preview_against_case
from petitions.admin.viewsets import CaseViewSet
from petitions.cases.hooks import CASE_PAGE_PANELS, REPLY_DRAFT_PARAGRAPHS
from petitions.cases.log_actions import register_case_log_actions
from petitions.cases.models import Case
from petitions.cases.numbering import next_serial
from petitions.office import urls as office_urls
from petitions.office.log_actions import register_office_log_actions
from petitions.office.mediation import reply_paragraphs
from petitions.office.menu import office_menu
from petitions.office.panels import case_panel, duty_panel, office_panel, report_section
from petitions.reports.models import SpotCheck, Talk
from petitions.reports.records import NoDeletePolicy, SpotCheckViewSet, TalkViewSet
from petitions.reports.views import (
    REPORT_SECTIONS,
    BulletinView,
    DashboardView,
    QuarterlyReportView,
    YearlyEvaluationView,
)
from petitions.transfer.views import ImportJobView, ImportView, import_report
from snippets.events import NEXT_SERIAL_HOOK
from snippets.views import PREVIEW_HOOK

register_permission_policy(Case, case_permission_policy)
# Spot checks and talks are records of the evaluation: never deleted (第二十一条、第二十二条).
register_permission_policy(SpotCheck, NoDeletePolicy(SpotCheck))
register_permission_policy(Talk, NoDeletePolicy(Talk))


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [CaseViewSet(), SpotCheckViewSet(), TalkViewSet()]


@hooks.register("register_log_actions")
def register_petition_log_actions(actions):
    register_case_log_actions(actions)
    register_office_log_actions(actions)


@hooks.register("construct_homepage_panels")
def add_my_cases_panel(request, panels):
    panels.insert(0, MyCasesPanel(request.user))
    # The duty officer's shift and the office's checks come first for those who hold them.
    for panel in (office_panel(request.user), duty_panel(request.user)):
        if panel is not None:
            panels.insert(0, panel)


# The working systems (工作制度) on the case page, in the reply draft and in the reports.
hooks.register(CASE_PAGE_PANELS, case_panel)
hooks.register(REPLY_DRAFT_PARAGRAPHS, reply_paragraphs)
hooks.register(REPORT_SECTIONS, report_section)


@hooks.register(PREVIEW_HOOK)
def preview_message_template(request, template, number):
    return preview_against_case(request, template, number)


@hooks.register(NEXT_SERIAL_HOOK)
def next_case_serial(year: int) -> int:
    """The serial the next case of `year` gets, for 本局信息's number example."""
    return next_serial(year)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("alerts/", AlertListView.as_view(), name="petitions_alerts"),
        path("alerts/<int:pk>/read/", mark_alert_read, name="petitions_alert_read"),
        path("recusals/", RecusalCreateView.as_view(), name="petitions_recusals"),
        path("cases-import/", ImportView.as_view(), name="petitions_import"),
        path("cases-export/", ExportJobIndexView.as_view(), name="petitions_export_jobs"),
        path("cases-export/<int:pk>/", ExportJobView.as_view(), name="petitions_export_job"),
        path(
            "cases-export/<int:pk>/ledger.xlsx",
            export_download,
            name="petitions_export_download",
        ),
        path("cases-import/jobs/<int:pk>/", ImportJobView.as_view(), name="petitions_import_job"),
        path(
            "cases-import/jobs/<int:pk>/report.csv",
            import_report,
            name="petitions_import_report",
        ),
        path("holiday-calendar/", HolidayCalendarView.as_view(), name="holiday_calendar"),
        # 统计报表 (A5.1, A5.2, A20.2, A21.1, A24.2).
        path("reports/dashboard/", DashboardView.as_view(), name="petitions_report_dashboard"),
        path(
            "reports/quarterly/", QuarterlyReportView.as_view(), name="petitions_report_quarterly"
        ),
        path("reports/yearly/", YearlyEvaluationView.as_view(), name="petitions_report_yearly"),
        path("reports/bulletin/", BulletinView.as_view(), name="petitions_report_bulletin"),
        # 工作制度: duty, receptions, rewards, mediation, accountability.
        path("office/", include(office_urls)),
    ]


@hooks.register("register_settings_menu_item")
def register_recusal_menu_item():
    return RecusalMenuItem(
        _("回避登记"), reverse("petitions_recusals"), icon_name="user", order=900
    )


@hooks.register("register_admin_menu_item")
def register_alerts_menu_item():
    return MenuItem(_("工作提醒"), reverse("petitions_alerts"), icon_name="warning", order=110)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem(
        _("导入上级交办件"), reverse("petitions_import"), icon_name="upload", order=105
    )


@hooks.register("register_admin_menu_item")
def register_holiday_calendar_menu_item():
    return HolidayCalendarMenuItem(
        _("节假日日历"),
        reverse("holiday_calendar"),
        name="holiday-calendar",
        icon_name="date",
        order=801,
    )


@hooks.register("register_admin_menu_item")
def register_report_menu_item():
    return report_menu()


@hooks.register("register_admin_menu_item")
def register_office_menu_item():
    return office_menu()
