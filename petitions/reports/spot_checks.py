"""Spot checks (抽查, 第二十二条, A22.1): the draw of a random sample, and each check's dated steps.

The office, with the detachment, reads the files of a random sample of handled cases and phones
the petitioners; it sends its findings back to the department, which answers on the record; a
serious finding goes to the supervising leader and then to the bureau head. The results count in
the yearly evaluation (petitions.reports.figures counts SpotCheck rows).

The draw can be re-run by anyone: every case of the population (the cases with a reply issued in
the period, of the department or of all) is ranked by the SHA-256 of "<seed>:<case number>", and
the sample is the cases with the smallest ranks. The rank of a case depends on nothing but the
seed and its number, so the same seed gives the same cases, whatever order the cases are read in
and with any SHA-256 tool; a case added to the population later does not reshuffle the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from petitions.cases.access import visible_cases
from petitions.cases.models import Alert, Case
from petitions.cases.people import display_name
from petitions.cases.signals import staff_alert_requested
from petitions.reports.models import SpotCheck, SpotCheckDraw
from snippets.models import BureauLeadership, Department


class SpotCheckRefused(Exception):
    """A step of a spot check that may not be taken; the message says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- the draw ------------------------------------------------------------------------------


def new_seed() -> str:
    """An eight-digit seed, written down with the draw."""
    return f"{secrets.randbelow(10**8):08d}"


def rank(seed: str, number: str) -> str:
    return hashlib.sha256(f"{seed}:{number}".encode()).hexdigest()


def population(user, department: Department | None, start: dt.date, end: dt.date) -> list[str]:
    """The numbers of the handled cases the draw is made from: a reply issued in the period."""
    cases = visible_cases(user).filter(replies__replied_on__range=(start, end))
    if department is not None:
        cases = cases.filter(host_department=department)
    return sorted(set(cases.values_list("number", flat=True)))


def digest(numbers: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(numbers)).encode()).hexdigest()


def sample_size(size: int, *, share: int | None, count: int | None) -> int:
    wanted = count if count else math.ceil(size * (share or 0) / 100)
    return min(wanted, size)


def sample(numbers: list[str], seed: str, k: int) -> list[str]:
    """The k cases of smallest rank, in number order."""
    return sorted(sorted(numbers, key=lambda n: rank(seed, n))[:k])


@dataclass(frozen=True)
class Rerun:
    """A draw re-run from its record: the cases it gives, and whether they are those drawn."""

    numbers: list[str]
    same_population: bool
    same_cases: bool


def draw(
    *,
    user,
    department: Department | None,
    start: dt.date,
    end: dt.date,
    share: int | None = None,
    count: int | None = None,
    seed: str = "",
) -> SpotCheckDraw:
    """Draw the sample and record it with everything needed to draw it again."""
    if bool(share) == bool(count):
        raise SpotCheckRefused(_("请填写抽取比例或抽取件数，二者选一。"))
    if end < start:
        raise SpotCheckRefused(_("答复日期的截止日不能早于起始日。"))
    seed = (seed or "").strip() or new_seed()
    numbers = population(user, department, start, end)
    if not numbers:
        raise SpotCheckRefused(_("这段时间内没有已答复的案件可以抽查。"))
    chosen = sample(numbers, seed, sample_size(len(numbers), share=share, count=count))
    with transaction.atomic():
        record = SpotCheckDraw.objects.create(
            department=department,
            period_start=start,
            period_end=end,
            share=share or None,
            count=count or None,
            seed=seed,
            population_size=len(numbers),
            population_digest=digest(numbers),
            drawn_by=user,
        )
        record.cases.set(Case.objects.filter(number__in=chosen))
        log(
            instance=record,
            action="petitions.spot_check_draw",
            user=user,
            data={
                "department": department.name if department else "",
                "period": [start.isoformat(), end.isoformat()],
                "share": share,
                "count": count,
                "seed": seed,
                "population": len(numbers),
                "cases": chosen,
            },
        )
    return record


def rerun(record: SpotCheckDraw, user) -> Rerun:
    """Draw again from the record's parameters and seed."""
    numbers = population(user, record.department, record.period_start, record.period_end)
    k = sample_size(len(numbers), share=record.share, count=record.count)
    again = sample(numbers, record.seed, k)
    drawn = sorted(record.cases.values_list("number", flat=True))
    return Rerun(
        numbers=again,
        same_population=digest(numbers) == record.population_digest,
        same_cases=again == drawn,
    )


