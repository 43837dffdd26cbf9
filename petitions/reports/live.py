"""The live dashboard (科室与分管领导看板, A5.1, A24.2): open, due-soon and overdue cases now,
per department or per leader, and who answers for each late case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext_lazy as _

from petitions.cases.models import (
    Case,
    due_soon_q,
    important_q,
    overdue_q,
    supervising_leader_expression,
)
from petitions.cases.people import display_name
from petitions.reports.figures import (
    UNASSIGNED,
    Rate,
    on_time_from,
    rate_annotations,
    staff_deadlines,
)
from petitions.reports.periods import Period
from petitions.reports.scope import Scope
from rules.roles import Role
from rules.states import OPEN_STATES
from snippets.models import Department


@dataclass
class LiveRow:
    """An open-case count line of the dashboard for a department or a leader."""

    key: int | None
    name: str
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    important: int = 0
    acceptance: Rate = Rate(0, 0)
    reply: Rate = Rate(0, 0)


def _live_counts(today: dt.date) -> dict:
    return {
        "open": Count("pk"),
        "due_soon": Count("pk", filter=due_soon_q(today)),
        "overdue": Count("pk", filter=overdue_q(today)),
        "important": Count("pk", filter=important_q()),
    }


def live_rows(scope: Scope, today: dt.date, *, by: str, rates: Period) -> list[LiveRow]:
    """Open, due-soon, overdue and important cases now, with on-time rates over `rates`,
    per department (by="department") or per supervising leader (by="leader"). 3 queries."""

    if by == "department":
        group, dgroup = F("host_department"), F("case__host_department")
    else:
        group, dgroup = supervising_leader_expression(), supervising_leader_expression("case__")
    live = (
        scope.cases.filter(state__in=OPEN_STATES)
        .annotate(group=group)
        .values("group")
        .annotate(**_live_counts(today))
        .order_by()
    )
    rated = (
        staff_deadlines(scope, rates, today)
        .annotate(group=dgroup)
        .values("group")
        .annotate(**rate_annotations(today))
        .order_by()
    )
    rows: dict = {}
    for r in live:
        row = rows.setdefault(r["group"], LiveRow(r["group"], ""))
        row.open, row.due_soon, row.overdue = r["open"], r["due_soon"], r["overdue"]
        row.important = r["important"]
    for r in rated:
        row = rows.setdefault(r["group"], LiveRow(r["group"], ""))
        figures = on_time_from(r)
        row.acceptance, row.reply = figures.acceptance, figures.reply
    keys = [k for k in rows if k is not None]
    if by == "department":
        names = dict(
            Department.objects.filter(pk__in=keys)
            .order_by("sort_order", "name")
            .values_list("pk", "name")
        )
        unknown = str(UNASSIGNED)
    else:
        users = get_user_model().objects.filter(pk__in=keys).order_by("username")
        names = {u.pk: display_name(u) for u in users}
        unknown = str(_("未确定分管领导"))
    for key, row in rows.items():
        row.name = str(names.get(key, unknown))
    # Departments in their configured order; the unassigned last.
    order = {k: i for i, k in enumerate(names)}
    return sorted(rows.values(), key=lambda r: (order.get(r.key, len(order)), r.name))


def due_cases(scope: Scope, today: dt.date) -> QuerySet:
    """Open cases overdue or due within three working days, nearest first, with the people
    responsible (经办人、科室负责人、分管领导) loaded in the same query (A24.2)."""
    return (
        scope.cases.filter(overdue_q(today) | due_soon_q(today))
        .select_related(
            "host_department",
            "host_department__head",
            "host_department__supervising_leader",
            "handler",
            "supervising_leader",
        )
        .only(
            "pk",
            "number",
            "state",
            "next_due_on",
            "next_due_label",
            *Case.IMPORTANT_FLAGS,
            "host_department__name",
            "host_department__head__username",
            "host_department__head__first_name",
            "host_department__head__last_name",
            "host_department__supervising_leader__username",
            "host_department__supervising_leader__first_name",
            "host_department__supervising_leader__last_name",
            "handler__username",
            "handler__first_name",
            "handler__last_name",
            "supervising_leader__username",
            "supervising_leader__first_name",
            "supervising_leader__last_name",
        )
        .order_by("next_due_on", "number")
    )


def responsible(case: Case) -> dict[str, str]:
    """Who answers for a late or nearly late case: handler, department head, leader (A24.2).

    Before dispatch no department holds the case: the detachment answers for it (第二条)."""
    dept = case.host_department
    return {
        "handler": display_name(case.handler),
        "head": display_name(dept.head) if dept else "",
        "leader": display_name(case.leader),
        "fallback": ""
        if dept
        else str(_("未交办（由%(who)s负责）") % {"who": Role.DETACHMENT.label}),
    }
