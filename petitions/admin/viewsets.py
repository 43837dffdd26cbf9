"""The case ledger's viewset (信访台账): its columns, filters, export, and the case's own pages."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet

from petitions.admin.columns import DueColumn, StateColumn, TextColumn
from petitions.admin.filters import CaseFilterSet
from petitions.admin.forms import CaseEditForm, CaseIntakeForm
from petitions.admin.permissions import case_permission_policy
from petitions.admin.views import (
    CaseCreateView,
    CaseDetailView,
    CaseEditView,
    CaseHistoryView,
    CaseIndexView,
    CaseNoticeView,
    CaseTransitionView,
    attachment_download,
    reveal_identity,
)
from petitions.cases.models import Case
from petitions.cases.selectors import owning_leaders


class CaseViewSet(ModelViewSet):
    model = Case
    icon = "folder-open-inverse"
    menu_label = _("信访台账")
    menu_order = 100
    add_to_admin_menu = True
    url_prefix = "cases"
    name = "cases"
    permission_policy = case_permission_policy
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = CaseIndexView
    add_view_class = CaseCreateView
    edit_view_class = CaseEditView
    inspect_view_class = CaseDetailView
    history_view_class = CaseHistoryView
    filterset_class = CaseFilterSet
    search_fields = ["number", "source_ticket_number", "description", "place", "reported_party"]
    search_backend_name = None
    list_per_page = 50
    ordering = ["-received_at", "-id"]
    list_export = [
        "number",
        "received_at",
        "channel",
        "kind_label",
        "category_names",
        "host_department",
        "state_label",
        "next_due_on",
        "petitioner_names_masked",
        "petitioner_phones_masked",
        "place",
        "source_ticket_number",
    ]
    export_headings = {
        "number": _("编号"),
        "received_at": _("收到时间"),
        "channel": _("渠道"),
        "kind_label": _("信访类型"),
        "category_names": _("问题类别"),
        "host_department": _("承办科室"),
        "state_label": _("状态"),
        "next_due_on": _("下一期限"),
        "petitioner_names_masked": _("信访人"),
        "petitioner_phones_masked": _("电话"),
        "place": _("问题发生地点"),
        "source_ticket_number": _("来源工单号"),
    }
    export_filename = "ledger"

    @property
    def list_display(self):
        return [
            TitleColumn(
                "number",
                label=_("编号"),
                url_name="cases:inspect",
            ),
            TextColumn(
                "received_on", label=_("收到日期"), accessor=lambda c: c.received_on.isoformat()
            ),
            TextColumn("channel", label=_("渠道"), accessor="channel.name"),
            TextColumn("categories", label=_("问题类别"), accessor=lambda c: c.category_names),
            TextColumn("host_department", label=_("承办科室"), accessor="host_department.name"),
            StateColumn("state", label=_("状态")),
            TextColumn("owning_leader", label=_("包案领导"), accessor=owning_leaders),
            DueColumn("next_due_on", label=_("下一期限"), sort_key="next_due_on"),
        ]

    def get_form_class(self, for_update=False):
        return CaseEditForm if for_update else CaseIntakeForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "<int:pk>/step/<slug:name>/",
                CaseTransitionView.as_view(),
                name="transition",
            ),
            path("<int:pk>/notice/<slug:kind>/", CaseNoticeView.as_view(), name="notice"),
            path("<int:pk>/reveal/", reveal_identity, name="reveal"),
            path(
                "<int:pk>/attachment/<int:attachment_id>/",
                attachment_download,
                name="attachment",
            ),
        ]