# --- who may do what -----------------------------------------------------------------------


def may_draw(user) -> bool:
    return user.is_authenticated and user.has_perm("petitions.add_spotcheck")


def may_follow_up(user) -> bool:
    """The office and the detachment send findings on and report them (第二十二条)."""
    return user.is_authenticated and user.has_perm("petitions.change_spotcheck")


def in_department(user, department: Department | None) -> bool:
    if department is None or not user.is_authenticated:
        return False
    return Department.objects.filter(Q(pk=department.pk) & (Q(head=user) | Q(staff=user))).exists()


def may_answer(user, check: SpotCheck) -> bool:
    return in_department(user, check.department)


def may_view(user, check: SpotCheck) -> bool:
    """The office's records, the department once the findings are sent to it, and the leaders
    they are reported to."""
    if not user.is_authenticated:
        return False
    if user.has_perm("petitions.view_spotcheck"):
        return True
    if check.feedback_sent_on and may_answer(user, check):
        return True
    return user.pk in {check.leader_reported_to_id, check.head_reported_to_id}


def visible_checks(user):
    """The spot checks a user may read, as may_view decides for one."""
    checks = SpotCheck.objects.all()
    if user.has_perm("petitions.view_spotcheck"):
        return checks
    return checks.filter(
        Q(feedback_sent_on__isnull=False, department__head=user)
        | Q(feedback_sent_on__isnull=False, department__staff=user)
        | Q(leader_reported_to=user)
        | Q(head_reported_to=user)
    ).distinct()


# --- the steps of a check ------------------------------------------------------------------


def _dated(on: dt.date, *, after: dt.date | None, today: dt.date, what: str) -> None:
    if on > today:
        raise SpotCheckRefused(_("日期不能晚于今天（%(today)s）。") % {"today": today.isoformat()})
    if after is not None and on < after:
        raise SpotCheckRefused(
            _("%(what)s的日期不能早于上一步（%(after)s）。")
            % {"what": what, "after": after.isoformat()}
        )


def _alert(check: SpotCheck, recipients, key: str, message: str) -> None:
    staff_alert_requested.send(
        sender=SpotCheck,
        case=check.case,
        recipients=[r for r in recipients if r is not None],
        kind=Alert.Kind.SPOT_CHECK,
        key=key,
        message=message,
        link=reverse("spot_checks:detail", args=[check.pk]),
    )


def _locked(check: SpotCheck) -> SpotCheck:
    return (
        SpotCheck.objects.select_for_update(of=("self",))
        .select_related("case", "department")
        .get(pk=check.pk)
    )


def send_findings(check: SpotCheck, *, user, on: dt.date, today: dt.date) -> SpotCheck:
    """反馈: the findings go back to the department that handled the case."""
    if not may_follow_up(user):
        raise SpotCheckRefused(_("抽查结果由办公室会同支队反馈承办科室（第二十二条）。"))
    with transaction.atomic():
        check = _locked(check)
        if check.feedback_sent_on:
            raise SpotCheckRefused(_("已于 %(on)s 反馈科室。") % {"on": check.feedback_sent_on})
        if check.department is None:
            raise SpotCheckRefused(_("抽查记录没有被抽查科室，无法反馈。"))
        _dated(on, after=check.checked_on, today=today, what=_("反馈科室"))
        check.feedback_sent_on, check.feedback_sent_by = on, user
        check.save(update_fields=["feedback_sent_on", "feedback_sent_by"])
        log(instance=check, action="petitions.spot_check_feedback", user=user, data={"on": str(on)})
        _alert(
            check,
            [check.department.head],
            f"spot_check:{check.pk}:feedback",
            _(
                "案件 %(number)s 的抽查结果（%(finding)s）已反馈%(department)s，请答复（第二十二条）。"
            )
            % {
                "number": check.case.number,
                "finding": check.get_finding_display(),
                "department": check.department.name,
            },
        )
    return check


