"""监督和追责 (第二十三条、第二十四条; A23.1): referrals to discipline inspection, written
self-examinations, and the candidates the system can see itself.

- A referral (移交纪检监察) names the case, the responsible staff, the ground (one of the
  enumerated circumstances) and the reason. The office and the detachment record it jointly
  (办公室会同支队): one drafts and signs, a person of the other signs too; only then does
  discipline inspection see it in their list, and it records the outcome. No department handler
  sees referrals, not even on the cases they handle.
- A written self-examination (书面检查) to the Party group for the circumstances of 第二十四条:
  who, which case, which circumstance, when submitted, the correction made.
- The system proposes candidates on the office's dashboard: a case overdue without a recorded
  reason (督办), a case entered late, a reply overturned on review. A person decides; the system
  never refers or blames anyone by itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.cases.models import Alert, Case, Reply, Supervision
from petitions.cases.people import display_name
from petitions.office.common import Refused, has_role, notify, people_in, record, require_role
from petitions.office.models import (
    ARTICLE_24,
    CandidateReview,
    Circumstance,
    DisciplineReferral,
    SelfExamination,
)
from rules import calendar
from rules.roles import Role
from rules.states import State

Status = DisciplineReferral.Status
#: How far back the system looks for candidates.
CANDIDATE_DAYS = 366

# --- who sees what ----------------------------------------------------------------------------


def may_refer(user) -> bool:
    return has_role(user, Role.OFFICE, Role.DETACHMENT)


def may_view_accountability(user) -> bool:
    """Referrals and self-examinations: the office, the detachment, discipline inspection and
    the bureau head; never a department's handler or head as such."""
    return has_role(user, Role.OFFICE, Role.DETACHMENT, Role.DISCIPLINE, Role.BUREAU_HEAD)


def visible_referrals(user):
    qs = DisciplineReferral.objects.select_related("case").prefetch_related("responsible_staff")
    if has_role(user, Role.OFFICE, Role.DETACHMENT, Role.BUREAU_HEAD):
        return qs
    if has_role(user, Role.DISCIPLINE):
        # Discipline inspection's list: what has been referred to it.
        return qs.filter(status__in=[Status.REFERRED, Status.CONCLUDED])
    return qs.none()


def visible_self_examinations(user):
    qs = SelfExamination.objects.select_related("case", "person")
    if may_view_accountability(user):
        return qs
    # The person who wrote it sees their own.
    return qs.filter(person=user) if getattr(user, "is_authenticated", False) else qs.none()


# --- referrals --------------------------------------------------------------------------------


def _side(user) -> str:
    """Which side of the joint record the user signs for: the office or the detachment."""
    if has_role(user, Role.OFFICE) and not has_role(user, Role.DETACHMENT):
        return "office"
    if has_role(user, Role.DETACHMENT) and not has_role(user, Role.OFFICE):
        return "detachment"
    if has_role(user, Role.OFFICE, Role.DETACHMENT):
        return "either"
    return ""


def refer(
    case: Case,
    *,
    responsible_staff: Sequence,
    ground: str,
    reason: str,
    user,
) -> DisciplineReferral:
    """Draft and sign a referral for the user's side; the other side co-signs."""
    side = _side(user)
    if not side:
        raise Refused(_("移交纪检监察由办公室会同支队办理（第二十三条）。"))
    if ground not in Circumstance.values:
        raise Refused(field_errors={"ground": _("请选择第二十三条或第二十四条所列情形。")})
    if not responsible_staff:
        raise Refused(field_errors={"responsible_staff": _("请选择相关责任人员。")})
    if not reason.strip():
        raise Refused(field_errors={"reason": _("请写明移交理由。")})
    now = timezone.now()
    with transaction.atomic():
        referral = DisciplineReferral(
            case=case,
            ground=ground,
            reason=reason,
            status=Status.AWAITING_CO_SIGN,
            created_by=user,
        )
        if side == "detachment":
            referral.detachment_signed_by, referral.detachment_signed_at = user, now
        else:
            referral.office_signed_by, referral.office_signed_at = user, now
        referral.save()
        referral.responsible_staff.set(responsible_staff)
        record(
            referral,
            "office.referral_drafted",
            user,
            comment=_("案件 %(number)s；%(ground)s；责任人员：%(staff)s")
            % {
                "number": case.number,
                "ground": referral.get_ground_display(),
                "staff": "、".join(display_name(u) for u in responsible_staff),
            },
        )
        other = Role.DETACHMENT if referral.office_signed_by_id else Role.OFFICE
        notify(
            [u for u in people_in(other) if u.pk != user.pk],
            kind=Alert.Kind.ACCOUNTABILITY,
            key=f"referral:{referral.pk}:co_sign",
            message=_("移交纪检监察（案件 %(number)s）待%(side)s会签。")
            % {"number": case.number, "side": other.label},
            link=reverse("office:referral", args=[referral.pk]),
        )
    return referral


