"""值班值守 (第十二条; A12.1, A12.2): the roster, the call log and what the end of a shift leaves.

- A regular shift lasts 24 hours; every shift has at least 2 enforcement staff and 1 monitoring
  staff, or it is refused with a message that says what is missing. Extra shifts for sensitive
  periods (敏感时段) may overlap the regular ones.
- An urgent call (night construction noise 22:00–06:00, strong public reaction, a possible mass
  incident) is verified on site and the caller called back, both with their time. Any other
  call is handed to the detachment before the shift ends and becomes a case through
  `cases.filing.file_case`; the call and the case point at each other.
- After a shift has ended, every call left unhanded (or urgent and not closed) is flagged to the
  detachment and the shift's staff, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.cases.models import Alert, Case
from petitions.cases.people import display_name
from petitions.cases.privacy import mask_name, mask_phone
from petitions.office.common import (
    Refused,
    has_role,
    leadership_members,
    local_day,
    notify,
    people_in,
    record,
)
from petitions.office.models import DutyCall, DutyKind, DutyOfficer, DutyShift
from rules.roles import Role
from snippets.models import Channel

#: 第十二条: every shift has at least this many of each kind.
MIN_ENFORCEMENT = 2
MIN_MONITORING = 1
SHIFT_HOURS = 24
#: The channel a handed-over call is filed in (来电).
DUTY_CHANNEL_CODE = "phone"

# --- who may do what --------------------------------------------------------------------------


def may_plan_roster(user) -> bool:
    """The office arranges the duty (办公室), with the detachment."""
    return has_role(user, Role.OFFICE, Role.DETACHMENT)


def may_view_duty(user) -> bool:
    return has_role(
        user,
        Role.DUTY,
        Role.DETACHMENT,
        Role.OFFICE,
        Role.BUREAU_HEAD,
        Role.SUPERVISING_LEADER,
        Role.DISCIPLINE,
    )


def may_keep_officers(user) -> bool:
    """值班人员类别 is kept by a system administrator."""
    return has_role(user, Role.ADMINISTRATOR)


def on_shift(user, shift: DutyShift) -> bool:
    return shift.officers.filter(user=user).exists()


def may_take_calls(user, shift: DutyShift) -> bool:
    """The shift's own staff log its calls; the detachment may complete them."""
    return has_role(user, Role.DETACHMENT) or (has_role(user, Role.DUTY) and on_shift(user, shift))


def sees_caller(user, shift: DutyShift) -> bool:
    """The caller's phone, in full, only to those who take or hand over the call."""
    return may_take_calls(user, shift)


# --- the people on the roster -----------------------------------------------------------------


def set_duty_kind(user, kind: str, *, active: bool = True, by) -> DutyOfficer:
    """Put a member of staff on the duty list with their kind (执法 or 监测), or change it."""
    if not may_keep_officers(by):
        raise Refused(_("值班人员类别由系统管理员维护。"))
    if kind not in DutyKind.values:
        raise Refused(_("请选择执法人员或监测人员。"))
    with transaction.atomic():
        officer, created = DutyOfficer.objects.select_for_update().get_or_create(
            user=user, defaults={"kind": kind, "active": active}
        )
        if not created and (officer.kind, officer.active) == (kind, active):
            return officer
        before = "" if created else f"{officer.get_kind_display()}"
        officer.kind, officer.active = kind, active
        officer.save()
        record(
            officer,
            "office.duty_officer",
            by,
            comment=_("%(name)s：%(before)s%(kind)s%(active)s")
            % {
                "name": display_name(user),
                "before": f"{before} → " if before else "",
                "kind": officer.get_kind_display(),
                "active": "" if active else _("（暂停排班）"),
            },
        )
    return officer


def active_officers() -> QuerySet:
    return DutyOfficer.objects.filter(active=True, user__is_active=True).select_related("user")


# --- the roster -------------------------------------------------------------------------------