def answer(check: SpotCheck, *, user, text: str, on: dt.date, today: dt.date) -> SpotCheck:
    """科室答复: the department answers the findings on the record."""
    if not text.strip():
        raise SpotCheckRefused(_("请填写“科室答复”。"))
    with transaction.atomic():
        check = _locked(check)
        if not may_answer(user, check):
            raise SpotCheckRefused(_("只有被抽查科室的人员可以答复（第二十二条）。"))
        if not check.feedback_sent_on:
            raise SpotCheckRefused(_("抽查结果尚未反馈科室。"))
        if check.responded_on:
            raise SpotCheckRefused(_("科室已于 %(on)s 答复。") % {"on": check.responded_on})
        _dated(on, after=check.feedback_sent_on, today=today, what=_("科室答复"))
        check.department_response, check.responded_on, check.responded_by = text, on, user
        check.save(update_fields=["department_response", "responded_on", "responded_by"])
        log(
            instance=check,
            action="petitions.spot_check_answer",
            user=user,
            data={"on": str(on), "fields": {"comment": text}},
        )
    return check


def report_to_leader(check: SpotCheck, *, user, on: dt.date, today: dt.date) -> SpotCheck:
    """A serious finding goes up to the department's supervising leader (逐级报告)."""
    if not may_follow_up(user):
        raise SpotCheckRefused(_("抽查发现的重要问题由办公室逐级报告（第二十二条）。"))
    with transaction.atomic():
        check = _locked(check)
        if not check.is_serious:
            raise SpotCheckRefused(
                _("只有“存在严重问题”的抽查结果需要向分管领导、主要负责人逐级报告（第二十二条）。")
            )
        if not check.feedback_sent_on:
            raise SpotCheckRefused(_("请先把抽查结果反馈承办科室。"))
        if check.leader_reported_on:
            raise SpotCheckRefused(
                _("已于 %(on)s 报告分管领导。") % {"on": check.leader_reported_on}
            )
        leader = check.department.supervising_leader if check.department else None
        if leader is None:
            raise SpotCheckRefused(_("被抽查科室没有登记分管领导，请先在 配置 › 科室 中填写。"))
        _dated(on, after=check.feedback_sent_on, today=today, what=_("报告分管领导"))
        check.leader_reported_on, check.leader_reported_to = on, leader
        check.save(update_fields=["leader_reported_on", "leader_reported_to"])
        log(
            instance=check,
            action="petitions.spot_check_report_leader",
            user=user,
            data={"on": str(on), "to": display_name(leader)},
        )
        _alert(
            check,
            [leader],
            f"spot_check:{check.pk}:leader",
            _(
                "案件 %(number)s 抽查发现严重问题（%(department)s），报请分管领导阅示（第二十二条）。"
            )
            % {"number": check.case.number, "department": check.department.name},
        )
    return check


def report_to_head(check: SpotCheck, *, user, on: dt.date, today: dt.date) -> SpotCheck:
    """… and then to the bureau head (主要领导)."""
    if not may_follow_up(user):
        raise SpotCheckRefused(_("抽查发现的重要问题由办公室逐级报告（第二十二条）。"))
    with transaction.atomic():
        check = _locked(check)
        if not check.leader_reported_on:
            raise SpotCheckRefused(
                _("请先报告分管领导，再报告主要负责人（逐级报告，第二十二条）。")
            )
        if check.head_reported_on:
            raise SpotCheckRefused(
                _("已于 %(on)s 报告主要负责人。") % {"on": check.head_reported_on}
            )
        head = BureauLeadership.load().bureau_head
        if head is None:
            raise SpotCheckRefused(_("尚未指定主要负责人，请在 设置 › 局领导 中填写。"))
        _dated(on, after=check.leader_reported_on, today=today, what=_("报告主要负责人"))
        check.head_reported_on, check.head_reported_to = on, head
        check.save(update_fields=["head_reported_on", "head_reported_to"])
        log(
            instance=check,
            action="petitions.spot_check_report_head",
            user=user,
            data={"on": str(on), "to": display_name(head)},
        )
        _alert(
            check,
            [head],
            f"spot_check:{check.pk}:head",
            _(
                "案件 %(number)s 抽查发现严重问题（%(department)s），报请主要负责人阅示（第二十二条）。"
            )
            % {"number": check.case.number, "department": check.department.name},
        )
    return check


#: The steps offered on a check's page: (name, label, function, who).
STEPS = {
    "feedback": send_findings,
    "report_leader": report_to_leader,
    "report_head": report_to_head,
}
