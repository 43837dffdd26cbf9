"""领导接访 (第七条; A7.1, A7.2, A7.3): leaders' receptions and the monthly check, group visits,
and the district leaders' public receptions.

- Each leadership member (班子成员, 设置 › 局领导) receives visitors at least once a month: the
  monthly check lists every member below that, on the leaders' dashboard and in the quarterly
  report, and in the last 5 working days of a month the worker alerts the office about each
  member still at zero. Reading and handling letters (阅办来信) is recorded but is not receiving
  visitors.
- A group visit (集访) is handled by the business-supervising leader, with the day's duty leader
  from the roster as B role; the detachment and the department take part. The case itself is
  registered and dispatched like any other.
- A district leader's public reception (区领导公开接访): the office records the district petition
  office's notice; the supervising leader and the department hear of it at once; the completion
  report is due one month after the reception as a deadline on the case (reminded and supervised
  by the worker like any other); then the office approves it, the petitioner is replied to, and
  the formal document goes to the district leader's unit office, copied to the district petition
  office, each with its date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.cases.access import can_view
from petitions.cases.deadlines import close_deadlines, open_deadline, refresh_next_due
from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.cases.models import Alert, Case, Deadline
from petitions.cases.notices import letter_date, placeholder_values, template_text
from petitions.cases.people import display_name
from petitions.office.common import (
    Refused,
    has_role,
    leadership_members,
    notify,
    people_in,
    record,
    require_role,
)
from petitions.office.duty import duty_leader_at
from petitions.office.models import DistrictReception, GroupVisit, LeaderReception
from rules import calendar
from rules.deadlines import RuleKey
from rules.roles import Role
from snippets.models import Channel, Department
from snippets.templating import render

#: The channel a case from a leader's reception is filed in (来访).
VISIT_CHANNEL_CODE = "visit"
#: 第七条: each member receives visitors at least this many times a month.
MONTHLY_MINIMUM = 1
#: The office is alerted in the last this many working days of a month.
ALERT_WORKING_DAYS = 5

# --- who may do what --------------------------------------------------------------------------


def may_record_receptions(user) -> bool:
    return has_role(user, Role.OFFICE, Role.DETACHMENT)


def may_view_receptions(user) -> bool:
    return (
        has_role(
            user,
            Role.OFFICE,
            Role.DETACHMENT,
            Role.DISCIPLINE,
            Role.BUREAU_HEAD,
            Role.SUPERVISING_LEADER,
        )
        or leadership_members().filter(pk=getattr(user, "pk", None)).exists()
    )


# --- leaders' receptions ----------------------------------------------------------------------


@dataclass
class ReceptionData:
    leader: Any
    received_on: dt.date
    place: str
    kind: str
    visitor_count: int = 0
    matters: str = ""


def record_reception(data: ReceptionData, *, user, cases: Sequence[Case] = ()) -> LeaderReception:
    """Record a reception (leader, date, place, kind, visitors) and the cases it brought."""
    if not may_record_receptions(user):
        raise Refused(_("领导接访由办公室或支队登记。"))
    if data.received_on > timezone.localdate():
        raise Refused(field_errors={"received_on": _("接访日期不能晚于今天。")})
    with transaction.atomic():
        reception = LeaderReception.objects.create(recorded_by=user, **data.__dict__)
        if cases:
            reception.cases.set(cases)
        record(
            reception,
            "office.reception",
            user,
            comment=_("%(leader)s %(day)s %(kind)s（%(place)s），接待群众%(n)d人")
            % {
                "leader": display_name(data.leader),
                "day": data.received_on.isoformat(),
                "kind": reception.get_kind_display(),
                "place": data.place,
                "n": data.visitor_count,
            },
        )
        for case in cases:
            record(case, "office.reception_case", user, comment=_reception_line(reception))
    return reception


def _reception_line(reception: LeaderReception) -> str:
    return _("来自领导接访：%(leader)s %(day)s %(kind)s") % {
        "leader": display_name(reception.leader),
        "day": reception.received_on.isoformat(),
        "kind": reception.get_kind_display(),
    }


def link_case(reception: LeaderReception, case: Case, *, user) -> None:
    """An existing case raised at the reception (由此产生的案件)."""
    if not may_record_receptions(user):
        raise Refused(_("领导接访由办公室或支队登记。"))
    if not can_view(user, case):
        raise Refused(_("您无权查看该案件。"))
    with transaction.atomic():
        if reception.cases.filter(pk=case.pk).exists():
            raise Refused(_("案件 %(number)s 已关联本次接访。") % {"number": case.number})
        reception.cases.add(case)
        record(
            reception,
            "office.reception_case",
            user,
            comment=_("关联案件 %(number)s") % {"number": case.number},
            case=case,
        )


def file_from_reception(
    reception: LeaderReception,
    *,
    user,
    place: str,
    description: str,
    demands: str = "",
    petitioners: Sequence[PetitionerData] = (),
    is_group_visit: bool = False,
    visitor_count: int | None = None,
) -> Case:
    """A new petition raised at the reception, filed through the filing service (来访)."""
    if not may_record_receptions(user):
        raise Refused(_("领导接访由办公室或支队登记。"))
    channel = Channel.objects.filter(code=VISIT_CHANNEL_CODE, active=True).first()
    if channel is None:
        raise Refused(_("没有启用的“来访”渠道（代码 visit）：请管理员在 配置 › 信访渠道 中启用。"))
    received_at = timezone.make_aware(dt.datetime.combine(reception.received_on, dt.time(9, 0)))
    with transaction.atomic():
        case = file_case(
            Filing(
                channel=channel,
                received_at=min(received_at, timezone.now()),
                place=place,
                description=description,
                demands=demands,
                petitioners=petitioners,
                is_group_visit=is_group_visit,
                visitor_count=visitor_count,
            ),
            user=user,
        )
        reception.cases.add(case)
        record(
            reception,
            "office.reception_case",
            user,
            comment=_("登记新案件 %(number)s") % {"number": case.number},
        )
        record(case, "office.reception_case", user, comment=_reception_line(reception))
    return case


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first day of the month and the first day of the next."""
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following


