"""What each member of staff sees first (A24.2): their cases due soon and overdue, their alerts."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from petitions.admin.filters import DUE_SOON_WORKING_DAYS
from petitions.cases.access import user_roles
from petitions.cases.deadlines import local_today
from petitions.cases.models import Alert, Case
from rules import calendar
from rules.roles import Role
from rules.states import OPEN_STATES


def my_cases(user):
    """The open cases a user answers for: all of them for the detachment and the bureau head."""
    cases = Case.objects.filter(state__in=OPEN_STATES)
    if user.is_superuser or user_roles(user) & {Role.DETACHMENT, Role.BUREAU_HEAD}:
        return cases
    return cases.filter(
        Q(handler=user)
        | Q(host_department__head=user)
        | Q(supervising_leader=user)
        | Q(host_department__supervising_leader=user)
    )


class MyCasesPanel(Component):
    name = "petitions_my_cases"
    template_name = "petitions/panels/my_cases.html"
    order = 10

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        today = local_today()
        soon_limit = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS)
        cases = my_cases(self.user).select_related("host_department").order_by("next_due_on")
        overdue = cases.filter(next_due_on__lt=today)
        soon = cases.filter(next_due_on__gte=today, next_due_on__lte=soon_limit)
        important = (
            Alert.objects.filter(
                recipient=self.user,
                kind__in=[Alert.Kind.IMPORTANT, Alert.Kind.SEVERE, Alert.Kind.SOCIAL_IMPACT],
                read_at__isnull=True,
            )
            .select_related("case")
            .order_by("-created_at")
        )
        return {
            "today": today,
            "overdue": overdue[:10],
            "overdue_count": overdue.count(),
            "soon": soon[:10],
            "soon_count": soon.count(),
            "important": important[:10],
            "unread_count": Alert.objects.filter(recipient=self.user, read_at__isnull=True).count(),
        }


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
