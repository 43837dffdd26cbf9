from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from petitions.admin.dashboard import AlertListView, MyCasesPanel, mark_alert_read
from petitions.admin.permissions import case_permission_policy
from petitions.admin.recusals import RecusalCreateView
from petitions.admin.viewsets import CaseViewSet
from petitions.cases.models import Case
from petitions.reports.menu import register_hooks as register_report_hooks
from petitions.transfer.importing import may_import
from petitions.transfer.views import ImportView
from rules.transitions import TRANSITIONS

register_permission_policy(Case, case_permission_policy)
# 统计报表: dashboards, reports, spot checks and talks (A5.1, A5.2, A20.2, A21.1, A24.2).
register_report_hooks()


@hooks.register("register_admin_viewset")
def register_case_viewset():
    return CaseViewSet()


@hooks.register("register_log_actions")
def register_petition_log_actions(actions):
    """Every step of the transition table is an audit-log action of its own (petitions.*)."""
    actions.register_action("petitions.file", _("收件登记"), _("收件并编号"))
    for transition in TRANSITIONS.values():
        actions.register_action(transition.log_action, transition.label, transition.label)
    actions.register_action("petitions.deadline_recomputed", _("期限重新计算"), _("期限重新计算"))
    actions.register_action("petitions.supervise", _("督办"), _("逾期督办"))
    actions.register_action("petitions.print_notice", _("打印文书"), _("打印文书"))
    actions.register_action("petitions.reveal_identity", _("查看信访人身份"), _("查看信访人身份"))
    actions.register_action("petitions.download_attachment", _("下载附件"), _("下载附件"))
    actions.register_action("petitions.feedback", _("满意度评价"), _("信访人满意度评价"))


@hooks.register("construct_homepage_panels")
def add_my_cases_panel(request, panels):
    panels.insert(0, MyCasesPanel(request.user))


@hooks.register("register_admin_urls")
def register_alert_urls():
    return [
        path("alerts/", AlertListView.as_view(), name="petitions_alerts"),
        path("alerts/<int:pk>/read/", mark_alert_read, name="petitions_alert_read"),
        path("recusals/", RecusalCreateView.as_view(), name="petitions_recusals"),
        path("cases-import/", ImportView.as_view(), name="petitions_import"),
    ]


class RecusalMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("petitions.add_recusal")


@hooks.register("register_settings_menu_item")
def register_recusal_menu_item():
    return RecusalMenuItem(
        _("回避登记"), reverse("petitions_recusals"), icon_name="user", order=900
    )


@hooks.register("register_admin_menu_item")
def register_alerts_menu_item():
    return MenuItem(_("工作提醒"), reverse("petitions_alerts"), icon_name="warning", order=110)


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_import(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem(
        _("导入上级交办件"), reverse("petitions_import"), icon_name="upload", order=105
    )