@dataclass(frozen=True)
class MemberMonth:
    member: Any
    receptions: int

    @property
    def name(self) -> str:
        return display_name(self.member)

    @property
    def below(self) -> bool:
        return self.receptions < MONTHLY_MINIMUM


def monthly_check(year: int, month: int) -> list[MemberMonth]:
    """Each leadership member with the receptions of visitors they held that month (第七条)."""
    first, following = month_bounds(year, month)
    members = list(leadership_members())
    counts = dict(
        LeaderReception.objects.filter(
            received_on__gte=first,
            received_on__lt=following,
            kind__in=LeaderReception.RECEIVING_KINDS,
            leader__in=[m.pk for m in members],
        )
        .values_list("leader")
        .annotate(n=Count("id"))
        .values_list("leader", "n")
    )
    return [MemberMonth(m, counts.get(m.pk, 0)) for m in members]


def members_below(year: int, month: int) -> list[MemberMonth]:
    """The members who received visitors fewer than once that month."""
    return [row for row in monthly_check(year, month) if row.below]


def alert_window_starts(year: int, month: int) -> dt.date:
    """The first of the month's last 5 working days."""
    _first, following = month_bounds(year, month)
    return calendar.add_working_days(following, -ALERT_WORKING_DAYS)


def alert_members_at_zero(today: dt.date) -> int:
    """In the last 5 working days of a month, tell the office of each member still at zero."""
    if today < alert_window_starts(today.year, today.month):
        return 0
    _first, following = month_bounds(today.year, today.month)
    left = calendar.working_days_between(today, following - dt.timedelta(days=1))
    office = list(people_in(Role.OFFICE))
    link = reverse("office:receptions") + f"?month={today:%Y-%m}"
    created = 0
    for row in members_below(today.year, today.month):
        if row.receptions:
            continue
        created += notify(
            office,
            kind=Alert.Kind.RECEPTION,
            key=f"reception:{today:%Y-%m}:{row.member.pk}",
            message=_(
                "班子成员 %(name)s 本月（%(month)s）尚未接待来访群众；第七条要求每月不少于1次，"
                "本月还剩 %(left)d 个工作日。"
            )
            % {"name": row.name, "month": f"{today:%Y-%m}", "left": left + 1},
            link=link,
        )
    return created


