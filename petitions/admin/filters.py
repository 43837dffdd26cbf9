"""The ledger's filters (台账筛选)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from petitions.cases.deadlines import local_today
from petitions.cases.models import Case
from rules.kinds import Kind
from rules.states import State
from snippets.models import Category, Channel, Department


class CaseFilterSet(WagtailFilterSet):
    # distinct=False: a case has one state; a DISTINCT would sort the whole table.
    state = django_filters.MultipleChoiceFilter(
        label=_("状态"), choices=[(s.value, s.label) for s in State], distinct=False
    )
    channel = django_filters.ModelChoiceFilter(label=_("渠道"), queryset=Channel.objects.all())
    kind = django_filters.ChoiceFilter(label=_("信访类型"), choices=Kind.choices)
    # One category: the join gives a case at most one row, no DISTINCT needed.
    categories = django_filters.ModelChoiceFilter(
        label=_("问题类别"), queryset=Category.objects.all(), distinct=False
    )
    host_department = django_filters.ModelChoiceFilter(
        label=_("承办科室"), queryset=Department.objects.all()
    )
    important = django_filters.BooleanFilter(label=_("重要信访案件"), method="filter_important")
    due = django_filters.ChoiceFilter(
        label=_("期限"),
        choices=[
            ("soon", _("3个工作日内到期")),
            ("overdue", _("已逾期")),
        ],
        method="filter_due",
    )
    year = django_filters.NumberFilter(label=_("年度"))

    class Meta:
        model = Case
        fields = ["state", "channel", "kind", "categories", "host_department", "year"]

    def filter_important(self, queryset, name, value):
        if value is None:
            return queryset
        important = queryset.important()
        return important if value else queryset.exclude(pk__in=important.values("pk"))

    def filter_due(self, queryset, name, value):
        if value == "overdue":
            return queryset.overdue(local_today())
        if value == "soon":
            return queryset.due_soon(local_today())
        return queryset