def composition_problem(officers: Iterable[DutyOfficer]) -> str:
    """What a shift's staff lack under 第十二条, in words; "" when complete."""
    officers = list(officers)
    enforcement = sum(1 for o in officers if o.kind == DutyKind.ENFORCEMENT)
    monitoring = sum(1 for o in officers if o.kind == DutyKind.MONITORING)
    missing = []
    if enforcement < MIN_ENFORCEMENT:
        missing.append(
            _("执法人员只有%(n)d名，至少需要%(min)d名") % {"n": enforcement, "min": MIN_ENFORCEMENT}
            if enforcement
            else _("没有执法人员，至少需要%(min)d名") % {"min": MIN_ENFORCEMENT}
        )
    if monitoring < MIN_MONITORING:
        missing.append(_("没有监测人员，至少需要%(min)d名") % {"min": MIN_MONITORING})
    if not missing:
        return ""
    return _("%(missing)s（第十二条：每个班次不少于2名执法人员、1名监测人员）。") % {
        "missing": "；".join(missing)
    }


@dataclass
class ShiftPlan:
    """A shift as the roster screen or a test enters it."""

    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    officers: Sequence[DutyOfficer]
    leader: Any = None
    reason: str = ""


def _overlapping_regular(plan: ShiftPlan, exclude_pk: int | None) -> DutyShift | None:
    qs = DutyShift.objects.filter(
        kind=DutyShift.Kind.REGULAR, starts_at__lt=plan.ends_at, ends_at__gt=plan.starts_at
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("starts_at").first()


def plan_problems(plan: ShiftPlan, *, exclude_pk: int | None = None) -> list[str]:
    """Every reason the shift cannot be entered, each a sentence; [] when it can."""
    problems = []
    if plan.ends_at <= plan.starts_at:
        problems.append(_("结束时间须晚于开始时间。"))
    elif plan.kind == DutyShift.Kind.REGULAR:
        if plan.ends_at - plan.starts_at != dt.timedelta(hours=SHIFT_HOURS):
            problems.append(_("常规班次为24小时（第十二条：严格执行24小时值班制度）。"))
        other = _overlapping_regular(plan, exclude_pk)
        if other is not None:
            problems.append(
                _("与已排的常规班次（%(other)s）重叠；敏感时段请增设班次。") % {"other": other}
            )
    if plan.kind == DutyShift.Kind.EXTRA and not plan.reason.strip():
        problems.append(_("增设班次须写明敏感时段的事由。"))
    inactive = [o for o in plan.officers if not o.active]
    if inactive:
        problems.append(
            _("%(names)s 不在可排班的值班人员中。") % {"names": "、".join(o.name for o in inactive)}
        )
    if problem := composition_problem(plan.officers):
        problems.append(problem)
    members = leadership_members()
    if plan.leader is not None and members.exists() and not members.filter(pk=plan.leader.pk):
        problems.append(_("值班领导须是局领导班子成员（设置 › 局领导）。"))
    return problems


def _officer_names(officers: Iterable[DutyOfficer]) -> str:
    return "、".join(str(o) for o in officers)


def _save_plan(plan: ShiftPlan, user, shift: DutyShift | None = None) -> DutyShift:
    created = shift is None
    if shift is None:
        shift = DutyShift(created_by=user)
    shift.kind = plan.kind
    shift.starts_at, shift.ends_at = plan.starts_at, plan.ends_at
    shift.leader = plan.leader
    shift.reason = plan.reason
    shift.save()
    shift.officers.set(plan.officers)
    record(
        shift,
        "office.duty_shift_create" if created else "office.duty_shift_change",
        user,
        comment=_("%(shift)s：%(officers)s；值班领导：%(leader)s")
        % {
            "shift": shift,
            "officers": _officer_names(plan.officers),
            "leader": display_name(plan.leader) or "—",
        },
    )
    return shift


def save_shift(plan: ShiftPlan, *, user, shift: DutyShift | None = None) -> DutyShift:
    """Enter one shift (or change one), or refuse it with every reason and change nothing."""
    if not may_plan_roster(user):
        raise Refused(_("值班排班由办公室或支队录入。"))
    with transaction.atomic():
        if problems := plan_problems(plan, exclude_pk=shift.pk if shift else None):
            raise Refused(*problems)
        return _save_plan(plan, user, shift)


def handover_time() -> dt.time:
    hours, minutes = settings.PETITIONS_DUTY_HANDOVER.split(":")
    return dt.time(int(hours), int(minutes))


def regular_start(day: dt.date, at: dt.time | None = None) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at or handover_time()))


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week that holds `day`."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class DayPlan:
    day: dt.date
    officers: Sequence[DutyOfficer]
    leader: Any = None