def visible_receptions(user):
    if not may_view_receptions(user):
        return LeaderReception.objects.none()
    return LeaderReception.objects.select_related("leader").prefetch_related("cases")


# --- group visits (集访) -----------------------------------------------------------------------


@dataclass
class GroupVisitData:
    visited_at: dt.datetime
    handling_leader: Any
    department: Department
    detachment_participants: Sequence
    department_participants: Sequence
    notes: str = ""


def record_group_visit(case: Case, data: GroupVisitData, *, user) -> GroupVisit:
    """集访: the business-supervising leader handles it, the day's duty leader is B role."""
    require_role(user, Role.DETACHMENT, Role.OFFICE, action=_("记录集访接访"))
    if not case.is_group_visit:
        raise Refused(_("案件 %(number)s 未登记为集体访。") % {"number": case.number})
    if not data.detachment_participants:
        raise Refused(field_errors={"detachment_participants": _("请选择参与接访的支队人员。")})
    if not data.department_participants:
        raise Refused(field_errors={"department_participants": _("请选择参与接访的科室人员。")})
    shift = duty_leader_at(data.visited_at)
    if shift is None:
        raise Refused(
            _(
                "%(time)s 没有排定值班领导：请先在值班排班中安排当日值班领导"
                "（第七条：当日值班领导作为B角）。"
            )
            % {"time": f"{timezone.localtime(data.visited_at):%Y-%m-%d %H:%M}"}
        )
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if GroupVisit.objects.filter(case=locked).exists():
            raise Refused(_("本案的集访接访已记录。"))
        visit = GroupVisit.objects.create(
            case=locked,
            visited_at=data.visited_at,
            handling_leader=data.handling_leader,
            b_role_leader=shift.leader,
            duty_shift=shift,
            department=data.department,
            notes=data.notes,
            recorded_by=user,
        )
        visit.detachment_participants.set(data.detachment_participants)
        visit.department_participants.set(data.department_participants)
        comment = _(
            "集访：%(leader)s 接访处置，当日值班领导 %(b)s 为B角；支队：%(d)s；%(dept)s：%(p)s"
        ) % {
            "leader": display_name(data.handling_leader),
            "b": display_name(shift.leader),
            "d": "、".join(display_name(u) for u in data.detachment_participants),
            "dept": data.department.name,
            "p": "、".join(display_name(u) for u in data.department_participants),
        }
        record(visit, "office.group_visit", user, comment=comment, case=locked)
        notify(
            [data.handling_leader, shift.leader],
            kind=Alert.Kind.RECEPTION,
            key=f"group_visit:{visit.pk}",
            message=_("集访案件 %(number)s：%(comment)s（第七条）。")
            % {"number": locked.number, "comment": comment},
            case=locked,
        )
    return visit


# --- district leaders' public receptions (区领导公开接访) ----------------------------------------


def may_record_district(user) -> bool:
    """The office receives the district petition office's notice (第七条第二款)."""
    return has_role(user, Role.OFFICE)


def in_host_department(user, reception: DistrictReception) -> bool:
    dept = reception.host_department
    return dept.head_id == user.pk or dept.staff.filter(pk=user.pk).exists()


def may_view_district(user, reception: DistrictReception) -> bool:
    return (
        has_role(user, Role.OFFICE, Role.DETACHMENT, Role.DISCIPLINE, Role.BUREAU_HEAD)
        or reception.supervising_leader_id == user.pk
        or in_host_department(user, reception)
    )


