"""有奖举报 (第九条, A9.1): a reward for a report of a violation, step by step and in order.

Applied for by the detachment on a case that reports a violation (检举、揭发、控告); checked for
eligibility (with the reason when refused) and given an amount; approved by a leader; paid
(date, method, reference). A step out of order is refused. After approval the amount changes only
with a recorded reason, and after payment not at all. The reporter stays protected as any
whistleblower: these screens show the case number and never the reporter's identity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.cases.access import can_view, visible_cases
from petitions.cases.models import Alert, Case
from petitions.cases.people import display_name
from petitions.office.common import Refused, has_role, is_leader, notify, record, require_role
from petitions.office.models import RewardAmountChange, RewardApplication
from rules.kinds import Kind
from rules.roles import Role
from snippets.models import BureauLeadership

Status = RewardApplication.Status


def may_handle_rewards(user) -> bool:
    """支队按程序对符合条件的投诉人予以奖励 (第九条)."""
    return has_role(user, Role.DETACHMENT)


def _locked(application: RewardApplication) -> RewardApplication:
    return (
        RewardApplication.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=application.pk)
    )


def _expect(application: RewardApplication, *statuses: str) -> None:
    if application.status in statuses:
        return
    if application.status == Status.INELIGIBLE:
        raise Refused(_("该申请经审查不符合奖励条件，不能继续办理。"))
    if application.status == Status.PAID:
        raise Refused(_("奖励已发放，不能再变更。"))
    raise Refused(
        _("当前状态为“%(status)s”，不能进行这一步。") % {"status": application.get_status_display()}
    )


def apply(case: Case, *, applied_on: dt.date, note: str = "", user) -> RewardApplication:
    """A reward application on a case that reports a violation."""
    require_role(user, Role.DETACHMENT, action=_("有奖举报申请登记"))
    if not can_view(user, case):
        raise Refused(_("您无权查看该案件。"))
    if case.kind != Kind.VIOLATION_REPORT:
        raise Refused(_("只有检举、揭发、控告环境违法行为的案件可以申请有奖举报（第九条）。"))
    if applied_on > timezone.localdate():
        raise Refused(field_errors={"applied_on": _("日期不能晚于今天。")})
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if RewardApplication.objects.filter(case=locked).exists():
            raise Refused(_("本案已有有奖举报申请。"))
        application = RewardApplication.objects.create(
            case=locked, status=Status.APPLIED, applied_on=applied_on, note=note, recorded_by=user
        )
        record(
            application,
            "office.reward_applied",
            user,
            comment=_("%(day)s 申请有奖举报。%(note)s") % {"day": applied_on, "note": note},
            case=locked,
        )
    return application


def check_eligibility(
    application: RewardApplication,
    *,
    eligible: bool,
    reason: str,
    amount: Decimal | None,
    user,
) -> RewardApplication:
    """审查: eligible with an amount, or not with the reason (告知理由)."""
    require_role(user, Role.DETACHMENT, action=_("有奖举报审查"))
    if not eligible and not reason.strip():
        raise Refused(field_errors={"reason": _("不符合奖励条件的，请写明理由。")})
    if eligible and (amount is None or amount <= 0):
        raise Refused(field_errors={"amount": _("符合条件的，请填写奖励金额。")})
    with transaction.atomic():
        application = _locked(application)
        _expect(application, Status.APPLIED)
        application.eligibility_checked_at = timezone.now()
        application.eligibility_checked_by = user
        application.eligibility_reason = reason
        if eligible and amount is not None:
            application.status = Status.ELIGIBLE
            RewardAmountChange.objects.create(
                application=application, old_amount=None, new_amount=amount, changed_by=user
            )
            application.amount = amount
            comment = _("符合奖励条件，拟奖励 %(amount)s 元。%(reason)s") % {
                "amount": amount,
                "reason": reason,
            }
        else:
            application.status = Status.INELIGIBLE
            comment = _("不符合奖励条件：%(reason)s") % {"reason": reason}
        application.save()
        record(application, "office.reward_checked", user, comment=comment, case=application.case)
        if eligible:
            leaders = BureauLeadership.load()
            notify(
                [leaders.bureau_head, application.case.leader],
                kind=Alert.Kind.REWARD,
                key=f"reward:{application.pk}:approve",
                message=_("案件 %(number)s 的有奖举报（拟奖励 %(amount)s 元）待领导审批。")
                % {"number": application.case.number, "amount": amount},
                link=reverse("office:reward", args=[application.pk]),
            )
    return application


def approve(application: RewardApplication, *, user, comment: str = "") -> RewardApplication:
    """A leader approves the reward (审批)."""
    if not is_leader(user):
        raise Refused(_("有奖举报由局领导审批。"))
    with transaction.atomic():
        application = _locked(application)
        _expect(application, Status.ELIGIBLE)
        application.status = Status.APPROVED
        application.approved_at = timezone.now()
        application.approved_by = user
        application.save()
        record(
            application,
            "office.reward_approved",
            user,
            comment=_("审批同意奖励 %(amount)s 元。%(comment)s")
            % {"amount": application.amount, "comment": comment},
            case=application.case,
        )
    return application


def pay(
    application: RewardApplication,
    *,
    paid_on: dt.date,
    method: str,
    reference: str,
    user,
) -> RewardApplication:
    """发放: never before a leader has approved."""
    require_role(user, Role.DETACHMENT, action=_("有奖举报发放登记"))
    with transaction.atomic():
        application = _locked(application)
        if application.status in (Status.APPLIED, Status.ELIGIBLE):
            raise Refused(_("奖励尚未经领导审批，不能发放。"))
        _expect(application, Status.APPROVED)
        if method not in RewardApplication.Method.values:
            raise Refused(field_errors={"method": _("请选择发放方式。")})
        if not reference.strip():
            raise Refused(field_errors={"reference": _("请填写发放凭证号。")})
        if paid_on < timezone.localtime(application.approved_at).date():
            raise Refused(field_errors={"paid_on": _("发放日期不能早于审批日期。")})
        if paid_on > timezone.localdate():
            raise Refused(field_errors={"paid_on": _("日期不能晚于今天。")})
        application.status = Status.PAID
        application.paid_on = paid_on
        application.payment_method = method
        application.payment_reference = reference
        application.paid_recorded_by = user
        application.save()
        record(
            application,
            "office.reward_paid",
            user,
            comment=_("%(day)s 以%(method)s发放 %(amount)s 元，凭证号 %(ref)s。")
            % {
                "day": paid_on.isoformat(),
                "method": application.get_payment_method_display(),
                "amount": application.amount,
                "ref": reference,
            },
            case=application.case,
        )
    return application


def change_amount(
    application: RewardApplication, *, amount: Decimal, reason: str, user
) -> RewardApplication:
    """Change the amount: before approval freely (it is recorded), after approval only with a
    reason, after payment never."""
    require_role(user, Role.DETACHMENT, action=_("变更奖励金额"))
    if amount is None or amount <= 0:
        raise Refused(field_errors={"amount": _("请填写奖励金额。")})
    with transaction.atomic():
        application = _locked(application)
        _expect(application, Status.ELIGIBLE, Status.APPROVED)
        if application.status == Status.APPROVED and not reason.strip():
            raise Refused(field_errors={"reason": _("奖励已审批，变更金额须写明理由。")})
        if amount == application.amount:
            raise Refused(field_errors={"amount": _("金额没有变化。")})
        RewardAmountChange.objects.create(
            application=application,
            old_amount=application.amount,
            new_amount=amount,
            reason=reason,
            changed_by=user,
        )
        old = application.amount
        application.amount = amount
        application.save(update_fields=["amount"])
        record(
            application,
            "office.reward_amount_changed",
            user,
            comment=_("奖励金额由 %(old)s 元改为 %(new)s 元。%(reason)s")
            % {"old": old, "new": amount, "reason": reason},
            case=application.case,
        )
    return application


def visible_rewards(user):
    """The reward applications of the cases the user may see."""
    return RewardApplication.objects.filter(case__in=visible_cases(user).values("pk"))


@dataclass(frozen=True)
class StateRow:
    status: str
    label: str
    count: int
    total: Decimal


def year_report(user, year: int) -> dict:
    """The year's rewards by state (applied that year), with their count and amount."""
    rewards = visible_rewards(user).filter(applied_on__year=year)
    by_status = {
        row["status"]: row
        for row in rewards.values("status").annotate(n=Count("id"), total=Sum("amount"))
    }
    rows = [
        StateRow(
            status,
            str(label),
            by_status.get(status, {}).get("n", 0),
            by_status.get(status, {}).get("total") or Decimal("0"),
        )
        for status, label in Status.choices
    ]
    return {
        "year": year,
        "rows": rows,
        "count": sum(r.count for r in rows),
        "paid_total": by_status.get(Status.PAID, {}).get("total") or Decimal("0"),
        "applications": list(
            rewards.select_related("case", "approved_by").order_by("-applied_on", "-id")
        ),
    }


def approver_name(application: RewardApplication) -> str:
    return display_name(application.approved_by)