def save_week(days: Sequence[DayPlan], *, user, at: dt.time | None = None) -> list[DutyShift]:
    """A week's regular shifts entered in one go: each day's 24-hour shift from the handover
    time. All or nothing: if any day is refused, nothing is saved and the problems come back
    by day. A day left empty with no shift entered stays a gap in the cover."""
    if not may_plan_roster(user):
        raise Refused(_("值班排班由办公室或支队录入。"))
    saved: list[DutyShift] = []
    problems: dict[dt.date, list[str]] = {}
    with transaction.atomic():
        existing = {
            timezone.localtime(s.starts_at).date(): s
            for s in DutyShift.objects.filter(
                kind=DutyShift.Kind.REGULAR,
                starts_at__gte=regular_start(min(d.day for d in days), dt.time(0, 0)),
                starts_at__lt=regular_start(
                    max(d.day for d in days) + dt.timedelta(days=1), dt.time(0, 0)
                ),
            )
        }
        plans = []
        for day in days:
            shift = existing.get(day.day)
            if not day.officers and shift is None:
                continue
            start = shift.starts_at if shift else regular_start(day.day, at)
            plan = ShiftPlan(
                kind=DutyShift.Kind.REGULAR,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=SHIFT_HOURS),
                officers=list(day.officers),
                leader=day.leader,
            )
            if found := plan_problems(plan, exclude_pk=shift.pk if shift else None):
                problems[day.day] = found
            plans.append((plan, shift))
        # Two new shifts of the same week must not overlap each other either.
        starts = sorted(p.starts_at for p, _s in plans)
        for a, b in zip(starts, starts[1:], strict=False):
            if b - a < dt.timedelta(hours=SHIFT_HOURS):
                problems.setdefault(timezone.localtime(b).date(), []).append(
                    _("与前一天的班次重叠。")
                )
        if problems:
            raise WeekRefused(problems)
        for plan, shift in plans:
            if shift is not None and _unchanged(shift, plan):
                saved.append(shift)
                continue
            saved.append(_save_plan(plan, user, shift))
    return saved


class WeekRefused(Refused):
    def __init__(self, by_day: dict[dt.date, list[str]]) -> None:
        self.by_day = by_day
        lines = [f"{day:%m-%d}：{' '.join(msgs)}" for day, msgs in sorted(by_day.items())]
        super().__init__(_("本周排班未保存，请更正："), *lines)


def _unchanged(shift: DutyShift, plan: ShiftPlan) -> bool:
    return (
        {o.pk for o in shift.officers.all()} == {o.pk for o in plan.officers}
        and shift.leader_id == getattr(plan.leader, "pk", None)
        and shift.starts_at == plan.starts_at
    )