def visible_district_receptions(user):
    qs = DistrictReception.objects.select_related("case", "host_department", "supervising_leader")
    if has_role(user, Role.OFFICE, Role.DETACHMENT, Role.DISCIPLINE, Role.BUREAU_HEAD):
        return qs
    return qs.filter(
        Q(supervising_leader=user) | Q(host_department__head=user) | Q(host_department__staff=user)
    ).distinct()


@dataclass
class DistrictNotice:
    notice_received_on: dt.date
    received_on: dt.date
    place: str
    district_leader: str
    district_leader_unit: str
    supervising_leader: Any
    host_department: Department
    notice_number: str = ""


def leader_reception_channel() -> Channel:
    channel = (
        Channel.objects.filter(source=Channel.Source.LEADER_RECEPTION, active=True)
        .order_by("sort_order", "id")
        .first()
    )
    if channel is None:
        raise Refused(_("没有启用的“区领导接访”渠道：请管理员在 配置 › 信访渠道 中启用。"))
    return channel


def _open_report_deadline(case: Case, received_on: dt.date) -> Deadline:
    deadline = open_deadline(case, RuleKey.DISTRICT_RECEPTION_REPORT, received_on)
    refresh_next_due(case)
    case.save(update_fields=["next_due_on", "next_due_label", "updated_at"])
    return deadline


def record_district_notice(
    notice: DistrictNotice,
    *,
    user,
    case: Case | None = None,
    filing: Filing | None = None,
) -> DistrictReception:
    """The office records the district petition office's notice: the matter becomes (or is
    linked to) a case, its completion report is due 1 month after the reception, and the
    supervising leader and the department are told at once."""
    if not may_record_district(user):
        raise Refused(_("区领导公开接访的通知由办公室登记。"))
    if (case is None) == (filing is None):
        raise Refused(_("请登记新案件，或填写已有案件的编号。"))
    if notice.received_on < notice.notice_received_on - dt.timedelta(days=366):
        raise Refused(field_errors={"received_on": _("接访日期与通知日期相差过远。")})
    with transaction.atomic():
        if filing is not None:
            case = file_case(filing, user=user)
        if case is None:  # for the type checker: one of the two was given
            raise Refused(_("请登记新案件，或填写已有案件的编号。"))
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if DistrictReception.objects.filter(case=locked).exists():
            raise Refused(
                _("案件 %(number)s 已登记为区领导公开接访事项。") % {"number": locked.number}
            )
        deadline = _open_report_deadline(locked, notice.received_on)
        reception = DistrictReception.objects.create(
            case=locked,
            status=DistrictReception.Status.NOTIFIED,
            notified_at=timezone.now(),
            recorded_by=user,
            **notice.__dict__,
        )
        message = _(
            "区领导公开接访：%(leader)s（%(unit)s）于 %(day)s 在%(place)s公开接访，"
            "事项编号 %(number)s 由%(dept)s承办。请分管领导和熟悉情况的工作人员按要求到场陪同接访，"
            "并于 %(due)s 前提交办结情况报告（第七条）。"
        ) % {
            "leader": notice.district_leader,
            "unit": notice.district_leader_unit,
            "day": notice.received_on.isoformat(),
            "place": notice.place,
            "number": locked.number,
            "dept": notice.host_department.name,
            "due": deadline.due_on.isoformat(),
        }
        record(reception, "office.district_notice", user, comment=message, case=locked)
        dept = notice.host_department
        notify(
            [notice.supervising_leader, dept.head, *dept.staff.all()],
            kind=Alert.Kind.DISTRICT_RECEPTION,
            key=f"district:{reception.pk}:notice",
            message=message,
            case=locked,
        )
    return reception


def _locked_reception(reception: DistrictReception) -> DistrictReception:
    Case.objects.select_for_update(of=("self",)).get(pk=reception.case_id)
    return (
        DistrictReception.objects.select_for_update(of=("self",))
        .select_related("case", "host_department")
        .get(pk=reception.pk)
    )


def _expect(reception: DistrictReception, *statuses: str) -> None:
    if reception.status not in statuses:
        raise Refused(
            _("当前进度为“%(status)s”，不能进行这一步。")
            % {"status": reception.get_status_display()}
        )