def co_sign(referral: DisciplineReferral, *, user) -> DisciplineReferral:
    """The other side signs: the referral goes to discipline inspection."""
    with transaction.atomic():
        referral = DisciplineReferral.objects.select_for_update().get(pk=referral.pk)
        if referral.status != Status.AWAITING_CO_SIGN:
            raise Refused(_("该移交已会签。"))
        first = referral.office_signed_by_id or referral.detachment_signed_by_id
        if first == user.pk:
            raise Refused(_("会签须由另一方的人员办理（办公室会同支队）。"))
        now = timezone.now()
        if referral.office_signed_by_id is None:
            require_role(user, Role.OFFICE, action=_("会签移交纪检监察"))
            referral.office_signed_by, referral.office_signed_at = user, now
        else:
            require_role(user, Role.DETACHMENT, action=_("会签移交纪检监察"))
            referral.detachment_signed_by, referral.detachment_signed_at = user, now
        referral.status = Status.REFERRED
        referral.referred_at = now
        referral.save()
        record(referral, "office.referral_referred", user, comment=_("会签，移交纪检监察组。"))
        notify(
            people_in(Role.DISCIPLINE),
            kind=Alert.Kind.ACCOUNTABILITY,
            key=f"referral:{referral.pk}:referred",
            message=_("办公室会同支队移交纪检监察：%(ground)s。")
            % {"ground": referral.get_ground_display()},
            link=reverse("office:referral", args=[referral.pk]),
        )
    return referral


def record_outcome(
    referral: DisciplineReferral, *, outcome: str, outcome_on: dt.date, user
) -> DisciplineReferral:
    """Discipline inspection records how it dealt with the referral."""
    require_role(user, Role.DISCIPLINE, action=_("记录处理结果"))
    if not outcome.strip():
        raise Refused(field_errors={"outcome": _("请填写处理结果。")})
    if outcome_on > timezone.localdate():
        raise Refused(field_errors={"outcome_on": _("日期不能晚于今天。")})
    with transaction.atomic():
        referral = DisciplineReferral.objects.select_for_update().get(pk=referral.pk)
        if referral.status != Status.REFERRED:
            raise Refused(
                _("当前状态为“%(status)s”，不能记录处理结果。")
                % {"status": referral.get_status_display()}
            )
        referral.outcome, referral.outcome_on, referral.outcome_by = outcome, outcome_on, user
        referral.status = Status.CONCLUDED
        referral.save()
        record(referral, "office.referral_concluded", user, comment=outcome)
    return referral


# --- written self-examinations ----------------------------------------------------------------


def record_self_examination(
    *,
    person,
    case: Case,
    circumstance: str,
    submitted_on: dt.date,
    correction: str,
    user,
) -> SelfExamination:
    """书面检查: recorded by the office once submitted to the Party group."""
    require_role(user, Role.OFFICE, action=_("登记书面检查"))
    if circumstance not in {c.value for c in ARTICLE_24}:
        raise Refused(field_errors={"circumstance": _("书面检查适用第二十四条所列情形。")})
    if not correction.strip():
        raise Refused(field_errors={"correction": _("请填写改正情况。")})
    if submitted_on > timezone.localdate():
        raise Refused(field_errors={"submitted_on": _("日期不能晚于今天。")})
    with transaction.atomic():
        exam = SelfExamination.objects.create(
            person=person,
            case=case,
            circumstance=circumstance,
            submitted_on=submitted_on,
            correction=correction,
            recorded_by=user,
        )
        record(
            exam,
            "office.self_examination",
            user,
            comment=_("%(person)s 就案件 %(number)s（%(c)s）于 %(day)s 向局党组作出书面检查。")
            % {
                "person": display_name(person),
                "number": case.number,
                "c": exam.get_circumstance_display(),
                "day": submitted_on.isoformat(),
            },
        )
    return exam


# --- candidates the system proposes -----------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    case: Case
    reason: str
    reference: str
    detail: str
    ground: str
    on: dt.date

    @property
    def reason_label(self) -> str:
        return str(CandidateReview.Reason(self.reason).label)

    @property
    def ground_label(self) -> str:
        return str(Circumstance(self.ground).label)


