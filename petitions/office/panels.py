"""What the working systems add to other screens: the duty officer's and the office's panels on
the admin home, the records on a case page, and the monthly reception check in the reports.
They are registered in petitions/wagtail_hooks.py."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from wagtail.admin.ui.components import Component

from petitions.cases.access import can_view, handles, user_roles
from petitions.cases.models import Case
from petitions.office import accountability, duty, receptions, rewards
from petitions.office.common import has_role
from petitions.office.models import DistrictReception, DutyCall, GroupVisit, RewardApplication
from rules.kinds import Kind
from rules.roles import Role


class DutyPanel(Component):
    """值班: the duty officer's shift now (or next), its calls, and what is still to hand over."""

    name = "office_duty"
    template_name = "office/panels/duty.html"
    order = 5

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        return {**duty.shifts_of(self.user, timezone.now()), "now": timezone.now()}


def duty_panel(user) -> DutyPanel | None:
    if has_role(user, Role.DUTY) and hasattr(user, "duty_officer"):
        return DutyPanel(user)
    return None


class OfficePanel(Component):
    """办公室: the leaders below one reception this month, and the accountability candidates."""

    name = "office_office"
    template_name = "office/panels/office.html"
    order = 6

    def get_context_data(self, parent_context=None):
        today = timezone.localdate()
        found = accountability.candidates()
        return {
            "month": f"{today:%Y-%m}",
            "below": receptions.members_below(today.year, today.month),
            "candidates": found[:10],
            "candidate_count": len(found),
        }


def office_panel(user) -> OfficePanel | None:
    return OfficePanel() if has_role(user, Role.OFFICE) else None


class CaseRecordsPanel(Component):
    """The working systems' records of one case, for those who may see the case: where it came
    from (a duty call, a leader's reception), its group visit, district reception, reward and
    mediations. Referrals to discipline inspection are not shown here."""

    name = "office_case_records"
    template_name = "office/panels/case.html"

    def __init__(self, request, case: Case):
        self.request, self.case = request, case

    def get_context_data(self, parent_context=None):
        user, case = self.request.user, self.case
        roles = user_roles(user)
        context = {
            "case": case,
            "duty_call": DutyCall.objects.filter(case=case).select_related("shift").first(),
            "receptions": list(case.leader_receptions.select_related("leader")),
            "group_visit": GroupVisit.objects.filter(case=case)
            .select_related("handling_leader", "b_role_leader")
            .first(),
            "district": DistrictReception.objects.filter(case=case).first(),
            "reward": RewardApplication.objects.filter(case=case).first(),
            "mediations": list(case.mediations.all()),
        }
        context.update(
            may_record_group_visit=case.is_group_visit
            and context["group_visit"] is None
            and bool(roles & {Role.DETACHMENT, Role.OFFICE}),
            may_apply_reward=case.kind == Kind.VIOLATION_REPORT
            and context["reward"] is None
            and rewards.may_handle_rewards(user),
            may_mediate=handles(user, case),
        )
        context["empty"] = not any(
            [
                context["duty_call"],
                context["receptions"],
                context["group_visit"],
                context["district"],
                context["reward"],
                context["mediations"],
                context["may_record_group_visit"],
                context["may_apply_reward"],
                context["may_mediate"],
            ]
        )
        return context


def case_panel(request, case: Case) -> CaseRecordsPanel | None:
    return CaseRecordsPanel(request, case) if can_view(request.user, case) else None


class ReceptionCheckSection(Component):
    """The monthly reception check (第七条, A7.1) for the months of a report."""

    name = "office_reception_check"
    template_name = "office/panels/reception_check.html"

    def __init__(self, months: list[tuple[int, int]]):
        self.months = months

    def get_context_data(self, parent_context=None):
        return {
            "months": [
                {
                    "label": f"{year}年{month}月",
                    "rows": receptions.monthly_check(year, month),
                    "below": receptions.members_below(year, month),
                }
                for year, month in self.months
            ]
        }


def report_section(request, report: str, start: dt.date, end: dt.date):
    """The check for the months a report covers: the dashboard's month, a quarter's three."""
    if not receptions.may_view_receptions(request.user):
        return None
    today = timezone.localdate()
    months = []
    day = start.replace(day=1)
    while day < end and day <= today:
        months.append((day.year, day.month))
        day = receptions.month_bounds(day.year, day.month)[1]
    return ReceptionCheckSection(months) if months else None