def submit_report(reception: DistrictReception, *, text: str, user) -> DistrictReception:
    """The host department submits its completion report (办结情况报告): the deadline is met."""
    if not (in_host_department(user, reception) or has_role(user, Role.DETACHMENT)):
        raise Refused(_("办结情况报告由承办科室提交。"))
    if not text.strip():
        raise Refused(field_errors={"text": _("请填写办结情况报告。")})
    with transaction.atomic():
        reception = _locked_reception(reception)
        _expect(
            reception,
            DistrictReception.Status.NOTIFIED,
            DistrictReception.Status.REPORT_RETURNED,
        )
        reception.report = text
        reception.report_submitted_at = timezone.now()
        reception.report_submitted_by = user
        reception.status = DistrictReception.Status.REPORT_SUBMITTED
        reception.save()
        case = reception.case
        close_deadlines(case, [RuleKey.DISTRICT_RECEPTION_REPORT])
        refresh_next_due(case)
        case.save(update_fields=["next_due_on", "next_due_label", "updated_at"])
        record(reception, "office.district_report", user, comment=text, case=reception.case)
        notify(
            people_in(Role.OFFICE),
            kind=Alert.Kind.DISTRICT_RECEPTION,
            key=f"district:{reception.pk}:report:{reception.report_submitted_at:%Y%m%d%H%M%S}",
            message=_("案件 %(number)s 的区领导公开接访办结情况报告已提交，请审核。")
            % {"number": case.number},
            case=case,
        )
    return reception


def approve_report(reception: DistrictReception, *, user, comment: str = "") -> DistrictReception:
    """The office approves the completion report (经审核通过)."""
    require_role(user, Role.OFFICE, action=_("审核办结情况报告"))
    with transaction.atomic():
        reception = _locked_reception(reception)
        _expect(reception, DistrictReception.Status.REPORT_SUBMITTED)
        reception.status = DistrictReception.Status.REPORT_APPROVED
        reception.report_approved_at = timezone.now()
        reception.report_approved_by = user
        reception.report_comment = comment
        reception.save()
        record(
            reception,
            "office.district_report_approved",
            user,
            comment=comment,
            case=reception.case,
        )
    return reception


def return_report(reception: DistrictReception, *, user, comment: str) -> DistrictReception:
    """The office sends the report back: the month's deadline, counted from the reception,
    runs again (and is supervised if it has passed)."""
    require_role(user, Role.OFFICE, action=_("退回办结情况报告"))
    if not comment.strip():
        raise Refused(field_errors={"comment": _("退回时请写明审核意见。")})
    with transaction.atomic():
        reception = _locked_reception(reception)
        _expect(reception, DistrictReception.Status.REPORT_SUBMITTED)
        reception.status = DistrictReception.Status.REPORT_RETURNED
        reception.report_comment = comment
        reception.save()
        _open_report_deadline(reception.case, reception.received_on)
        record(
            reception,
            "office.district_report_returned",
            user,
            comment=comment,
            case=reception.case,
        )
        dept = reception.host_department
        notify(
            [dept.head, *dept.staff.all()],
            kind=Alert.Kind.DISTRICT_RECEPTION,
            key=f"district:{reception.pk}:returned:{timezone.now():%Y%m%d%H%M%S}",
            message=_("案件 %(number)s 的办结情况报告被退回：%(comment)s")
            % {"number": reception.case.number, "comment": comment},
            case=reception.case,
        )
    return reception