def _reviewed(reason: str) -> set[tuple[int, str]]:
    return set(CandidateReview.objects.filter(reason=reason).values_list("case_id", "reference"))


def _since() -> dt.date:
    """Candidates are proposed for a year back: older ones have had their hearing."""
    return timezone.localdate() - dt.timedelta(days=CANDIDATE_DAYS)


def _overdue() -> list[Candidate]:
    reviewed = _reviewed(CandidateReview.Reason.OVERDUE)
    found = []
    for sup in (
        Supervision.objects.filter(overdue_since__gte=_since())
        .select_related("case", "deadline")
        .order_by("-overdue_since")
    ):
        if (sup.case_id, str(sup.pk)) in reviewed:
            continue
        found.append(
            Candidate(
                sup.case,
                CandidateReview.Reason.OVERDUE,
                str(sup.pk),
                _("“%(label)s”于 %(due)s 到期未办理，已督办，尚无逾期原因记录。")
                % {"label": sup.deadline.label, "due": sup.overdue_since.isoformat()},
                Circumstance.A24_2,
                sup.overdue_since,
            )
        )
    return found


def _late_registrations() -> list[Candidate]:
    reviewed = _reviewed(CandidateReview.Reason.LATE_REGISTRATION)
    allowed = settings.PETITIONS_LATE_ENTRY_WORKING_DAYS
    found = []
    # At least a whole day between receipt and entry narrows the rows in the database; the
    # working days are counted here on the official calendar.
    for case in (
        Case.objects.exclude(state=State.VOIDED)
        .filter(created_at__date__gte=_since())
        .filter(created_at__gt=F("received_at") + dt.timedelta(days=1))
        .order_by("-created_at")
    ):
        if (case.pk, "entry") in reviewed:
            continue
        entered = timezone.localtime(case.created_at).date()
        late = calendar.working_days_between(case.received_on, entered)
        if late <= allowed:
            continue
        found.append(
            Candidate(
                case,
                CandidateReview.Reason.LATE_REGISTRATION,
                "entry",
                _("%(received)s 收到，%(entered)s 才录入登记（%(n)d 个工作日后）。")
                % {
                    "received": case.received_on.isoformat(),
                    "entered": entered.isoformat(),
                    "n": late,
                },
                Circumstance.A24_1,
                entered,
            )
        )
    return found


def _overturned() -> list[Candidate]:
    reviewed = _reviewed(CandidateReview.Reason.OVERTURNED)
    found = []
    for reply in (
        Reply.objects.filter(outcome__in=Reply.OVERTURNED, replied_on__gte=_since())
        .select_related("case")
        .order_by("-replied_on")
    ):
        if (reply.case_id, str(reply.pk)) in reviewed:
            continue
        found.append(
            Candidate(
                reply.case,
                CandidateReview.Reason.OVERTURNED,
                str(reply.pk),
                _("%(stage)s（%(day)s）%(outcome)s原处理意见。")
                % {
                    "stage": reply.get_stage_display(),
                    "day": reply.replied_on.isoformat(),
                    "outcome": reply.get_outcome_display(),
                },
                Circumstance.A24_3,
                reply.replied_on,
            )
        )
    return found


def candidates() -> list[Candidate]:
    """Every candidate nobody has decided on yet, newest first."""
    found = _overdue() + _late_registrations() + _overturned()
    return sorted(found, key=lambda c: (c.on, c.case.pk), reverse=True)


def may_decide(user) -> bool:
    return has_role(user, Role.OFFICE)


def decide(
    case: Case, *, reason: str, reference: str, decision: str, note: str, user
) -> CandidateReview:
    """A person's decision on a candidate, with its reason (the system decides nothing)."""
    if not may_decide(user):
        raise Refused(_("追责提示由办公室研判。"))
    if decision not in CandidateReview.Decision.values:
        raise Refused(field_errors={"decision": _("请选择处理决定。")})
    if not note.strip():
        raise Refused(field_errors={"note": _("请写明理由或说明。")})
    try:
        with transaction.atomic():
            review = CandidateReview.objects.create(
                case=case,
                reason=reason,
                reference=reference,
                decision=decision,
                note=note,
                decided_by=user,
            )
            record(
                review,
                "office.candidate_decided",
                user,
                comment=_("案件 %(number)s（%(reason)s）：%(decision)s。%(note)s")
                % {
                    "number": case.number,
                    "reason": review.get_reason_display(),
                    "decision": review.get_decision_display(),
                    "note": note,
                },
            )
    except IntegrityError:
        raise Refused(_("该提示已有处理决定。")) from None
    return review
