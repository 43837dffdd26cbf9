"""Which cases and departments a report counts for a user: their scope, narrowed on request."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from petitions.cases.access import SEES_ALL, user_roles, visible_cases
from petitions.cases.models import supervising_leader_expression
from snippets.models import Department


@dataclass(frozen=True)
class Scope:
    """What a report may count: cases, and departments for rows bound to one (spot checks,
    talks). `departments` None means every department."""

    cases: QuerySet
    departments: QuerySet | None = None
    sees_all: bool = False

    def department_q(self, name: str = "department") -> Q:
        if self.departments is None:
            return Q()
        return Q(**{f"{name}__in": self.departments.values("pk")})


def own_departments(user) -> QuerySet:
    """The departments a user belongs to, heads or supervises (本科室、分管科室)."""
    return Department.objects.filter(
        Q(head=user) | Q(staff=user) | Q(supervising_leader=user)
    ).distinct()


def sees_all(user) -> bool:
    return bool(user.is_superuser or user_roles(user) & SEES_ALL)


def report_scope(user, *, department: Department | None = None, leader=None) -> Scope:
    """The cases and departments `user` may count, narrowed to a department or a leader."""
    cases = visible_cases(user)
    departments = None
    every = sees_all(user)
    if not every:
        # A department's figures are its own hosted cases, not those of departments it helps.
        mine = own_departments(user)
        cases = cases.filter(Q(host_department__in=mine.values("pk")) | Q(supervising_leader=user))
        departments = mine
    if department is not None:
        cases = cases.filter(host_department=department)
        chosen = Department.objects.filter(pk=department.pk)
        departments = chosen if departments is None else departments.filter(pk=department.pk)
    if leader is not None:
        cases = cases.alias(leader=supervising_leader_expression()).filter(leader=leader.pk)
        led = Department.objects.filter(supervising_leader=leader)
        departments = led if departments is None else departments.filter(supervising_leader=leader)
    return Scope(cases=cases, departments=departments, sees_all=every)