def record_petitioner_reply(
    reception: DistrictReception, *, replied_on: dt.date, user
) -> DistrictReception:
    """经审核通过后，及时将办理结果回复信访人."""
    if not (has_role(user, Role.OFFICE) or in_host_department(user, reception)):
        raise Refused(_("回复信访人由承办科室或办公室登记。"))
    with transaction.atomic():
        reception = _locked_reception(reception)
        _expect(reception, DistrictReception.Status.REPORT_APPROVED)
        if replied_on < timezone.localtime(reception.report_approved_at).date():
            raise Refused(field_errors={"replied_on": _("回复日期不能早于报告审核通过之日。")})
        if replied_on > timezone.localdate():
            raise Refused(field_errors={"replied_on": _("日期不能晚于今天。")})
        reception.petitioner_replied_on = replied_on
        reception.status = DistrictReception.Status.PETITIONER_REPLIED
        reception.save()
        record(
            reception,
            "office.district_petitioner_replied",
            user,
            comment=_("%(day)s 已将办理结果回复信访人。") % {"day": replied_on.isoformat()},
            case=reception.case,
        )
    return reception


def record_document(
    reception: DistrictReception,
    *,
    document_number: str,
    sent_on: dt.date,
    copied_on: dt.date,
    user,
) -> DistrictReception:
    """以正式文件形式报送公开接访区级领导所在单位办公室并抄报区信访办."""
    require_role(user, Role.OFFICE, action=_("报送正式文件"))
    if not document_number.strip():
        raise Refused(field_errors={"document_number": _("请填写正式文件文号。")})
    with transaction.atomic():
        reception = _locked_reception(reception)
        _expect(reception, DistrictReception.Status.PETITIONER_REPLIED)
        approved = timezone.localtime(reception.report_approved_at).date()
        for field, day in (("sent_on", sent_on), ("copied_on", copied_on)):
            if day < approved:
                raise Refused(field_errors={field: _("日期不能早于报告审核通过之日。")})
            if day > timezone.localdate():
                raise Refused(field_errors={field: _("日期不能晚于今天。")})
        reception.document_number = document_number
        reception.document_sent_on = sent_on
        reception.copied_on = copied_on
        reception.status = DistrictReception.Status.DOCUMENT_SENT
        reception.save()
        record(
            reception,
            "office.district_document_sent",
            user,
            comment=_(
                "正式文件 %(number)s 于 %(sent)s 报送%(unit)s办公室，%(copied)s 抄报区信访办。"
            )
            % {
                "number": document_number,
                "sent": sent_on.isoformat(),
                "unit": reception.district_leader_unit,
                "copied": copied_on.isoformat(),
            },
            case=reception.case,
        )
    return reception


def document_text(reception: DistrictReception) -> tuple[str, str]:
    """The formal document from the administrators' template; it leaves the petitioner out
    (it goes outside the bureau, A24.3)."""
    title, body = template_text("district_reception_report")
    values = placeholder_values(reception.case, leaves_out_identity=True)
    values.update(
        {
            "接访区领导": reception.district_leader,
            "区领导所在单位": reception.district_leader_unit,
            "接访日期": letter_date(reception.received_on),
            "办结情况": reception.report,
            "承办科室": reception.host_department.name,
        }
    )
    return title, render(body, values)


def district_steps(reception: DistrictReception) -> list[dict]:
    """Each step with its date (and the report's due date), for the screen."""
    deadline = reception.report_deadline
    return [
        {
            "label": _("收到区信访办通知"),
            "done": reception.notice_received_on,
            "due": None,
        },
        {
            "label": _("通知分管领导和对口业务科室"),
            "done": timezone.localtime(reception.notified_at).date(),
            "due": reception.notice_received_on,
        },
        {"label": _("区领导公开接访"), "done": reception.received_on, "due": None},
        {
            "label": _("承办科室提交办结情况报告"),
            "done": reception.report_submitted_at
            and timezone.localtime(reception.report_submitted_at).date(),
            "due": deadline.due_on if deadline else None,
            "deadline": deadline,
        },
        {
            "label": _("办公室审核通过"),
            "done": reception.report_approved_at
            and timezone.localtime(reception.report_approved_at).date(),
            "due": None,
        },
        {"label": _("回复信访人"), "done": reception.petitioner_replied_on, "due": None},
        {
            "label": _("正式文件报送区领导所在单位办公室"),
            "done": reception.document_sent_on,
            "due": None,
        },
        {"label": _("抄报区信访办"), "done": reception.copied_on, "due": None},
    ]
