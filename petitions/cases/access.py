"""Who may see and act on which case (A2.1, A6.1, A6.2), enforced on the server for every address.

- the detachment, the bureau head, the office and discipline inspection see every case
  (discipline inspection and the office only read: their groups hold no change permission and
  their roles take no step of the transition table);
- department staff see the cases their department hosts or co-handles; a leader, those of the
  departments they supervise, and the cases they own under a plan in force; the leader
  supervising petition work, the cases waiting for them to name a lead department (第十六条)
  and those they named one for; duty staff, the cases they registered;
- the petitioner's identity is shown only to those handling the case, never to a recused user.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Exists, Q, QuerySet

from petitions.cases.models import Case, LeadStatus, Recusal
from rules.roles import GROUP_ROLES, NON_STAFF_ROLES, Role
from snippets.models import BureauLeadership, Department, OwnershipPlan, OwnershipPlanItem

SEES_ALL = frozenset({Role.DETACHMENT, Role.BUREAU_HEAD, Role.OFFICE, Role.DISCIPLINE})
HANDLES_ALL = frozenset({Role.DETACHMENT, Role.BUREAU_HEAD})
_GROUP_NAMES = "_petition_group_names"
_HOST_DEPARTMENTS = "_petition_host_departments"


def _case_scope(user) -> Q:
    """The same cases as `_scope`, as joins: one query for one case (`handles`)."""
    return (
        Q(host_department__staff=user)
        | Q(host_department__head=user)
        | Q(co_departments__staff=user)
        | Q(co_departments__head=user)
        | Q(host_department__supervising_leader=user)
        | Q(co_departments__supervising_leader=user)
        | Q(supervising_leader=user)
        | Q(handler=user)
        | Q(
            ownership_items__leader=user,
            ownership_items__plan__status=OwnershipPlan.Status.IN_FORCE,
        )
        | Q(lead_named_by=user)
        | Q(
            Exists(BureauLeadership.objects.filter(petition_leader=user)),
            lead_status=LeadStatus.PROPOSED,
        )
    )


def _scope(user) -> Q:
    """The cases of the user's departments and of their own, as conditions on the case's row.

    Each condition is on an indexed column of the case (or its id, through a subquery), never
    a join, and only the conditions that can hold for this user are written (one query finds
    which): a handler's ledger is then "host department in (…)", which the database reads in
    the ledger's order from an index, on a million cases as on ten.
    """
    departments = list(
        Department.objects.filter(Q(staff=user) | Q(head=user) | Q(supervising_leader=user))
        .values_list("pk", flat=True)
        .distinct()
    )
    co_cases = Case.co_departments.through.objects.filter(department__in=departments)
    owned = OwnershipPlanItem.objects.filter(
        leader=user, plan__status=OwnershipPlan.Status.IN_FORCE
    )
    conditions = {
        "co": Q(pk__in=co_cases.values("case")),
        "supervising": Q(supervising_leader=user),
        "handler": Q(handler=user),
        "owned": Q(pk__in=owned.values("case")),
        # 第十六条: the leader supervising petition work names the lead department of a case
        # for several departments, and keeps seeing the cases they named it for.
        "named": Q(lead_named_by=user),
        "petition_leader": Q(lead_status=LeadStatus.PROPOSED),
    }
    holds: Mapping[str, object] = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            co=Exists(co_cases),
            supervising=Exists(Case.objects.filter(supervising_leader=user)),
            handler=Exists(Case.objects.filter(handler=user)),
            owned=Exists(owned),
            named=Exists(Case.objects.filter(lead_named_by=user)),
            petition_leader=Exists(BureauLeadership.objects.filter(petition_leader=user)),
        )
        .first()
        or {}
    )
    # One department, as an equality: the planner then reads (department, state, received).
    scope = (
        Q(host_department=departments[0])
        if len(departments) == 1
        else Q(host_department__in=departments)
    )
    only_hosted = True
    for name, condition in conditions.items():
        if holds.get(name):
            scope |= condition
            only_hosted = False
    setattr(user, _HOST_DEPARTMENTS, departments if only_hosted and departments else None)
    return scope


def visible_cases(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Case.objects.all() if queryset is None else queryset
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if not user.has_perm("petitions.view_case"):
        return queryset.none()
    setattr(user, _HOST_DEPARTMENTS, None)
    roles = user_roles(user)
    if user.is_superuser or roles & SEES_ALL:
        return queryset
    scope = _scope(user)
    if Role.DUTY in roles:
        scope |= Q(created_by=user)
        setattr(user, _HOST_DEPARTMENTS, None)
    return queryset.filter(scope)


def hosted_scope(user) -> list[int] | None:
    """The departments whose hosted cases are all ``visible_cases`` gave this user, or None.

    None when the user also sees other cases (co-handled, their own, every case), or when
    ``visible_cases`` has not run for this user object: the ledger's search then narrows its
    words to these departments (``search.search_q``), a hint the scope itself still enforces.
    """
    return getattr(user, _HOST_DEPARTMENTS, None)


def can_view(user, case: Case) -> bool:
    return visible_cases(user).filter(pk=case.pk).exists()


def is_recused(user, case: Case) -> bool:
    return Recusal.objects.filter(case=case, user=user).exists()


def handles(user, case: Case) -> bool:
    """Those handling the case (办理人员): they may act on it and see who petitioned."""
    if not user.is_authenticated or is_recused(user, case):
        return False
    roles = user_roles(user)
    if user.is_superuser or roles & HANDLES_ALL:
        return True
    if Role.DUTY in roles and case.created_by_id == user.pk and case.host_department_id is None:
        return True
    return Case.objects.filter(pk=case.pk).filter(_case_scope(user)).exists()


def may_reveal(user, case: Case) -> bool:
    return user.has_perm("petitions.reveal_identity") and handles(user, case)


def relations(user, case: Case) -> frozenset[str]:
    """How the user stands to the case, for steps that need more than a role (approvals)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    found = set()
    if Role.DETACHMENT in user_roles(user):
        found.add("detachment")
    host = case.host_department
    if host is not None and (
        host.head_id == user.pk
        or case.handler_id == user.pk
        or host.staff.filter(pk=user.pk).exists()
    ):
        found.add("host_member")
    if host is not None and host.head_id == user.pk:
        found.add("host_head")
    if co_departments_of(user, case):
        found.add("co_member")
    if BureauLeadership.objects.filter(petition_leader=user).exists():
        found.add("petition_leader")
    if getattr(case.leader, "pk", None) == user.pk:
        found.add("supervising_leader")
    if handles(user, case):
        found.add("handling")
    if is_recused(user, case):
        found.add("recused")
    return frozenset(found)


def user_roles(user: AbstractUser | AnonymousUser | None) -> frozenset[Role]:
    """The roles a user holds through their Wagtail groups; a superuser holds them all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(r for r in Role if r not in NON_STAFF_ROLES)
    # Remembered on the user object: a page asks many times, and the groups do not change.
    names = getattr(user, _GROUP_NAMES, None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        setattr(user, _GROUP_NAMES, names)
    return frozenset(GROUP_ROLES[n] for n in names if n in GROUP_ROLES)


def co_departments_of(user, case: Case) -> frozenset[int]:
    """The case's co-handling departments (协办科室) the user heads or works in."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(
        case.co_departments.filter(Q(staff=user) | Q(head=user)).values_list("pk", flat=True)
    )
