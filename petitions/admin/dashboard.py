"""What each member of staff sees first (A24.2): their cases due soon and overdue, their alerts."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from petitions.cases.deadlines import local_today
from petitions.cases.models import Alert
from petitions.cases.selectors import dashboard_of


class MyCasesPanel(Component):
    name = "petitions_my_cases"
    template_name = "petitions/panels/my_cases.html"
    order = 10

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        return dashboard_of(self.user, local_today())


class AlertListView(WagtailAdminTemplateMixin, ListView):
    template_name = "petitions/alerts.html"
    page_title = _("工作提醒")
    header_icon = "warning"
    paginate_by = 50

    def get_queryset(self):
        return Alert.objects.filter(recipient=self.request.user).select_related("case")

    def get_breadcrumbs_items(self):
        return [{"url": "", "label": _("工作提醒")}]


@require_POST
def mark_alert_read(request, pk: int):
    alert = get_object_or_404(Alert, pk=pk, recipient=request.user)
    if alert.recipient_id != request.user.pk:
        raise Http404
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return redirect("petitions_alerts")