def cover_gaps(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The stretches of [start, end) that no shift covers (24-hour cover, 第十二条)."""
    gaps = []
    cursor = start
    for shift in DutyShift.objects.filter(starts_at__lt=end, ends_at__gt=start).order_by(
        "starts_at"
    ):
        if shift.starts_at > cursor:
            gaps.append((cursor, shift.starts_at))
        cursor = max(cursor, shift.ends_at)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def shifts_of(user, now: dt.datetime) -> dict:
    """The duty officer's dashboard: the shift they are on now (or next), its calls, and what
    is still to hand over."""
    mine = DutyShift.objects.filter(officers__user=user).distinct()
    current = list(
        mine.filter(starts_at__lte=now, ends_at__gt=now)
        .prefetch_related("officers__user", "calls")
        .select_related("leader")
    )
    upcoming = mine.filter(starts_at__gt=now).order_by("starts_at").first()
    pending = (
        DutyCall.objects.filter(shift__officers__user=user)
        .filter(open_call_q())
        .select_related("shift", "case")
        .distinct()
        .order_by("received_at")
    )
    return {"current": current, "upcoming": upcoming, "pending": list(pending[:20])}


def duty_leader_at(moment: dt.datetime) -> DutyShift | None:
    """The shift whose leader is the day's duty leader (当日值班领导) at `moment`, from the
    roster: the regular shift if it names one, else an extra shift that does."""
    shifts = DutyShift.objects.filter(
        starts_at__lte=moment, ends_at__gt=moment, leader__isnull=False
    ).select_related("leader")
    return min(
        shifts,
        key=lambda s: (s.kind != DutyShift.Kind.REGULAR, s.starts_at),
        default=None,
    )


# --- the call log -----------------------------------------------------------------------------


def open_call_q(prefix: str = "") -> Q:
    """A call still to be dealt with: urgent without its visit or call back, or not urgent and
    not yet handed over."""
    p = prefix
    return Q(**{f"{p}urgent": True}) & (
        Q(**{f"{p}verified_at__isnull": True}) | Q(**{f"{p}called_back_at__isnull": True})
    ) | Q(**{f"{p}urgent": False, f"{p}case__isnull": True})


@dataclass
class CallData:
    received_at: dt.datetime
    caller_phone: str
    demand: str
    place: str
    caller_name: str = ""
    construction_noise: bool = False
    strong_reaction: bool = False
    mass_incident_risk: bool = False


def _not_in_future(moment: dt.datetime, field: str) -> None:
    if moment > timezone.now() + dt.timedelta(minutes=5):
        raise Refused(field_errors={field: _("时间不能晚于现在。")})


def record_call(shift: DutyShift, data: CallData, *, user) -> DutyCall:
    """Log a call of the shift (来电时间、诉求、电话、地点); urgency follows from what it is about."""
    if not may_take_calls(user, shift):
        raise Refused(_("只有本班次的值班人员或支队可以记录来电。"))
    if not shift.covers(data.received_at) and data.received_at != shift.ends_at:
        raise Refused(
            field_errors={
                "received_at": _("来电时间不在本班次内（%(shift)s）。") % {"shift": shift}
            }
        )
    _not_in_future(data.received_at, "received_at")
    with transaction.atomic():
        call = DutyCall(shift=shift, recorded_by=user, **data.__dict__)
        call.urgent = call.compute_urgent()
        call.save()
        record(
            call,
            "office.duty_call",
            user,
            comment=_("%(time)s 来电（%(phone)s）：%(place)s%(urgent)s")
            % {
                "time": local_day(call.received_at),
                "phone": mask_phone(call.caller_phone),
                "place": call.place,
                "urgent": _("；紧急：%(r)s") % {"r": "、".join(call.urgent_reasons)}
                if call.urgent
                else "",
            },
        )
    return call


def _locked(call: DutyCall) -> DutyCall:
    return DutyCall.objects.select_for_update().select_related("shift").get(pk=call.pk)


def record_verification(call: DutyCall, *, at: dt.datetime, notes: str, user) -> DutyCall:
    """立即组织现场核实处置: when and what was found."""
    if not may_take_calls(user, call.shift):
        raise Refused(_("只有本班次的值班人员或支队可以记录现场核实。"))
    if not notes.strip():
        raise Refused(field_errors={"notes": _("请填写现场核实处置情况。")})
    if at < call.received_at:
        raise Refused(field_errors={"at": _("现场核实时间不能早于来电时间。")})
    _not_in_future(at, "at")
    with transaction.atomic():
        call = _locked(call)
        call.verified_at, call.verification = at, notes
        call.save(update_fields=["verified_at", "verification"])
        record(call, "office.duty_call_verified", user, comment=f"{local_day(at)}：{notes}")
    return call


def record_call_back(call: DutyCall, *, at: dt.datetime, notes: str, user) -> DutyCall:
    """及时回复投诉人: when the caller was called back, and what they were told."""
    if not may_take_calls(user, call.shift):
        raise Refused(_("只有本班次的值班人员或支队可以记录回复。"))
    if not notes.strip():
        raise Refused(field_errors={"notes": _("请填写回复来电人的内容。")})
    if at < call.received_at:
        raise Refused(field_errors={"at": _("回复时间不能早于来电时间。")})
    _not_in_future(at, "at")
    with transaction.atomic():
        call = _locked(call)
        call.called_back_at, call.call_back = at, notes
        call.save(update_fields=["called_back_at", "call_back"])
        record(call, "office.duty_call_called_back", user, comment=f"{local_day(at)}：{notes}")
    return call


def duty_channel() -> Channel:
    channel = Channel.objects.filter(code=DUTY_CHANNEL_CODE, active=True).first()
    if channel is None:
        raise Refused(_("没有启用的“来电”渠道（代码 phone）：请管理员在 配置 › 信访渠道 中启用。"))
    return channel


def hand_over(call: DutyCall, *, user) -> Case:
    """转支队登记: the call becomes a case through the filing service, and each names the other.

    The duty officer who hands it over is the case's registrant, so they keep seeing it.
    """
    if not may_take_calls(user, call.shift):
        raise Refused(_("只有本班次的值班人员或支队可以转交来电。"))
    with transaction.atomic():
        call = _locked(call)
        if call.case is not None:
            raise Refused(
                _("该来电已于 %(time)s 转支队登记，编号 %(number)s。")
                % {
                    "time": local_day(call.handed_over_at or call.created_at),
                    "number": call.case.number,
                }
            )
        case = file_case(
            Filing(
                channel=duty_channel(),
                received_at=call.received_at,
                place=call.place,
                description=call.demand,
                demands=call.demand,
                petitioners=[PetitionerData(name=call.caller_name, phone=call.caller_phone)],
            ),
            user=user,
        )
        call.case = case
        call.handed_over_at = timezone.now()
        call.handed_over_by = user
        call.save(update_fields=["case", "handed_over_at", "handed_over_by"])
        comment = _("值班来电（%(time)s，%(shift)s）转支队登记，编号 %(number)s。") % {
            "time": local_day(call.received_at),
            "shift": call.shift,
            "number": case.number,
        }
        record(call, "office.duty_call_handed_over", user, comment=comment, case=case)
        notify(
            people_in(Role.DETACHMENT),
            kind=Alert.Kind.DUTY_CALL,
            key=f"duty_handover:{call.pk}",
            message=comment,
            case=case,
        )
    return case


def flag_unhandled_calls(now: dt.datetime) -> int:
    """At the end of a shift, each call not yet handed over (or urgent and not closed) is
    flagged to the detachment and to the shift's staff, once (第十二条: 交班前及时转支队)."""
    flagged = 0
    while True:
        batch = list(
            DutyCall.objects.filter(flagged_at__isnull=True, shift__ends_at__lte=now)
            .filter(open_call_q())
            .select_related("shift")
            .order_by("shift__ends_at", "id")[: settings.PETITIONS_SWEEP_BATCH]
        )
        if not batch:
            return flagged
        detachment = list(people_in(Role.DETACHMENT))
        for call in batch:
            with transaction.atomic():
                if not DutyCall.objects.filter(pk=call.pk, flagged_at__isnull=True).update(
                    flagged_at=now
                ):
                    continue
                staff = [o.user for o in call.shift.officers.select_related("user")]
                message = _(
                    "值班来电（%(time)s，%(place)s）在交班时仍%(items)s，请支队和当班人员跟进（第十二条）。"
                ) % {
                    "time": local_day(call.received_at),
                    "place": call.place,
                    "items": "、".join(call.open_items),
                }
                notify(
                    [*detachment, *staff],
                    kind=Alert.Kind.DUTY_CALL,
                    key=f"duty_call:{call.pk}",
                    message=message,
                    link=reverse("office:duty_shift", args=[call.shift_id]),
                )
                record(call, "office.duty_call_flagged", comment=message, system=True)
                flagged += 1


def calls_as_seen(shift: DutyShift, user) -> list[dict]:
    """The shift's calls with the caller's phone masked unless this user takes the calls."""
    full = sees_caller(user, shift)
    return [
        {
            "call": call,
            "phone": call.caller_phone if full else mask_phone(call.caller_phone),
            "name": call.caller_name if full else mask_name(call.caller_name),
        }
        for call in shift.calls.select_related("case").order_by("received_at", "id")
    ]
